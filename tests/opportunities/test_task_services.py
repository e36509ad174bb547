import datetime as dt
from email import message_from_bytes

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from opportunities import task_services as ts
from opportunities.models import Attendance, Task, TaskStatus, TaskType
from opportunities.selectors import contact_next_task_date, my_tasks
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    number_series_setup,
    team_with_members,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def _invitation_template(db):
    """TSK-18: invitations need an interaction template (here the meeting_invitation slot)."""
    from interactions.models import InteractionTemplateSetup
    from tests.factories.interactions import InteractionTemplateFactory

    setup = InteractionTemplateSetup.load()
    setup.meeting_invitation = InteractionTemplateFactory()
    setup.save()


def _meeting(**kwargs):
    return ts.task_create(
        description="Kick-off",
        type="meeting",
        date=dt.date(2030, 5, 6),
        start_time=dt.time(10, 0),
        duration_min=90,
        location="Room 1",
        salesperson=kwargs.pop("salesperson", None) or SalespersonFactory(),
        **kwargs,
    )


def _ics(message) -> str:
    raw = message.message().as_bytes()
    for part in message_from_bytes(raw).walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no calendar part")


def test_t1_task_needs_salesperson_or_team():
    """T-1: a task with neither salesperson nor team is refused."""
    with pytest.raises(ValidationError, match="needs a salesperson or a team"):
        ts.task_create(description="Call", date=TODAY)
    assert not Task.objects.exists()
    blocked = SalespersonFactory(is_blocked=True)
    with pytest.raises(ValidationError, match="is blocked"):
        ts.task_create(description="Call", date=TODAY, salesperson=blocked)


def test_t2_meeting_has_one_organizer():
    """T-2: a meeting gets exactly one organizer attendee, the salesperson."""
    meeting = _meeting()
    organizers = meeting.attendees.filter(attendance=Attendance.ORGANIZER)
    assert [a.salesperson for a in organizers] == [meeting.salesperson]
    assert meeting.ending_time == dt.time(11, 30)
    assert meeting.ical_uid.endswith("@crm")


def test_t3_type_changes():
    """T-3: blank ↔ phone call allowed; to or from meeting refused."""
    task = ts.task_create(description="Call", date=TODAY, salesperson=SalespersonFactory())
    ts.task_update(task=task, data={"type": "phone_call"})
    task.refresh_from_db()
    assert task.type == TaskType.PHONE_CALL  # stored, not silently ignored
    ts.task_update(task=task, data={"type": ""})
    task.refresh_from_db()
    assert task.type == ""
    with pytest.raises(ValidationError, match="meeting cannot be turned"):
        ts.task_update(task=task, data={"type": "meeting"})
    task.refresh_from_db()
    assert task.type == ""
    meeting = _meeting()
    with pytest.raises(ValidationError, match="meeting cannot be turned"):
        ts.task_update(task=meeting, data={"type": ""})
    meeting.refresh_from_db()
    assert meeting.type == TaskType.MEETING


def test_t4_status_close_reopen_cancel_and_delete_canceled():
    """T-4: completed closes today; re-open → in_progress; cancel closes; bulk delete."""
    task = ts.task_create(description="Call", date=TODAY, salesperson=SalespersonFactory())
    task = ts.task_set_status(task=task, status=TaskStatus.COMPLETED)
    assert task.is_closed and task.date_closed == TODAY
    task = ts.task_set_status(task=task, status=TaskStatus.WAITING)
    assert not task.is_closed and task.status == TaskStatus.WAITING
    task = ts.task_close(task=task)
    task = ts.task_reopen(task=task)
    assert task.status == TaskStatus.IN_PROGRESS and task.date_closed is None
    canceled = ts.task_cancel(task=task)
    assert canceled.is_closed and canceled.is_canceled
    keep = ts.task_create(description="Keep", date=TODAY, salesperson=SalespersonFactory())
    ts.task_close(task=keep)
    assert ts.task_delete_canceled() == 1
    assert list(Task.objects.values_list("pk", flat=True)) == [keep.pk]


def test_t5_team_task_close_needs_completed_by():
    """T-5: closing a team task without "completed by" fails."""
    a, b = SalespersonFactory(), SalespersonFactory()
    task = ts.task_create(description="Team", date=TODAY, team=team_with_members(a, b))
    with pytest.raises(ValidationError, match="Completed by"):
        ts.task_close(task=task)
    task = ts.task_close(task=task, completed_by=a)
    assert all(c.is_closed and c.completed_by == a for c in task.member_copies.all())


