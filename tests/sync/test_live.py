"""External CRM sync against a live Tryton server (SPEC §13, X-1 … X-12).

Every assertion about the remote side reads Tryton back through its own API, logged in as a
second Tryton user ("editor", the person editing in Tryton), never from the product's memory.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts.models import Contact
from contacts.services import contact_update
from sync.adapters.tryton import TrytonAdapter
from sync.engine import PARENT_NOT_COUPLED, WATERMARK_STEP, mapping_run, sync_all
from sync.models import (
    DeletionConflict,
    ScheduleStatus,
    SyncCoupling,
    SyncJob,
    SyncJobError,
    SyncTableMapping,
    UpdateConflict,
)
from sync.services import couple_match, full_sync_finish, records_sync
from tests.factories.contacts import CompanyFactory, ContactBusinessRelationFactory, PersonFactory
from tests.factories.setup import CountryFactory
from tests.sync.conftest import DATABASE

pytestmark = pytest.mark.django_db

PARTY_FIELDS = [
    "name",
    "email",
    "phone",
    "mobile",
    "website",
    "street",
    "postal_code",
    "city",
    "country",
    "parent",
]


def mapping(name: str) -> SyncTableMapping:
    return SyncTableMapping.objects.get(name=name)


def customer(**fields) -> Contact:
    company = CompanyFactory(**fields)
    ContactBusinessRelationFactory(
        contact=company, link_type="customer", external_number=f"C{company.pk}"
    )
    return company


def remote_id(name: str, contact) -> str:
    return SyncCoupling.objects.get(mapping__name=name, local_id=contact.pk).remote_id


def remote(editor, party_id: str) -> dict:
    (row,) = editor.read("party.party", [party_id], PARTY_FIELDS)
    return row.values


def later(contact) -> None:
    """Make the next local change strictly newer than what the last run saw."""
    Contact.objects.filter(pk=contact.pk).update(
        updated_at=timezone.now() + dt.timedelta(seconds=1)
    )


def test_x1_person_edits_travel_both_ways_and_companies_go_through_account(editor):
    """X-1: a coupled person's name, address, e-mail, phones and website travel both ways
    through CONTACT; the company is handled by ACCOUNT, not CONTACT."""
    CountryFactory(code="FR", name="France")
    company = customer(name="Acme SA", city="Paris", email="info@acme.test")
    person = PersonFactory(name="Ana Núñez", company=company, email="ana@acme.test")
    jobs = sync_all(full=True)
    assert {j.mapping.name: j.status for j in jobs}["CONTACT"] == "succeeded"
    assert not SyncCoupling.objects.filter(mapping__name="CONTACT", local_id=company.pk).exists()
    account_id = remote_id("ACCOUNT", company)
    person_id = remote_id("CONTACT", person)
    assert remote(editor, account_id)["name"] == "Acme SA"
    assert remote(editor, person_id)["parent"] == account_id
    assert remote(editor, person_id)["email"] == "ana@acme.test"

    later(person)
    contact_update(
        contact=Contact.objects.get(pk=person.pk),
        user=None,
        data={
            "name": "Ana Núñez-Roy",
            "address": "2 rue Neuve",
            "city": "Lyon",
            "post_code": "69001",
            "country": CountryFactory(code="FR"),
            "email": "ana.roy@acme.test",
            "phone": "+33 4 11 22 33 44",
            "mobile_phone": "+33 6 55 44 33 22",
            "home_page": "https://ana.example",
        },
    )
    mapping_run(mapping("CONTACT"))
    values = remote(editor, person_id)
    assert values["name"] == "Ana Núñez-Roy"
    assert (values["street"], values["city"], values["postal_code"], values["country"]) == (
        "2 rue Neuve",
        "Lyon",
        "69001",
        "FR",
    )
    assert (values["email"], values["phone"], values["mobile"], values["website"]) == (
        "ana.roy@acme.test",
        "+33 4 11 22 33 44",
        "+33 6 55 44 33 22",
        "https://ana.example",
    )

    editor.write(
        "party.party",
        [
            (
                person_id,
                {
                    "email": "ana@new.test",
                    "phone": "+33 1 00",
                    "website": "https://new.example",
                    "city": "Nantes",
                },
            )
        ],
    )
    job = mapping_run(mapping("CONTACT"))
    assert job.modified == 1, list(job.errors.values_list("message", flat=True))
    person.refresh_from_db()
    assert (person.email, person.phone, person.home_page, person.city) == (
        "ana@new.test",
        "+33 1 00",
        "https://new.example",
        "Nantes",
    )


def test_x2_sync_only_coupled_skips_and_otherwise_creates(editor):
    """X-2: with sync-only-coupled on, a scheduled run skips uncoupled rows; off, it creates
    and couples their counterparts."""
    company = customer(name="Skipped Ltd")
    account = mapping("ACCOUNT")
    assert account.sync_only_coupled
    job = mapping_run(account)
    assert job.skipped >= 1 and job.inserted == 0
    assert not SyncCoupling.objects.filter(local_id=company.pk).exists()
    assert not editor.search(
        "party.party", [("name", "Skipped Ltd", True)], remote_filter="", limit=5
    )
    account.sync_only_coupled = False
    account.save()
    job = mapping_run(account)
    assert job.inserted == 1
    assert remote(editor, remote_id("ACCOUNT", company))["name"] == "Skipped Ltd"


def _coupled_person(editor):
    company = customer(name="Both Sides SA")
    person = PersonFactory(name="Bo Both", company=company, email="bo@both.test")
    sync_all(full=True)
    return person, remote_id("CONTACT", person)


def test_x3_two_sided_change_without_strategy_is_a_conflict(editor):
    """X-3: a bidirectional field edited on both sides, no strategy: conflict error, both
    sides keep their values."""
    person, party_id = _coupled_person(editor)
    later(person)
    contact_update(
        contact=Contact.objects.get(pk=person.pk), user=None, data={"email": "local@both.test"}
    )
    editor.write("party.party", [(party_id, {"email": "remote@both.test"})])
    job = mapping_run(mapping("CONTACT"))
    assert job.failed >= 1
    assert job.errors.filter(message="conflict: both sides changed").exists()
    person.refresh_from_db()
    assert person.email == "local@both.test"
    assert remote(editor, party_id)["email"] == "remote@both.test"
    assert SyncCoupling.objects.get(local_id=person.pk, mapping__name="CONTACT").failed


def test_x10_local_wins_sends_the_local_value(editor):
    """X-10: with local_wins, a two-sided change sends the local value."""
    person, party_id = _coupled_person(editor)
    contact_mapping = mapping("CONTACT")
    contact_mapping.update_conflict = UpdateConflict.LOCAL_WINS
    contact_mapping.save()
    later(person)
    contact_update(
        contact=Contact.objects.get(pk=person.pk), user=None, data={"email": "local@both.test"}
    )
    editor.write("party.party", [(party_id, {"email": "remote@both.test"})])
    job = mapping_run(contact_mapping)
    assert job.failed == 0, list(job.errors.values_list("message", flat=True))
    assert remote(editor, party_id)["email"] == "local@both.test"
    person.refresh_from_db()
    assert person.email == "local@both.test"


def test_x4_remote_deletion_restore_and_remove_coupling(editor):
    """X-4: a coupled record deleted remotely is recreated with "restore" and only uncoupled
    with "remove coupling"."""
    first = customer(name="Restore Me")
    second = customer(name="Uncouple Me")
    sync_all(full=True)
    account = mapping("ACCOUNT")
    account.deletion_conflict = DeletionConflict.RESTORE
    account.save()
    old_id = remote_id("ACCOUNT", first)
    editor.delete("party.party", [old_id])
    mapping_run(account)
    new_id = remote_id("ACCOUNT", first)
    assert new_id != old_id
    assert remote(editor, new_id)["name"] == "Restore Me"

    account.deletion_conflict = DeletionConflict.REMOVE_COUPLING
    account.save()
    editor.delete("party.party", [remote_id("ACCOUNT", second)])
    job = mapping_run(account)
    assert job.uncoupled == 1
    assert not SyncCoupling.objects.filter(mapping=account, local_id=second.pk).exists()
    assert Contact.objects.filter(pk=second.pk).exists()
    assert not editor.search(
        "party.party", [("name", "Uncouple Me", True)], remote_filter="", limit=5
    )


def test_x8_integration_user_changes_are_not_pulled_and_pulls_are_not_pushed_back(editor):
    """X-8: a remote change by the integration user is not pulled; a pulled change is not
    pushed back on the next run."""
    person, party_id = _coupled_person(editor)
    integration = TrytonAdapter(
        url=editor.endpoint.rsplit(f"/{DATABASE}", 1)[0],
        database=DATABASE,
        username="admin",
        password="admin",
        timeout=10,
    )
    integration.write("party.party", [(party_id, {"phone": "+1 555 0100"})])
    job = mapping_run(mapping("CONTACT"))
    person.refresh_from_db()
    assert person.phone != "+1 555 0100"
    editor.write("party.party", [(party_id, {"phone": "+1 555 0199"})])
    job = mapping_run(mapping("CONTACT"))
    person.refresh_from_db()
    assert person.phone == "+1 555 0199"
    before = editor.read("party.party", [party_id], ["phone"])[0].modified
    job = mapping_run(mapping("CONTACT"))
    assert job.modified == 0
    assert editor.read("party.party", [party_id], ["phone"])[0].modified == before


def test_x9_parent_not_coupled_and_sync_all_runs_account_first(editor):
    """X-9: a CONTACT row whose company is not coupled fails with "parent not coupled";
    "sync all" runs ACCOUNT before CONTACT."""
    company = customer(name="Parent Co")
    person = PersonFactory(name="Child Person", company=company)
    job = mapping_run(mapping("CONTACT"), full=True)
    assert job.errors.filter(message=PARENT_NOT_COUPLED).exists()
    assert not SyncCoupling.objects.filter(local_id=person.pk, mapping__name="CONTACT").exists()
    jobs = sync_all(full=True)
    names = [j.mapping.name for j in jobs]
    assert names.index("ACCOUNT") < names.index("CONTACT")
    assert remote(editor, remote_id("CONTACT", person))["parent"] == remote_id("ACCOUNT", company)


def test_x11_full_sync_couples_every_row_then_asks_whether_to_keep_creating(editor):
    """X-11: a full synchronisation couples every uncoupled row; the answer to "keep creating
    records?" sets sync-only-coupled."""
    companies = [customer(name=f"Full {i}") for i in range(3)]
    editor.create("party.party", [{"name": "Remote Only", "category": "Company"}])
    jobs = sync_all(full=True)
    assert not [e.message for j in jobs for e in j.errors.all()]
    for company in companies:
        assert remote(editor, remote_id("ACCOUNT", company))["name"] == company.name
    pulled = Contact.objects.get(name="Remote Only")
    assert SyncCoupling.objects.filter(mapping__name="ACCOUNT", local_id=pulled.pk).exists()
    full_sync_finish(keep_creating=True)
    assert not mapping("ACCOUNT").sync_only_coupled
    full_sync_finish(keep_creating=False)
    assert mapping("ACCOUNT").sync_only_coupled


