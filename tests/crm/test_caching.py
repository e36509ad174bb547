"""The caches of crm.caching follow the data: a change is seen on the next request."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation

from setup.models import Country, Territory

pytestmark = pytest.mark.django_db


def test_revoked_permission_is_refused_on_the_next_request(client, make_user):
    group = Group.objects.create(name="Readers")
    view = Permission.objects.get(codename="view_contact", content_type__app_label="contacts")
    group.permissions.add(view)
    user = make_user("reader", groups=[group])
    client.force_login(user)
    url = reverse("contacts:contact-list")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache

    group.permissions.remove(view)
    assert client.get(url).status_code == 403

    group.permissions.add(view)
    assert client.get(url).status_code == 200
    user.groups.clear()
    assert client.get(url).status_code == 403


def test_permission_sets_are_read_from_the_cache(client, make_user, django_assert_num_queries):
    user = make_user("cached", groups=["Sales"])
    client.force_login(user)
    url = reverse("contacts:contact-list")
    client.get(url)
    # session, one page of contacts: no user or permission query once cached.
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200


def test_new_code_table_row_is_offered_and_accepted_at_once(client, make_user):
    client.force_login(make_user("filterer", groups=["Sales"]))
    url = reverse("contacts:contact-list")
    assert "ZZNEW" not in client.get(url).content.decode()
    territory = Territory.objects.create(code="ZZNEW", description="Brand new")
    page = client.get(url).content.decode()
    assert "ZZNEW" in page
    # The cached choices also validate the filter: the new key is accepted, a deleted one
    # is refused with the form's message.
    response = client.get(url, {"territory": territory.pk})
    assert response.context["filter"].form.errors == {}
    pk = territory.pk
    territory.delete()
    response = client.get(url, {"territory": pk})
    assert "territory" in response.context["filter"].form.errors


def test_card_shows_a_renamed_country(client, make_user):
    from tests.factories.contacts import CompanyFactory

    client.force_login(make_user("carder", groups=["Sales"]))
    country = Country.objects.create(code="QQ", name="Old name")
    company = CompanyFactory(country=country)
    assert "Old name" in client.get(company.get_absolute_url()).content.decode()
    country.name = "New name"
    country.save()
    page = client.get(company.get_absolute_url()).content.decode()
    assert "New name" in page
    assert "Old name" not in page


def test_the_contact_form_reads_its_code_choices_from_the_cache_and_sees_a_new_row(
    client, make_user
):
    """crm.choices: the contact form's code-table selects come from the cache (no query per
    select once cached), and a new territory is offered on the next request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("creator", groups=["Sales"]))
    url = reverse("contacts:contact-create")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "setup_territory" not in tables and "setup_country" not in tables
    assert "ZZFORM" not in page

    territory = Territory.objects.create(code="ZZFORM", description="Form territory")
    page = client.get(url).content.decode()
    assert f'value="{territory.pk}"' in page and "ZZFORM" in page
    with translation.override("fr"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "ZZFORM" in page


def test_a_page_reads_each_namespace_version_once_and_holds_unchanging_entries(client, make_user):
    """crm.caching within a request: the list page reads seven filter choice lists and the
    sync state several times; once this process holds them, the page asks the cache only
    for the versions (one read per namespace), and a version changed by another process
    (here: written straight into the cache) is seen on the next request."""
    from unittest import mock

    from django.core.cache import caches

    from crm import caching

    client.force_login(make_user("lister", groups=["Sales"]))
    url = reverse("contacts:contact-list")
    client.get(url)
    backend = caches["default"]
    reads: list[list[str]] = []
    real_get, real_get_many = backend.get, backend.get_many
    inner = []  # LocMemCache.get_many calls get once per key: count the call once

    def get(key, *args, **kwargs):
        if not inner:
            reads.append([key])
        return real_get(key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        reads.append(list(keys))
        inner.append(True)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inner.pop()

    with (
        mock.patch.object(backend, "get", get),
        mock.patch.object(backend, "get_many", get_many),
    ):
        assert client.get(url).status_code == 200
    namespaces = [
        keys[0].split(":")[2] if keys[0].startswith("crm:version:") else keys[0].split(":")[1]
        for keys in reads
        if keys[0].startswith("crm:")
    ]
    assert sorted(namespaces) == sorted(set(namespaces)), reads  # one read each
    assert "choices" in namespaces

    # Another process adds a territory and bumps the version: the next page offers it.
    territory = Territory.objects.create(code="ZZELSE", description="Elsewhere")
    caching._process_entries.clear()  # the bump above came from this process; pretend not
    backend.set("crm:version:choices", "another-process", None)
    assert "ZZELSE" in client.get(url).content.decode()
    assert territory.pk


def test_a_bump_within_a_request_is_seen_by_the_rest_of_that_request():
    """A request that changes a code table and then reads its choices reads the new rows:
    the request's remembered version follows its own bump."""
    from crm import caching

    caching._request_begins()  # what request_started does (its other receivers close the DB)
    try:
        first = caching.cached("choices", "probe", lambda: ("old",), process=True)
        assert first == ("old",)
        assert caching.cached("choices", "probe", lambda: ("new",), process=True) == ("old",)
        Territory.objects.create(code="ZZBUMP", description="Bumps choices")
        assert caching.cached("choices", "probe", lambda: ("new",), process=True) == ("new",)
    finally:
        caching._request_ends()
    assert caching._request_versions.get() is None


def test_code_rows_are_held_by_the_process_and_handed_out_as_copies():
    """Within a request, code rows come from this process once read (no cache read), and a
    contact gets its own copy of a row: a change a view makes to it stays in that request."""
    from contacts.models import Contact
    from crm import caching

    country = Country.objects.create(code="QC", name="Held")
    caching._request_begins()
    try:
        rows = caching.code_rows(Country)
        assert caching.code_rows(Country) is rows
        contact = caching.attach_code_rows(Contact(country_id=country.pk), "country")
        contact.country.name = "Changed by a view"
        assert caching.code_rows(Country)[country.pk].name == "Held"
    finally:
        caching._request_ends()
