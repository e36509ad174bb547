"""CON-24 / SPEC 3.7: the person ripple runs inline for small companies and as a job on commit
for big ones, with the same UPDATE and the captured previous values."""

import pytest

from contacts.models import Contact
from contacts.services import contact_create, contact_person_ripple, contact_update
from contacts.tasks import contact_person_ripple_task


def _company(**data):
    return contact_create(user=None, data={"name": "Acme Ltd", **data})


def _person(**data):
    return contact_create(user=None, data={"type": "person", "name": "John Smith", **data})


def _phones(persons):
    return sorted(
        Contact.objects.filter(pk__in=[p.pk for p in persons]).values_list("phone", flat=True)
    )


def test_c17_small_company_ripples_inside_the_save(mksetup, django_capture_on_commit_callbacks):
    """C-17: up to the threshold the ripple runs inline; no task is queued."""
    company = _company(phone="111")
    persons = [_person(company=company) for _ in range(2)]
    with django_capture_on_commit_callbacks() as callbacks:
        contact_update(contact=company, user=None, data={"phone": "222"})
    assert _phones(persons) == ["222", "222"]  # before any commit callback ran
    assert callbacks == []


def test_c17_big_company_ripples_in_a_job_on_commit(
    mksetup, monkeypatch, django_capture_on_commit_callbacks
):
    """C-17: above the threshold the ripple is a task started on commit (eager here)."""
    monkeypatch.setattr("contacts.services.company.RIPPLE_INLINE_MAX_PERSONS", 2)
    company = _company(phone="111", name="Big Co")
    followers = [_person(company=company) for _ in range(3)]
    own = _person(company=company, phone="999")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        contact_update(contact=company, user=None, data={"phone": "222", "name": "Bigger Co"})
    # nothing moved inside the save: the job waits for the commit
    assert _phones(followers) == ["111", "111", "111"]
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (eager)
    assert _phones(followers) == ["222", "222", "222"]
    own.refresh_from_db()
    assert own.phone == "999"
    assert set(
        Contact.objects.filter(company=company, type="person").values_list(
            "company_name", flat=True
        )
    ) == {"Bigger Co"}


def test_c17_ripple_job_is_idempotent(mksetup, monkeypatch):
    """C-17: running the job twice with the same old/new values changes nothing further."""
    company = _company(phone="111", city="Paris", address="1 Main St")
    persons = [_person(company=company) for _ in range(2)]
    Contact.objects.filter(pk=company.pk).update(
        phone="222", name="Acme Group", address="2 High St"
    )
    changes = {
        "fields": {"phone": ["111", "222"]},
        "address": [
            ["1 Main St", "", persons[0].post_code, "Paris", persons[0].county],
            ["2 High St", "", persons[0].post_code, "Paris", persons[0].county],
        ],
        "name": ["Acme Ltd", "Acme Group"],
    }
    contact_person_ripple_task(company.pk, changes)
    assert _phones(persons) == ["222", "222"]
    assert contact_person_ripple(company_id=company.pk, changes=changes) == 0
    rows = Contact.objects.filter(pk__in=[p.pk for p in persons])
    assert {(p.address, p.company_name) for p in rows} == {("2 High St", "Acme Group")}


@pytest.mark.parametrize("persons", [1, 3])
def test_c17_threshold_counts_persons_only(mksetup, monkeypatch, persons):
    """The threshold is a module constant: 2 persons stay inline, 3 go to the job."""
    monkeypatch.setattr("contacts.services.company.RIPPLE_INLINE_MAX_PERSONS", 2)
    queued = []
    monkeypatch.setattr(
        contact_person_ripple_task, "delay_on_commit", lambda *args: queued.append(args)
    )
    company = _company(fax="1")
    for _ in range(persons):
        _person(company=company)
    contact_update(contact=company, user=None, data={"fax": "2"})
    assert bool(queued) is (persons > 2)