def test_x6_inactivity_puts_a_mapping_on_hold_and_a_local_change_wakes_it(editor):
    """X-6: no changes for the inactivity time-out → on hold; a local change reactivates."""
    company = customer(name="Quiet SA")
    account = mapping("ACCOUNT")
    account.inactivity_timeout_min = 1
    account.save()
    mapping_run(account, full=True)
    SyncTableMapping.objects.filter(pk=account.pk).update(
        last_change_at=timezone.now() - dt.timedelta(minutes=2)
    )
    account.refresh_from_db()
    mapping_run(account)
    account.refresh_from_db()
    assert account.schedule_status == ScheduleStatus.ON_HOLD_INACTIVE
    contact_update(contact=Contact.objects.get(pk=company.pk), user=None, data={"city": "Metz"})
    account.refresh_from_db()
    assert account.schedule_status == ScheduleStatus.ACTIVE


def test_x7_match_based_coupling(editor):
    """X-7: one match couples, several give "multiple matches", none with "create new"
    creates and couples."""
    single = customer(name="Single Match")
    double = customer(name="Double Match")
    lonely = customer(name="No Match")
    editor.create(
        "party.party",
        [
            {"name": "Single Match", "category": "Company"},
            {"name": "Double Match", "category": "Company"},
            {"name": "Double Match", "category": "Company"},
        ],
    )
    account = mapping("ACCOUNT")
    by_name = account.fields.get(local_field="name")
    job = couple_match(mapping=account, local_ids=[single.pk, double.pk], match_fields=[by_name.pk])
    assert job.coupled == 1
    assert remote(editor, remote_id("ACCOUNT", single))["name"] == "Single Match"
    assert job.errors.filter(message="multiple matches").exists()
    job = couple_match(
        mapping=account, local_ids=[lonely.pk], match_fields=[by_name.pk], create_new=True
    )
    assert job.coupled == 1 and job.inserted == 1
    assert remote(editor, remote_id("ACCOUNT", lonely))["name"] == "No Match"


