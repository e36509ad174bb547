"""The coupling status column, filter, card panel and salesperson admin (SPEC 13.4 steps 2 and 4)
without a remote: what shows to whom, what each filter value selects, what a page costs."""

import pytest
from django.db import connection
from django.urls import reverse

from sync.defaults import mappings_reset_to_defaults
from sync.models import ExternalCrmConnection, SyncCoupling, SyncResult, SyncTableMapping
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.opportunities import OpportunityFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enabled():
    """The sync switched on with the default mappings (no remote is called by these pages)."""
    mappings_reset_to_defaults()
    conn = ExternalCrmConnection.load()
    conn.is_enabled = True
    conn.save()
    return conn


def couple(name: str, obj, remote_id: str, *, failed: bool = False) -> SyncCoupling:
    return SyncCoupling.objects.create(
        mapping=SyncTableMapping.objects.get(name=name),
        local_id=obj.pk,
        remote_id=remote_id,
        last_local_result=SyncResult.FAILURE if failed else SyncResult.SUCCESS,
        last_remote_result=SyncResult.SUCCESS,
    )


def statuses(html: str) -> list[str]:
    import re

    return re.findall(r'data-sync-status="([a-z_]+)"', html)


def test_contact_list_shows_each_rows_coupling_status(client, admin_user_, enabled):
    coupled = CompanyFactory(name="AAA coupled")
    failed = CompanyFactory(name="BBB failed")
    person = PersonFactory(name="CCC person", company=coupled)
    CompanyFactory(name="DDD loose")
    couple("ACCOUNT", coupled, "11")
    couple("ACCOUNT", failed, "12", failed=True)
    couple("CONTACT", person, "13")
    client.force_login(admin_user_)
    response = client.get(reverse("contacts:contact-list"), {"o": "name"})
    html = response.content.decode()
    assert "External CRM" in html
    assert statuses(html) == ["coupled", "failed", "coupled", "not_coupled"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("coupled", ["AAA coupled"]),
        ("failed", ["BBB failed"]),
        ("not_coupled", ["DDD loose"]),
        ("", ["AAA coupled", "BBB failed", "DDD loose"]),
    ],
)
def test_contact_list_filters_on_coupling_status(client, admin_user_, enabled, value, expected):
    a, b = CompanyFactory(name="AAA coupled"), CompanyFactory(name="BBB failed")
    CompanyFactory(name="DDD loose")
    couple("ACCOUNT", a, "1")
    couple("ACCOUNT", b, "2", failed=True)
    client.force_login(admin_user_)
    response = client.get(reverse("contacts:contact-list"), {"sync_status": value, "o": "name"})
    assert [c.name for c in response.context["object_list"]] == expected


def test_opportunity_list_shows_and_filters_coupling_status(client, admin_user_, enabled):
    coupled, loose = OpportunityFactory(description="Coupled deal"), OpportunityFactory()
    couple("OPPORTUNITY", coupled, "77")
    client.force_login(admin_user_)
    url = reverse("opportunities:index")
    html = client.get(url).content.decode()
    assert sorted(statuses(html)) == ["coupled", "not_coupled"]
    response = client.get(url, {"sync_status": "coupled"})
    assert [o.pk for o in response.context["object_list"]] == [coupled.pk]
    response = client.get(url, {"sync_status": "not_coupled"})
    assert [o.pk for o in response.context["object_list"]] == [loose.pk]


@pytest.mark.parametrize("rows", [1, 30])
def test_contact_list_with_the_status_column_costs_the_same_for_1_and_30_rows(
    client, admin_user_, enabled, django_assert_max_num_queries, rows
):
    companies = CompanyFactory.create_batch(rows)
    for index, company in enumerate(companies):
        if index % 2:
            couple("ACCOUNT", company, str(index))
    client.force_login(admin_user_)
    url = reverse("contacts:contact-list")
    client.get(url)  # warm the caches (permissions, code tables, sync state)
    with django_assert_max_num_queries(6):
        response = client.get(url, {"sync_status": "coupled"})
    assert len(response.context["object_list"]) == rows // 2
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert len(statuses(response.content.decode())) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_opportunity_list_with_the_status_column_costs_the_same_for_1_and_30_rows(
    client, admin_user_, enabled, django_assert_max_num_queries, rows
):
    for index, opportunity in enumerate(OpportunityFactory.create_batch(rows)):
        if index % 2:
            couple("OPPORTUNITY", opportunity, str(index))
    client.force_login(admin_user_)
    url = reverse("opportunities:index")
    client.get(url)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(statuses(response.content.decode())) == rows