def test_t6_recurring_tasks():
    """T-6: +1W from due date 2024-01-10 → 2024-01-17; from closing date → today + 7."""
    sp = SalespersonFactory()
    due = ts.task_create(
        description="Weekly",
        date=dt.date(2024, 1, 10),
        salesperson=sp,
        is_recurring=True,
        recurring_interval="+1W",
        recurring_from="due_date",
    )
    ts.task_close(task=due)
    nxt = Task.objects.get(is_closed=False, description="Weekly")
    assert nxt.date == dt.date(2024, 1, 17) and nxt.status == TaskStatus.NOT_STARTED
    closing = ts.task_create(
        description="Other",
        date=dt.date(2024, 1, 10),
        salesperson=sp,
        is_recurring=True,
        recurring_interval="+1W",
        recurring_from="closing_date",
    )
    ts.task_close(task=closing)
    assert Task.objects.get(is_closed=False, description="Other").date == TODAY + dt.timedelta(7)
    with pytest.raises(ValidationError, match="interval"):
        ts.task_create(description="Bad", date=TODAY, salesperson=sp, is_recurring=True)


def test_t7_team_task_member_copies():
    """T-7: a task for team T with members A and B yields the team task plus copies."""
    a, b = SalespersonFactory(), SalespersonFactory()
    task = ts.task_create(description="Team", date=TODAY, team=team_with_members(a, b))
    copies = task.member_copies.all()
    assert {c.salesperson for c in copies} == {a, b}
    assert all(not c.is_closed for c in copies)
    assert task.salesperson is None


def test_t9_activity_assign_dates_steps():
    """T-9: steps "call +0D", "letter +1W" from 2024-03-01 → 2024-03-01 and 2024-03-08."""
    activity = ActivityFactory()
    ActivityStepFactory(
        activity=activity,
        step_no=1,
        type="phone_call",
        description="call",
        priority="high",
        date_formula="+0D",
    )
    ActivityStepFactory(
        activity=activity,
        step_no=2,
        type="",
        description="letter",
        priority="low",
        date_formula="+1W",
    )
    tasks = ts.activity_assign(
        activity=activity,
        start_date=dt.date(2024, 3, 1),
        salesperson=SalespersonFactory(),
        contact=CompanyFactory(),
    )
    assert [(t.date, t.type, t.priority, t.description) for t in tasks] == [
        (dt.date(2024, 3, 1), "phone_call", "high", "call"),
        (dt.date(2024, 3, 8), "", "low", "letter"),
    ]


def test_t10_meeting_step_with_team_needs_organizer():
    """T-10: an activity with a meeting step for a team without an organizer fails."""
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity, type="meeting", description="meet")
    team = team_with_members(SalespersonFactory())
    with pytest.raises(ValidationError, match="team meeting organizer"):
        ts.activity_assign(activity=activity, start_date=TODAY, team=team)
    organizer = SalespersonFactory()
    [task] = ts.activity_assign(
        activity=activity, start_date=TODAY, team=team, team_meeting_organizer=organizer
    )
    assert task.salesperson == organizer
    assert task.attendees.count() == 2


def test_t11_contact_next_task_date():
    """T-11: a contact's next task date is its earliest open task (company: its persons)."""
    company = CompanyFactory()
    person = PersonFactory(company=company)
    sp = SalespersonFactory()
    ts.task_create(description="a", date=dt.date(2030, 1, 20), salesperson=sp, contact=person)
    closed = ts.task_create(
        description="b", date=dt.date(2030, 1, 5), salesperson=sp, contact=person
    )
    ts.task_close(task=closed)
    ts.task_create(description="c", date=dt.date(2030, 2, 1), salesperson=sp, contact=company)
    assert contact_next_task_date(contact=person) == dt.date(2030, 1, 20)
    assert contact_next_task_date(contact=company) == dt.date(2030, 1, 20)
    meeting = _meeting(salesperson=sp)
    ts.attendee_add(task=meeting, contact=company)
    assert contact_next_task_date(contact=company) == dt.date(2030, 1, 20)