def test_x5_opportunity_pushes_open_ones_and_value_and_date_only_to_remote(editor):
    """X-5: OPPORTUNITY pushes only not-started/in-progress opportunities; estimated value and
    close date go local → remote only."""
    from opportunities.models import OpportunityStatus
    from opportunities.services import opportunity_create
    from tests.factories.opportunities import cycle_with_stages
    from tests.factories.setup import SalespersonFactory

    cycle = cycle_with_stages(2)
    company = customer(name="Deal Maker SA")
    salesperson = SalespersonFactory()
    open_one = opportunity_create(
        description="Open deal",
        contact=company,
        salesperson=salesperson,
        sales_cycle=cycle,
        activate_first_stage=True,
        estimated_value=Decimal("1200.50"),
        estimated_close_date=dt.date(2027, 3, 31),
    )
    won = opportunity_create(
        description="Won deal", contact=company, salesperson=salesperson, sales_cycle=cycle
    )
    won.status = OpportunityStatus.WON
    won.is_closed = True
    won.date_closed = timezone.localdate()
    won.save()
    jobs = sync_all(full=True)
    assert not [(e.message, e.detail[:300]) for j in jobs for e in j.errors.all()]
    assert not SyncCoupling.objects.filter(mapping__name="OPPORTUNITY", local_id=won.pk).exists()
    opp_id = SyncCoupling.objects.get(mapping__name="OPPORTUNITY", local_id=open_one.pk).remote_id
    (row,) = editor.read(
        "sale.opportunity", [opp_id], ["description", "amount", "end_date", "party"]
    )
    assert row.values["description"] == "Open deal"
    assert row.values["amount"] == Decimal("1200.50")
    assert row.values["end_date"] == dt.date(2027, 3, 31)
    assert row.values["party"] == remote_id("ACCOUNT", company)
    editor.write(
        "sale.opportunity",
        [(opp_id, {"amount": Decimal("9.99"), "description": "Renamed in Tryton"})],
    )
    mapping_run(mapping("OPPORTUNITY"))
    open_one.refresh_from_db()
    assert open_one.description == "Renamed in Tryton"
    active = open_one.entries.get(is_active=True)
    assert active.estimated_value == Decimal("1200.50")