def test_the_status_is_read_through_the_mapping_local_id_index(enabled):
    """At a million contacts the column and the filter probe the couplings by (mapping,
    local_id): that index exists and the plan of the list page uses it."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "sync_synccoupling")
    assert any(
        (c["index"] or c["unique"]) and c["columns"] == ["mapping_id", "local_id"]
        for c in constraints.values()
    )
    from contacts.models import Contact
    from sync.extensions import status_annotate, status_filter

    CompanyFactory()
    queryset = status_filter(
        status_annotate(Contact.objects.order_by("search_name", "id"), "contacts.contact"),
        "contacts.contact",
        "coupled",
    )[:51]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "sync_coupling_local_uniq" in plan


def test_everything_is_hidden_when_the_sync_is_off_or_the_user_may_not_couple(
    client, admin_user_, sales_user
):
    company = CompanyFactory()
    mappings_reset_to_defaults()  # mappings, but the connection is not enabled
    client.force_login(admin_user_)
    list_html = client.get(reverse("contacts:contact-list")).content.decode()
    card_html = client.get(company.get_absolute_url()).content.decode()
    assert "sync_status" not in list_html
    assert "data-sync-status" not in list_html
    assert "/records/contact/" not in card_html
    panel = reverse("sync:record-panel", args=["contact", company.pk])
    assert client.get(panel).status_code == 404

    conn = ExternalCrmConnection.load()
    conn.is_enabled = True
    conn.save()
    client.force_login(sales_user)  # may see contacts, may not couple them
    list_html = client.get(reverse("contacts:contact-list")).content.decode()
    card_html = client.get(company.get_absolute_url()).content.decode()
    assert "sync_status" not in list_html
    assert 'form="list-bulk"' not in list_html
    assert "/records/contact/" not in card_html
    assert client.get(panel).status_code == 403

    client.force_login(admin_user_)
    list_html = client.get(reverse("contacts:contact-list")).content.decode()
    card_html = client.get(company.get_absolute_url()).content.decode()
    assert 'name="sync_status"' in list_html
    assert panel in card_html
    assert reverse("sync:match", args=["contact"]) in list_html
    assert reverse("sync:create-from-remote", args=["contact"]) in list_html


def test_the_card_panel_offers_the_actions_for_the_records_state(client, admin_user_, enabled):
    company = CompanyFactory()
    lone_person = PersonFactory(company=None)
    client.force_login(admin_user_)
    panel = reverse("sync:record-panel", args=["contact", company.pk])
    html = client.get(panel).content.decode()
    assert 'value="create_remote"' in html
    assert (
        reverse("sync:remote-search", args=[SyncTableMapping.objects.get(name="ACCOUNT").pk])
        in html
    )
    assert 'value="remove"' not in html
    couple("ACCOUNT", company, "42")
    html = client.get(panel).content.decode()
    assert 'value="sync"' in html
    assert 'name="winner"' in html  # ACCOUNT is bidirectional: the user picks the direction
    response = client.post(panel, {"action": "remove"})
    assert 'data-sync-status="not_coupled"' in response.content.decode()
    assert not SyncCoupling.objects.filter(local_id=company.pk).exists()
    # a person without a company is not synchronised (13.2): no panel
    assert "/records/contact/" not in client.get(lone_person.get_absolute_url()).content.decode()
    assert (
        client.get(reverse("sync:record-panel", args=["contact", lone_person.pk])).status_code
        == 404
    )


def test_opportunity_card_loads_the_coupling_panel(client, admin_user_, enabled):
    opportunity = OpportunityFactory()
    client.force_login(admin_user_)
    html = client.get(opportunity.get_absolute_url()).content.decode()
    panel = reverse("sync:record-panel", args=["opportunity", opportunity.pk])
    assert panel in html
    assert "OPPORTUNITY" in client.get(panel).content.decode()


def test_salesperson_admin_has_the_status_column_filter_and_actions(client, admin_user_, enabled):
    admin_user_.is_superuser = True  # the Django admin's changelist
    admin_user_.save()
    coupled, loose = SalespersonFactory(code="SP1"), SalespersonFactory(code="SP2")
    couple("SALESPERSON", coupled, "5")
    client.force_login(admin_user_)
    url = reverse("admin:setup_salesperson_changelist")
    html = client.get(url).content.decode()
    assert sorted(statuses(html)) == ["coupled", "not_coupled"]
    assert "salesperson_uncouple" in html and "salesperson_match" in html
    response = client.get(url, {"sync_status": "not_coupled"})
    assert [s.pk for s in response.context["cl"].result_list] == [loose.pk]
    client.post(
        url, {"action": "salesperson_uncouple", "_selected_action": [coupled.pk], "index": 0}
    )
    assert not SyncCoupling.objects.filter(local_id=coupled.pk).exists()


def test_list_bulk_actions_remove_synchronise_and_match_the_ticked_rows(
    client, admin_user_, enabled, django_capture_on_commit_callbacks
):
    a, b, loose = CompanyFactory(), CompanyFactory(), CompanyFactory()
    person = PersonFactory(company=a)
    for index, obj in enumerate([a, b]):
        couple("ACCOUNT", obj, f"A{index}")
    couple("CONTACT", person, "P1")
    client.force_login(admin_user_)
    html = client.get(reverse("contacts:contact-list")).content.decode()
    assert html.count('form="list-bulk"') == 4  # a checkbox per row
    url = reverse("sync:bulk", args=["contact"])
    ids = [a.pk, b.pk, person.pk]

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"record": ids, "action": "sync_local", "next": "/contacts/"})
    assert response.url == "/contacts/"
    assert len(callbacks) == 2  # one "synchronise now" per mapping: ACCOUNT and CONTACT

    response = client.post(url, {"record": [b.pk, loose.pk], "action": "match"})
    assert (
        response.url == f"{reverse('sync:match', args=['contact'])}?record={b.pk}&record={loose.pk}"
    )
    match_page = client.get(response.url).content.decode()
    assert f'name="record" value="{loose.pk}"' in match_page

    response = client.post(url, {"record": ids, "action": "remove", "next": "https://evil.test/"})
    assert response.url == "/"  # never an outside redirect
    assert not SyncCoupling.objects.exists()
    from sync.models import SyncJob

    jobs = SyncJob.objects.filter(kind="uncoupling").order_by("mapping__name")
    assert [(j.mapping.name, j.uncoupled) for j in jobs] == [("ACCOUNT", 2), ("CONTACT", 1)]


@pytest.mark.parametrize(
    ("language", "running", "done", "skipped"),
    [
        ("en", "Synchronisation running…", "Synchronised.", "nothing was synchronised"),
        ("fr", "Synchronisation en cours…", "Synchronisé.", "rien n&#x27;a été synchronisé"),
    ],
)
def test_synchronise_now_is_a_job_the_panel_follows_until_it_ends(
    client,
    admin_user_,
    enabled,
    django_capture_on_commit_callbacks,
    language,
    running,
    done,
    skipped,
):
    """SYN-14: "Synchronise now" queues a job and the card's panel asks about it every second
    while it is queued or running, then says how it ended (in the user's language) and stops
    asking; it used to say "started" and leave the outcome to a reload."""
    from sync.models import SyncJob, SyncJobStatus

    company = CompanyFactory()
    couple("ACCOUNT", company, "42")
    client.force_login(admin_user_)
    client.cookies["django_language"] = language
    panel = reverse("sync:record-panel", args=["contact", company.pk])
    with django_capture_on_commit_callbacks() as callbacks:  # no worker picks it up yet
        html = client.post(panel, {"action": "sync", "winner": "local"}).content.decode()
    job = SyncJob.objects.get(mapping__name="ACCOUNT", user=admin_user_)
    assert job.status == SyncJobStatus.QUEUED and len(callbacks) == 1
    poll = f"{panel}?job={job.pk}"
    assert running in html and f'hx-get="{poll}"' in html and 'hx-trigger="every 1s"' in html
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJobStatus.RUNNING)
    assert 'hx-trigger="every 1s"' in client.get(poll).content.decode()
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJobStatus.SUCCEEDED)
    html = client.get(poll).content.decode()
    assert done in html and "hx-trigger" not in html
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJobStatus.SKIPPED)
    html = client.get(poll).content.decode()
    assert skipped in html and "hx-trigger" not in html