@pytest.mark.usefixtures("_invitation_template")
def test_t12_send_invitations_ics():
    """T-12: an .ics with METHOD:REQUEST, the UID and one ATTENDEE per attendee; only those
    marked to receive one (or only the not-yet-invited)."""
    meeting = _meeting()
    guest = CompanyFactory(email="guest@example.test")
    ts.attendee_add(task=meeting, contact=guest)
    ts.attendee_add(task=meeting, salesperson=SalespersonFactory(), send_invitation=False)
    sent = ts.meeting_send_invitations(task=meeting, mode="all")
    assert sent == 1 and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["guest@example.test"]
    ics = _ics(mail.outbox[0])
    assert "METHOD:REQUEST" in ics and f"UID:{meeting.ical_uid}" in ics
    assert ics.count("ATTENDEE") == 2 and "SEQUENCE:0" in ics
    assert "DTSTART:" in ics and "LOCATION:Room 1" in ics
    assert meeting.attendees.get(contact=guest).invitation_sent_at is not None
    late = ts.attendee_add(task=meeting, contact=CompanyFactory(email="late@example.test"))
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="confirm"):
        ts.meeting_send_invitations(task=meeting, mode="all")
    assert ts.meeting_send_invitations(task=meeting, mode="not_invited") == 1
    assert mail.outbox[0].to == [late.email]
    nomail = CompanyFactory(email="")
    ts.attendee_add(task=meeting, contact=nomail)
    with pytest.raises(ValidationError, match="has no e-mail"):
        ts.meeting_send_invitations(task=meeting, mode="not_invited")


@pytest.mark.usefixtures("_invitation_template")
def test_t13_moving_invited_meeting_increments_sequence_and_cancel_sends_cancel():
    """T-13: moving an invited meeting increments SEQUENCE, offers updates; cancel → CANCEL."""
    meeting = _meeting()
    ts.attendee_add(task=meeting, contact=CompanyFactory(email="g@example.test"))
    ts.meeting_send_invitations(task=meeting)
    meeting, offer = ts.task_update(task=meeting, data={"date": dt.date(2030, 5, 7)})
    assert offer and meeting.ical_sequence == 1
    mail.outbox.clear()
    ts.meeting_send_invitations(task=meeting, mode="invited")
    assert "SEQUENCE:1" in _ics(mail.outbox[0])
    mail.outbox.clear()
    ts.task_cancel(task=meeting)
    assert len(mail.outbox) == 1
    assert "METHOD:CANCEL" in _ics(mail.outbox[0])


def test_t15_meeting_salesperson_cannot_change():
    """T-15: the salesperson of a meeting cannot be changed."""
    meeting = _meeting()
    with pytest.raises(ValidationError, match="is the meeting organizer"):
        ts.task_update(task=meeting, data={"salesperson": SalespersonFactory()})


def test_t16_team_task_edit_copies_member_copy_edit_stays():
    """T-16: editing a team task's date changes its copies; editing a copy changes only it."""
    a, b = SalespersonFactory(), SalespersonFactory()
    task = ts.task_create(description="Team", date=TODAY, team=team_with_members(a, b))
    new_date = TODAY + dt.timedelta(days=3)
    ts.task_update(task=task, data={"date": new_date})
    assert set(task.member_copies.values_list("date", flat=True)) == {new_date}
    copy = task.member_copies.first()
    ts.task_update(task=copy, data={"date": TODAY})
    task.refresh_from_db()
    assert task.date == new_date
    assert task.member_copies.filter(date=TODAY).count() == 1


def test_tsk10_owner_change_team_to_salesperson_and_back():
    """TSK-10: salesperson → team creates copies; team → salesperson deletes them."""
    a, b = SalespersonFactory(), SalespersonFactory()
    team = team_with_members(a, b)
    task = ts.task_create(description="x", date=TODAY, salesperson=a)
    task, _offer = ts.task_update(task=task, data={"team": team})
    assert task.member_copies.count() == 2
    task, _offer = ts.task_update(task=task, data={"team": None, "salesperson": b})
    assert task.member_copies.count() == 0 and task.salesperson == b


def test_tsk21_meetings_in_attendee_task_lists():
    """TSK-21: a meeting appears in each salesperson attendee's task list."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("att")
    attendee_sp = SalespersonFactory(user=user)
    meeting = _meeting()
    ts.attendee_add(task=meeting, salesperson=attendee_sp)
    assert list(my_tasks(user=user)) == [meeting]


def test_tsk19_privacy_blocked_contact_refused():
    """TSK-19: creating a task for a privacy-blocked contact is refused."""
    blocked = CompanyFactory(is_privacy_blocked=True)
    with pytest.raises(ValidationError, match="blocked due to privacy"):
        ts.task_create(
            description="x", date=TODAY, salesperson=SalespersonFactory(), contact=blocked
        )


def test_tsk31_team_delete_refused_with_open_tasks():
    """TSK-31: a team with open tasks cannot be deleted; otherwise memberships go too."""
    from setup.models import TeamMember

    a = SalespersonFactory()
    team = team_with_members(a)
    task = ts.task_create(description="x", date=TODAY, team=team)
    with pytest.raises(ValidationError, match="open tasks"):
        ts.team_delete(team=team)
    ts.task_close(task=task, completed_by=a)
    ts.team_delete(team=team)
    assert not TeamMember.objects.exists()