def test_errors_are_kept_per_row_and_the_run_goes_on(editor):
    """A remote value that does not fit a local field fails that row with a clear message
    on the errors page and never stops the run."""
    customer(name="Fine Co")
    editor.create(
        "party.party",
        [{"name": "N" * 150, "category": "Company"}, {"name": "Short Co", "category": "Company"}],
    )
    job = mapping_run(mapping("ACCOUNT"), full=True)
    assert job.status == "succeeded"
    assert Contact.objects.filter(name="Short Co").exists()
    error = SyncJobError.objects.get(job=job)
    assert "too long" in error.message


def test_syn12_event_sync_pushes_a_saved_coupled_record_after_commit(
    editor, django_capture_on_commit_callbacks
):
    """SYN-12: with event sync, saving a coupled record queues a one-record push after
    COMMIT; without it, nothing travels until the next run."""
    person, party_id = _coupled_person(editor)
    contact_mapping = mapping("CONTACT")
    contact_mapping.is_event_sync = True
    contact_mapping.save()
    later(person)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact_update(
            contact=Contact.objects.get(pk=person.pk), user=None, data={"email": "event@both.test"}
        )
    assert callbacks
    assert remote(editor, party_id)["email"] == "event@both.test"
    contact_mapping.is_event_sync = False
    contact_mapping.save()
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(
            contact=Contact.objects.get(pk=person.pk), user=None, data={"email": "quiet@both.test"}
        )
    assert remote(editor, party_id)["email"] == "event@both.test"


