"""contacts.forms.SelectWithNew renders its ``<select>`` through the form renderer (written in
Python by crm.form_renderer) instead of an ``{% include %}`` of Django's ``select.html``: the
markup is the one the include produced, in English and French."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from contacts.forms import SelectWithNew

FORMER = (
    '{% load i18n %}<div class="d-flex gap-2 align-items-start">'
    '{% include "django/forms/widgets/select.html" %}'
    '<button type="button" class="btn btn-outline-secondary btn-sm text-nowrap" '
    'hx-get="{{ widget.new_url }}?target={{ widget.attrs.id }}" '
    'hx-target="#new-{{ widget.attrs.id }}" hx-swap="innerHTML">{% translate "+ New" %}'
    '</button></div><div id="new-{{ widget.attrs.id }}"></div>'
)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_lookup_with_new_renders_what_the_include_rendered(language):
    widget = SelectWithNew(
        choices=[("", "---------"), ("1", "Dupont & Fils"), ("2", '<b>"Évry"</b>')],
        new_url="/contacts/lookups/territory/new/",
        attrs={"id": "id_territory", "class": "select form-select"},
    )
    with translation.override(language):
        rendered = widget.render("territory", "2")
        context = widget.get_context("territory", "2", None)
        expected = DjangoTemplates().engine.from_string(FORMER).render(context)
    assert rendered == expected
    assert '<option value="2" selected>&lt;b&gt;&quot;Évry&quot;&lt;/b&gt;</option>' in rendered
    assert ("+ Nouveau" if language == "fr" else "+ New") in rendered
