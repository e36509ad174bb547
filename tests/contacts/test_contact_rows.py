"""contacts/templatetags/contact_rows.py writes the rows the list template used to loop over.

The reference below is that loop as it was; the tag must produce the same markup (but for
the whitespace between tags) for every kind of row: a privacy-blocked contact, one without
a salesperson, names that need escaping, a bulk-action checkbox, a contributed column, and
the short date of each language.
"""

import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import format_html

from contacts.models import Contact
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

REFERENCE = """{% load crm_extensions i18n l10n %}{% for contact in object_list %}
  <tr>
    {% if extension_bulk %}<td><input class="form-check-input" type="checkbox" name="record" value="{{ contact.pk|unlocalize }}" form="list-bulk" aria-label="{{ extension_bulk.select_label }}"></td>{% endif %}
    <td><a href="{{ contact.get_absolute_url }}">{{ contact.number }}</a></td>
    <td>{{ contact.name }}{% if contact.is_privacy_blocked %} <span class="badge text-bg-warning">{% translate "Privacy blocked" %}</span>{% endif %}</td>
    <td>{{ contact.company_name }}</td>
    <td>{{ contact.city }}</td>
    <td>{{ contact.post_code }}</td>
    <td>{{ contact.last_modified_at|date:"SHORT_DATE_FORMAT" }}</td>
    <td>{{ contact.phone }}</td>
    <td>{{ contact.email }}</td>
    <td>{{ contact.salesperson.code|default:"" }}</td>
    {% for column in extension_columns %}<td>{% extension_cell column contact %}</td>{% endfor %}
  </tr>{% endfor %}"""  # noqa: E501


def _normal(html: str) -> str:
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("with_extensions", [False, True])
def test_the_rows_tag_writes_what_the_template_loop_wrote(language, with_extensions):
    company = CompanyFactory(name='Dupont & <Fils> "SA"', city="Évry", phone="01 23 45 67 89")
    PersonFactory(
        company=company,
        name="<script>alert(1)</script>",
        email="a&b@example.com",
        is_privacy_blocked=True,
        salesperson=SalespersonFactory(code="SP<1>"),
    )
    PersonFactory(company=company, name="Zoé Sans Vendeur", salesperson=None)
    contacts = list(Contact.objects.select_related("salesperson").order_by("pk"))
    column = SimpleNamespace(render=lambda contact: format_html("<b>{}</b>", contact.number))
    context = {
        "object_list": contacts,
        "extension_bulk": {"select_label": 'Select "row"'} if with_extensions else None,
        "extension_columns": [column] if with_extensions else [],
    }
    with translation.override(language):
        expected = Template(REFERENCE).render(Context(context))
        rendered = Template("{% load contact_rows %}{% contact_rows object_list %}").render(
            Context(context)
        )
    assert _normal(rendered) == _normal(expected)
    assert "&lt;script&gt;" in rendered and "<script>" not in rendered
    assert rendered.count("<tr>") == 3