def test_syn11_beat_runs_due_active_mappings_only(editor):
    """SYN-11: the beat task runs each enabled, active mapping whose interval has passed."""
    from sync.models import SyncJob
    from sync.tasks import sync_scheduled

    customer(name="Scheduled SA")
    SyncTableMapping.objects.update(last_run_at=timezone.now())
    SyncTableMapping.objects.filter(name="ACCOUNT").update(
        last_run_at=timezone.now() - dt.timedelta(minutes=31), sync_only_coupled=False
    )
    SyncTableMapping.objects.filter(name="CONTACT").update(
        last_run_at=None, schedule_status=ScheduleStatus.ON_HOLD_INACTIVE
    )
    due = sync_scheduled()
    assert due == [mapping("ACCOUNT").pk]
    assert SyncJob.objects.get(mapping__name="ACCOUNT").status == "succeeded"
    assert editor.search("party.party", [("name", "Scheduled SA", True)], remote_filter="", limit=5)


def test_records_page_status_filter_and_record_actions(editor, client, admin_user_):
    """SYN-13/14 through the pages: coupling status filter (coupled / failed / not coupled),
    create in the external CRM, remove coupling, set up a coupling picked from a remote
    search, create a local record from a remote one."""
    from django.urls import reverse

    coupled = customer(name="Page Coupled")
    mapping_run(mapping("ACCOUNT"), full=True)
    lonely = customer(name="Page Lonely")
    account = mapping("ACCOUNT")
    url = reverse("sync:records", args=[account.pk])
    client.force_login(admin_user_)
    page = client.get(url, {"status": "coupled"}).content.decode()
    assert "Page Coupled" in page and "Page Lonely" not in page
    page = client.get(url, {"status": "not_coupled"}).content.decode()
    assert "Page Lonely" in page and "Page Coupled" not in page

    client.post(url, {"action": "create", "record": [lonely.pk]})
    assert remote(editor, remote_id("ACCOUNT", lonely))["name"] == "Page Lonely"
    client.post(url, {"action": "remove", "record": [lonely.pk]})
    assert not SyncCoupling.objects.filter(mapping=account, local_id=lonely.pk).exists()

    pick = reverse("sync:remote-pick", args=[account.pk])
    page = client.get(pick, {"record": lonely.pk, "q": "page lonely"}).content.decode()
    (found,) = editor.search(
        "party.party", [("name", "Page Lonely", True)], remote_filter="", limit=5
    )
    assert f'value="{found.id}"' in page
    # a fragment finds it too: the setup page's picker is the cards' (first 20 containing it)
    page = client.get(pick, {"record": lonely.pk, "q": "lonely"}).content.decode()
    assert f'value="{found.id}"' in page
    client.post(pick, {"record": lonely.pk, "remote_id": found.id})
    assert remote_id("ACCOUNT", lonely) == found.id

    (new_id,) = editor.create("party.party", [{"name": "Made In Tryton", "category": "Company"}])
    client.post(pick, {"remote_id": new_id})
    made = Contact.objects.get(name="Made In Tryton")
    assert remote_id("ACCOUNT", made) == new_id
    assert coupled.pk != made.pk


