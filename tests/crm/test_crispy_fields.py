"""crm/templatetags/crm_crispy.py renders the markup of crispy-bootstrap5's field template.

Every form page of the product (the create and edit pages of each area, their re-rendering
with errors after an empty POST, the setup pages, a contact card's forms) is rendered with
the Python fields and with the library's template; the pages must be the same but for the
whitespace between tags and the CSRF tokens.
"""

import re

import pytest
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from tests.factories.contacts import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db

SKIPPED_NAMES = ("logout", "setlang", "export", "schema", "docs")
POSTED_ENDINGS = ("/new/", "/create/", "/phone-call/")


def _names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _names(pattern, inner)
        elif pattern.name:
            yield namespace + pattern.name


def _page_urls(company, person) -> list[str]:
    urls = set()
    for name in _names(get_resolver()):
        if name.startswith(("admin:", "api")) or any(word in name for word in SKIPPED_NAMES):
            continue
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue
    urls |= {
        company.get_absolute_url(),
        person.get_absolute_url(),
        reverse("contacts:contact-update", args=[company.pk]),
        reverse("contacts:contact-update", args=[person.pk]),
    }
    return sorted(urls)


def _normal(html: str) -> str:
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html)


def _render(client, method: str, url: str) -> str | None:
    response = getattr(client, method)(url)
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return None
    return _normal(response.content.decode())


def test_the_python_fields_render_what_the_library_template_renders(client, make_user, settings):
    company = CompanyFactory(name="Crispy Co")
    person = PersonFactory(company=company, name="Ada Field")
    client.force_login(make_user("crispy", is_superuser=True))
    compared = fields = 0
    for url in _page_urls(company, person):
        methods = ["get", "post"] if url.endswith(POSTED_ENDINGS) else ["get"]
        for method in methods:
            pages = {}
            for fast in (False, True):
                settings.CRM_FAST_CRISPY_FIELDS = fast
                pages[fast] = _render(client, method, url)
            if pages[False] is None:
                continue
            compared += 1
            fields += pages[False].count('id="div_id_')
            assert pages[True] == pages[False], f"{method.upper()} {url}"
    # Every area's forms were in the comparison, errors included.
    assert compared > 60 and fields > 300, (compared, fields)