def test_a_run_closes_the_job_that_a_killed_worker_left_running(enabled):
    """SYN-16 (a run that dies half-way): the next run of the mapping holds its lock, so any
    other "running" job of that mapping died with its worker; it is closed as failed with a
    message in the reader's language, never left running in the log."""
    from django.utils import translation

    # given: a run whose worker was killed (its job stays "running", its lock went with it)
    account = mapping("ACCOUNT")
    dead = SyncJob.objects.create(
        mapping=account, kind="synchronization", direction=account.direction, status="running"
    )
    # when: the next run of the mapping
    job = mapping_run(account)
    # then
    dead.refresh_from_db()
    assert job.status == "succeeded"
    assert dead.status == "failed" and dead.finished_at is not None
    with translation.override("fr"):
        assert dead.message_text.startswith("interrompue : le worker s'est arrêté")
    with translation.override("en"):
        assert dead.message_text.startswith("interrupted: the worker stopped")


def test_paging_reads_each_listed_record_once_and_leaves_later_changes_to_the_next_run(editor):
    """SYN-2: a run lists what matches once, then reads it page by page. A record edited in
    Tryton after the listing is not read in this run (it could not be placed in its order);
    its new write date is past every row this run read, so the next run, reading from the
    watermark, gets it. Nothing is read twice, nothing is lost."""
    ids = editor.create(
        "party.party", [{"name": f"Paged {i}", "category": "Company"} for i in range(7)]
    )
    remote_filter = '[["name", "like", "Paged %"]]'
    seen: list = []
    last = None
    while True:
        page = editor.modified_since(
            "party.party", None, remote_filter=remote_filter, fields=["name"], after=last, limit=3
        )
        if not seen:  # someone edits a record already read and one not yet read
            editor.write("party.party", [(ids[0], {"name": "Paged 0 (edited)"})])
            editor.write("party.party", [(ids[5], {"name": "Paged 5 (edited)"})])
        seen += page
        if len(page) < 3:
            break
        last = page[-1]
    assert [row.id for row in seen] == [i for i in ids if i != ids[5]]
    watermark = max(row.modified for row in seen) + WATERMARK_STEP  # as a run leaves it
    later_run = editor.modified_since(
        "party.party", watermark, remote_filter=remote_filter, fields=["name"], after=None, limit=10
    )
    assert {row.id: row.values["name"] for row in later_run} == {
        ids[0]: "Paged 0 (edited)",
        ids[5]: "Paged 5 (edited)",
    }


def test_a_pull_over_several_pages_creates_each_remote_company_once(editor):
    """SYN-2: a run reading more records than a page goes on from the last row of each page."""
    from sync.models import ExternalCrmConnection

    ExternalCrmConnection.objects.update(page_size=2)
    names = [f"Pulled page {i}" for i in range(5)]
    editor.create("party.party", [{"name": name, "category": "Company"} for name in names])
    account = mapping("ACCOUNT")
    account.sync_only_coupled = False
    account.save()
    mapping_run(account)
    for name in names:
        company = Contact.objects.get(name=name)
        assert SyncCoupling.objects.filter(mapping=account, local_id=company.pk).count() == 1


def test_syn14_synchronise_now_runs_in_the_job_that_the_card_follows(
    editor, django_capture_on_commit_callbacks
):
    """SYN-14: "Synchronise now" runs in the job it queued (the one the card's panel polls),
    which ends succeeded once Tryton holds the value; no second job is made."""
    person, party_id = _coupled_person(editor)
    later(person)
    Contact.objects.filter(pk=person.pk).update(email="now@both.test")
    before = SyncJob.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = records_sync(mapping=mapping("CONTACT"), local_ids=[person.pk], winner="local")
    job.refresh_from_db()
    assert job.status == "succeeded" and job.modified == 1
    assert SyncJob.objects.count() == before + 1
    assert remote(editor, party_id)["email"] == "now@both.test"
