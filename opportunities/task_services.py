"""Writes of tasks, meetings, activities and teams (SPEC 8).

TSK-8/15 (segments) wait for the segments app; TSK-24 logs interactions only when the
interactions area exposes a logging service.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.models import CommentLine, CommentTargetKind, Contact
from crm.concurrency import ensure_not_stale
from crm.services import model_update
from setup.dateformula import apply_date_formula, validate_date_formula
from setup.models import MarketingSetup, Salesperson, Team, TeamMember
from setup.services import number_assign, salesperson_for_user, salesperson_validate_choosable

from .ical import meeting_bounds, meeting_ics
from .models import (
    Activity,
    Attendance,
    Attendee,
    AttendeeKind,
    Opportunity,
    OpportunityEntry,
    Priority,
    RecurringFrom,
    Task,
    TaskInteractionLanguage,
    TaskStatus,
    TaskType,
)
from .services import contact_company_of, contact_validate_not_privacy_blocked

MSG_OWNER = gettext_noop("A task needs a salesperson or a team.")
MSG_TYPE_MEETING = gettext_noop("A meeting cannot be turned into another task type or back.")
MSG_ORGANIZER = gettext_noop("Salesperson %(code)s is the meeting organizer.")
MSG_COMPLETED_BY = gettext_noop("Fill in Completed by.")
MSG_TEAM_ORGANIZER = gettext_noop("A team meeting needs a team meeting organizer.")
MSG_DESCRIPTION = gettext_noop("The description is required.")
MSG_DATE = gettext_noop("The date is required.")
MSG_START_TIME = gettext_noop("A meeting needs a start time and a duration.")
MSG_LOCATION = gettext_noop("The meeting needs a location before invitations are sent.")
MSG_ATTENDEE_EMAIL = gettext_noop("Attendee %(name)s has no e-mail address.")
MSG_RECURRING = gettext_noop("A recurring task needs an interval and a base date.")
MSG_DURATION = gettext_noop("The duration must be between 1 minute and 10 years.")
MSG_TEAM_OPEN_TASKS = gettext_noop("Team %(code)s still has open tasks.")
MSG_RESEND = gettext_noop("Invitations were sent already; confirm to send them again.")
MSG_INVITATION_TEMPLATE = gettext_noop(
    "Set up an interaction template for meeting invitations (on the task or in the "
    "meeting invitation slot of the interaction template setup) before invitations are sent."
)

MAX_DURATION_MIN = 10 * 366 * 24 * 60
# Fields of a team task copied to its member copies (TSK-11): all but owner and identity.
TEAM_COPY_FIELDS = [
    "type",
    "description",
    "date",
    "start_time",
    "duration_min",
    "ending_date",
    "ending_time",
    "is_all_day",
    "status",
    "priority",
    "location",
    "contact",
    "contact_company",
    "opportunity",
    "opportunity_entry",
    "segment_number",
    "is_closed",
    "date_closed",
    "is_canceled",
    "completed_by",
    "is_recurring",
    "recurring_interval",
    "recurring_from",
    "template",
    "language",
    "subject",
    "unit_cost",
    "unit_duration_min",
]
TASK_EDIT_FIELDS = [
    "type",
    "description",
    "date",
    "start_time",
    "duration_min",
    "is_all_day",
    "priority",
    "location",
    "salesperson",
    "team",
    "contact",
    "opportunity",
    "segment_number",
    "status",
    "is_recurring",
    "recurring_interval",
    "recurring_from",
    "template",
    "language",
    "subject",
    "unit_cost",
    "unit_duration_min",
]
MEETING_TIME_FIELDS = {"date", "start_time", "duration_min", "is_all_day", "location"}


def _today() -> dt.date:
    return timezone.localdate()


def _compute_end(task: Task) -> None:
    """TSK-3: end = start + duration; all-day tasks have no times and whole days."""
    if task.is_all_day:
        task.start_time = None
        task.ending_time = None
        days = max(1, (task.duration_min or 0) // (24 * 60)) if task.duration_min else 1
        task.duration_min = days * 24 * 60
        task.ending_date = task.date + dt.timedelta(days=days - 1)
        return
    if task.start_time is None:
        task.ending_date = task.date + dt.timedelta(days=(task.duration_min or 0) // (24 * 60))
        task.ending_time = None
        return
    start = dt.datetime.combine(task.date, task.start_time)
    end = start + dt.timedelta(minutes=task.duration_min or 0)
    task.ending_date, task.ending_time = end.date(), end.time()


def _validate(task: Task) -> None:
    errors: dict[str, str] = {}
    if not (task.description or "").strip():
        errors["description"] = _(MSG_DESCRIPTION)
    if task.date is None:
        errors["date"] = _(MSG_DATE)
    if task.salesperson_id is None and task.team_id is None:
        errors["salesperson"] = _(MSG_OWNER)
    if task.duration_min and not 1 <= task.duration_min <= MAX_DURATION_MIN:
        errors["duration_min"] = _(MSG_DURATION)
    if (
        task.is_meeting
        and not task.is_all_day
        and (task.start_time is None or not task.duration_min)
    ):
        errors["start_time"] = _(MSG_START_TIME)
    if task.is_recurring:
        if not task.recurring_interval or not task.recurring_from:
            errors["recurring_interval"] = _(MSG_RECURRING)
        else:
            try:
                validate_date_formula(task.recurring_interval)
            except ValidationError as exc:
                errors["recurring_interval"] = exc.messages[0]
    if errors:
        raise ValidationError(errors, code="refused")


def _next_line_no(task: Task) -> int:
    last = Attendee.objects.filter(task=task).aggregate(m=Max("line_no"))["m"] or 0
    return last + 10000


def _attendee_for_salesperson(
    task: Task, salesperson: Salesperson, attendance: str, line_no: int
) -> Attendee:
    return Attendee(
        task=task,
        line_no=line_no,
        attendance=attendance,
        kind=AttendeeKind.SALESPERSON,
        salesperson=salesperson,
        name=salesperson.name or salesperson.code,
        email=salesperson.email,
        send_invitation=attendance != Attendance.ORGANIZER,
    )


def _member_copies_create(task: Task) -> None:
    """TSK-10: one open copy per team member (set-based)."""
    members = Salesperson.objects.filter(memberships__team_id=task.team_id).order_by("code")
    copies = []
    for index, member in enumerate(members, start=1):
        copy = Task(
            **{f: getattr(task, f) for f in TEAM_COPY_FIELDS},
            number=f"{task.number}-{index}"[:20],
            salesperson=member,
            team_id=task.team_id,
            team_task=task,
            ical_uid="",
        )
        copies.append(copy)
    Task.objects.bulk_create(copies)


@transaction.atomic
def task_create(
    *,
    description: str,
    date: dt.date | None = None,
    type: str = TaskType.BLANK,
    salesperson: Salesperson | None = None,
    team: Team | None = None,
    team_meeting_organizer: Salesperson | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    start_time: dt.time | None = None,
    duration_min: int = 0,
    is_all_day: bool = False,
    priority: str = Priority.NORMAL,
    status: str = TaskStatus.NOT_STARTED,
    location: str = "",
    is_recurring: bool = False,
    recurring_interval: str = "",
    recurring_from: str = RecurringFrom.BLANK,
    segment_number: str = "",
    attendees: Iterable[dict[str, Any]] = (),
    user=None,
    typed_number: str = "",
    **extra: Any,
) -> Task:
    """TSK-1, 3, 10, 17…20: number, owner, team copies, meeting organizer and attendees."""
    setup = MarketingSetup.load()
    if date is None:
        date = apply_date_formula(setup.default_task_date_formula or "", _today())
    entry = None
    if opportunity is not None:  # TSK-17
        entry = OpportunityEntry.objects.filter(opportunity=opportunity, is_active=True).first()
        contact = contact or opportunity.contact
        if team is None:
            salesperson = salesperson or opportunity.salesperson
        if extra.get("campaign") is None and opportunity.campaign_id:
            extra["campaign"] = opportunity.campaign
    if salesperson is None and team is None:
        salesperson = salesperson_for_user(user)
    if contact is not None:
        contact_validate_not_privacy_blocked(contact)  # TSK-19
    is_meeting = type == TaskType.MEETING
    if is_meeting and team is not None:  # TSK-20
        if team_meeting_organizer is None:
            raise ValidationError(
                {"team_meeting_organizer": _(MSG_TEAM_ORGANIZER)}, code="organizer"
            )
        salesperson = team_meeting_organizer
    elif team is not None:
        salesperson = None
    salesperson_validate_choosable(salesperson)
    task = Task(
        description=(description or "").strip(),
        date=date,
        type=type,
        salesperson=salesperson,
        team=team,
        contact=contact,
        contact_company=contact_company_of(contact),
        opportunity=opportunity,
        opportunity_entry=entry,
        start_time=start_time,
        duration_min=duration_min or 0,
        is_all_day=is_all_day,
        priority=priority,
        status=status,
        location=location,
        is_recurring=is_recurring,
        recurring_interval=recurring_interval,
        recurring_from=recurring_from,
        segment_number=segment_number,
        ical_uid=f"{uuid.uuid4()}@crm" if is_meeting else "",
        **extra,
    )
    _validate(task)
    _compute_end(task)
    issued = number_assign(setup_field="task_series", model=Task, typed_number=typed_number)
    task.number, task.number_series = issued.number, issued.series
    task.full_clean(exclude=["team_task"])
    task.save()
    if is_meeting:
        rows = [_attendee_for_salesperson(task, salesperson, Attendance.ORGANIZER, 10000)]
        if team is not None:
            members = (
                Salesperson.objects.filter(memberships__team=team)
                .exclude(pk=salesperson.pk)
                .order_by("code")
            )
            rows += [
                _attendee_for_salesperson(task, m, Attendance.REQUIRED, 10000 * (i + 2))
                for i, m in enumerate(members)
            ]
        Attendee.objects.bulk_create(rows)
        for spec in attendees:
            attendee_add(task=task, **spec)
    elif team is not None:
        _member_copies_create(task)
    return task


def _changed_fields(task: Task, data: dict[str, Any]) -> set[str]:
    return {f for f in data if f in TASK_EDIT_FIELDS and getattr(task, f) != data[f]}


@transaction.atomic
def task_update(
    *,
    task: Task,
    data: dict[str, Any],
    completed_by: Salesperson | None = None,
    expected_version: str | None = None,
) -> tuple[Task, bool]:
    """Edit a task (TSK-2, 3, 10, 11, 20, 23). Returns the task and whether meeting updates
    should be offered (its invitations were sent and its time or place changed).
    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    ensure_not_stale(instance=task, expected_version=expected_version, fields=list(data), data=data)
    changed = _changed_fields(task, data)
    if "type" in changed and TaskType.MEETING in {task.type, data["type"]}:  # TSK-2
        raise ValidationError({"type": _(MSG_TYPE_MEETING)}, code="meeting_type")
    if task.is_meeting and "salesperson" in changed:  # TSK-20
        raise ValidationError(
            {"salesperson": _(MSG_ORGANIZER) % {"code": task.salesperson.code}},
            code="organizer",
        )
    if "salesperson" in changed:
        salesperson_validate_choosable(data["salesperson"])
    if "contact" in changed and data["contact"] is not None:
        contact_validate_not_privacy_blocked(data["contact"])
    if "status" in changed:
        status = data.pop("status")
        changed.discard("status")
    else:
        status = None
    old_team_id = task.team_id
    for field in changed:
        setattr(task, field, data[field])
    if "contact" in changed:
        task.contact_company = contact_company_of(task.contact)
    if "team" in changed and not task.is_meeting and task.team_id is not None:
        task.salesperson = None
    if "opportunity" in changed and task.opportunity_id:
        task.opportunity_entry = OpportunityEntry.objects.filter(
            opportunity_id=task.opportunity_id, is_active=True
        ).first()
    _validate(task)
    _compute_end(task)
    offer_updates = False
    if (
        task.is_meeting
        and changed & MEETING_TIME_FIELDS
        and task.attendees.filter(invitation_sent_at__isnull=False).exists()
    ):  # TSK-23
        task.ical_sequence += 1
        offer_updates = True
    task.last_modified_at = timezone.now()
    task.full_clean()
    task.save()
    if not task.is_meeting and task.team_task_id is None:  # TSK-10 owner changes
        if old_team_id != task.team_id:
            task.member_copies.all().delete()
            if task.team_id is not None:
                _member_copies_create(task)
        elif task.team_id is not None:  # TSK-11
            _copies_sync(task)
    if status is not None:
        task = task_set_status(task=task, status=status, completed_by=completed_by)
    return task, offer_updates


def _copies_sync(task: Task) -> None:
    task.member_copies.update(
        **{f: getattr(task, f) for f in TEAM_COPY_FIELDS},
        updated_at=timezone.now(),
        last_modified_at=timezone.now(),
    )


def _next_occurrence(task: Task) -> Task | None:
    """TSK-7: closing or canceling a recurring task creates the next one."""
    if not task.is_recurring or task.team_task_id is not None:
        return None
    base = task.date if task.recurring_from == RecurringFrom.DUE_DATE else _today()
    new_date = apply_date_formula(task.recurring_interval, base)
    issued = number_assign(setup_field="task_series", model=Task)
    old_pk = task.pk
    nxt = Task.objects.get(pk=old_pk)
    nxt.pk = None
    nxt.id = None
    nxt._state.adding = True
    nxt.number, nxt.number_series = issued.number, issued.series
    nxt.date = new_date
    nxt.status = TaskStatus.NOT_STARTED
    nxt.is_closed = nxt.is_canceled = False
    nxt.date_closed = None
    nxt.completed_by = None
    nxt.ical_sequence = 0
    if nxt.ical_uid:
        nxt.ical_uid = f"{uuid.uuid4()}@crm"
    _compute_end(nxt)
    nxt.save()
    attendees = list(Attendee.objects.filter(task_id=old_pk))
    for attendee in attendees:
        attendee.pk = None
        attendee.task = nxt
        attendee.invitation_sent_at = None
        attendee.response = "none"
    Attendee.objects.bulk_create(attendees)
    languages = list(TaskInteractionLanguage.objects.filter(task_id=old_pk))
    for row in languages:
        row.pk = None
        row.task = nxt
    TaskInteractionLanguage.objects.bulk_create(languages)
    comments = list(
        CommentLine.objects.filter(target_kind=CommentTargetKind.TASK, target_id=old_pk)
    )
    for comment in comments:
        comment.pk = None
        comment.target_id = nxt.pk
    CommentLine.objects.bulk_create(comments)
    if nxt.team_id is not None and not nxt.is_meeting:
        _member_copies_create(nxt)
    return nxt


@transaction.atomic
def task_set_status(*, task: Task, status: str, completed_by: Salesperson | None = None) -> Task:
    """TSK-4/5: completed closes (today); any other status re-opens a closed task."""
    if status == TaskStatus.COMPLETED:
        return task_close(task=task, completed_by=completed_by)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.is_closed:
        task_reopen(task=task)
        task.refresh_from_db()
    model_update(instance=task, fields=["status"], data={"status": status})
    if task.team_id and task.team_task_id is None:
        _copies_sync(task)
    return task


@transaction.atomic
def task_close(
    *, task: Task, completed_by: Salesperson | None = None, canceled: bool = False
) -> Task:
    """TSK-4/5/7/11: close (or cancel) a task; a team task needs *completed by*."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.is_closed and task.is_canceled == canceled:
        return task
    is_team_task = task.team_id is not None and task.team_task_id is None and not task.is_meeting
    if is_team_task and not canceled and completed_by is None:
        raise ValidationError({"completed_by": _(MSG_COMPLETED_BY)}, code="completed_by")
    invited = (
        canceled
        and task.is_meeting
        and task.attendees.filter(invitation_sent_at__isnull=False).exists()
    )
    task.status = TaskStatus.COMPLETED
    task.is_closed = True
    task.is_canceled = canceled
    task.date_closed = _today()
    task.completed_by = completed_by
    task.last_modified_at = timezone.now()
    task.save()
    if is_team_task:
        _copies_sync(task)
    if invited:  # TSK-23
        meeting_send_invitations(task=task, mode="invited", method="CANCEL", confirm_resend=True)
    _next_occurrence(task)
    return task


def task_cancel(*, task: Task) -> Task:
    return task_close(task=task, canceled=True)


@transaction.atomic
def task_reopen(*, task: Task) -> Task:
    """TSK-4: clear canceled, date closed, completed by; completed → in progress."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    task.is_closed = task.is_canceled = False
    task.date_closed = None
    task.completed_by = None
    if task.status == TaskStatus.COMPLETED:
        task.status = TaskStatus.IN_PROGRESS
    task.last_modified_at = timezone.now()
    task.save()
    if task.team_id and task.team_task_id is None:
        _copies_sync(task)
    return task


def tasks_cancel_open_of_opportunity(*, opportunity: Opportunity) -> int:
    """OPP-17 *cancel old tasks*: every open task of the opportunity (set-based)."""
    return Task.objects.filter(opportunity=opportunity, is_closed=False).update(
        is_closed=True,
        is_canceled=True,
        status=TaskStatus.COMPLETED,
        date_closed=_today(),
        updated_at=timezone.now(),
        last_modified_at=timezone.now(),
    )


def _tasks_delete(queryset: QuerySet[Task]) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    copy_ids = list(Task.objects.filter(team_task_id__in=ids).values_list("pk", flat=True))
    CommentLine.objects.filter(
        target_kind=CommentTargetKind.TASK, target_id__in=ids + copy_ids
    ).delete()
    Task.objects.filter(pk__in=ids + copy_ids).delete()
    return len(ids)


@transaction.atomic
def task_delete(*, task: Task) -> None:
    """TSK-16: with its member copies, attendees, comments and language rows."""
    _tasks_delete(Task.objects.filter(pk=task.pk))


@transaction.atomic
def task_delete_canceled(
    *,
    salesperson: Salesperson | None = None,
    team: Team | None = None,
    date_to: dt.date | None = None,
) -> int:
    """TSK-16 *Delete canceled tasks*: canceled tasks that are not member copies."""
    queryset = Task.objects.filter(is_canceled=True, team_task__isnull=True)
    if salesperson is not None:
        queryset = queryset.filter(salesperson=salesperson)
    if team is not None:
        queryset = queryset.filter(team=team)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    return _tasks_delete(queryset)


# --------------------------------------------------------------------------------------------
# Meetings (TSK-20…24)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def attendee_add(
    *,
    task: Task,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    attendance: str = Attendance.REQUIRED,
    send_invitation: bool = True,
) -> Attendee:
    if attendance == Attendance.ORGANIZER:
        raise ValidationError(
            {"attendance": _(MSG_ORGANIZER) % {"code": task.salesperson.code}}, code="organizer"
        )
    if contact is not None:
        attendee = Attendee(
            task=task,
            kind=AttendeeKind.CONTACT,
            contact=contact,
            name=contact.name,
            email=contact.email,
        )
    elif salesperson is not None:
        attendee = Attendee(
            task=task,
            kind=AttendeeKind.SALESPERSON,
            salesperson=salesperson,
            name=salesperson.name or salesperson.code,
            email=salesperson.email,
        )
    else:
        raise ValidationError(_("Choose a contact or a salesperson."), code="required")
    attendee.line_no = _next_line_no(task)
    attendee.attendance = attendance
    attendee.send_invitation = send_invitation
    attendee.full_clean()
    attendee.save()
    return attendee


@transaction.atomic
def attendee_set_response(*, attendee: Attendee, response: str) -> Attendee:
    """TSK-24: responses are recorded by hand."""
    model_update(instance=attendee, fields=["response"], data={"response": response})
    return attendee


@transaction.atomic
def attendee_remove(*, attendee: Attendee) -> None:
    if attendee.attendance == Attendance.ORGANIZER:
        raise ValidationError(
            _(MSG_ORGANIZER) % {"code": attendee.task.salesperson.code}, code="organizer"
        )
    attendee.delete()


def _invitation_body(task: Task, attendee: Attendee) -> str:
    language_id = attendee.contact.language_id if attendee.contact_id else None
    row = task.languages.filter(language_id=language_id).first() if language_id else None
    if row is not None and row.email_body:
        return row.email_body
    if task.is_all_day:
        when = task.date.isoformat()
    else:
        start, _end = meeting_bounds(task)
        when = timezone.localtime(start).strftime("%Y-%m-%d %H:%M")
    return _("You are invited to %(what)s on %(when)s at %(where)s.") % {
        "what": task.description,
        "when": when,
        "where": task.location or "-",
    }


def _log_invitation(task: Task, attendee: Attendee) -> None:
    """TSK-24 when the interactions area offers a logging service."""
    try:
        from interactions import services as interaction_services
    except ImportError:
        return
    log = getattr(interaction_services, "interaction_log_for_task_invitation", None)
    if log is not None:
        log(task=task, contact=attendee.contact)


def _invitations_validate(task: Task) -> None:
    """TSK-18: invitations need an interaction template (the task's, else the
    ``meeting_invitation`` slot, TSK-24), a description, a start time (unless all-day) and a
    location. Every missing one is named at once."""
    from interactions.models import InteractionTemplateSetup

    errors: dict[str, str] = {}
    if task.template_id is None and InteractionTemplateSetup.load().meeting_invitation_id is None:
        errors["template"] = _(MSG_INVITATION_TEMPLATE)
    if not (task.description or "").strip():
        errors["description"] = _(MSG_DESCRIPTION)
    if not task.is_all_day and task.start_time is None:
        errors["start_time"] = _(MSG_START_TIME)
    if not (task.location or "").strip():
        errors["location"] = _(MSG_LOCATION)
    if errors:
        raise ValidationError(errors, code="invitation_refused")


@transaction.atomic
def meeting_send_invitations(
    *, task: Task, mode: str = "all", method: str = "REQUEST", confirm_resend: bool = False
) -> int:
    """TSK-22/23: one e-mail with an .ics per attendee.

    ``mode``: ``all`` (attendees marked *send invitation*), ``not_invited`` (those not invited
    yet), ``invited`` (those already invited: updates and cancellations) or ``none``.
    """
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("salesperson").get(pk=task.pk)
    )
    if mode == "none":
        return 0
    attendees = list(task.attendees.select_related("contact").order_by("line_no"))
    if method == "REQUEST":
        _invitations_validate(task)
        missing = [
            a
            for a in attendees
            if a.send_invitation and not a.email and a.attendance != Attendance.ORGANIZER
        ]
        if missing:
            raise ValidationError(
                _(MSG_ATTENDEE_EMAIL) % {"name": missing[0].name}, code="attendee_email"
            )
    recipients = [a for a in attendees if a.attendance != Attendance.ORGANIZER and a.email]
    if mode == "all":
        recipients = [a for a in recipients if a.send_invitation]
        if not confirm_resend and any(a.invitation_sent_at for a in recipients):
            raise ValidationError(_(MSG_RESEND), code="confirm_resend")
    elif mode == "not_invited":
        recipients = [a for a in recipients if a.send_invitation and not a.invitation_sent_at]
    elif mode == "invited":
        recipients = [a for a in recipients if a.invitation_sent_at]
    organizer_email = task.salesperson.email if task.salesperson else settings.DEFAULT_FROM_EMAIL
    ics = meeting_ics(
        task=task, attendees=attendees, organizer_email=organizer_email, method=method
    )
    prefix = _("Canceled: ") if method == "CANCEL" else ""
    now = timezone.now()
    sent_ids = []
    for attendee in recipients:
        message = EmailMessage(
            subject=prefix + (task.subject or task.description),
            body=_invitation_body(task, attendee),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[attendee.email],
            reply_to=[organizer_email],
        )
        message.attach("invite.ics", ics, f"text/calendar; method={method}; charset=utf-8")
        message.send()
        sent_ids.append(attendee.pk)
        if attendee.kind == AttendeeKind.CONTACT and method == "REQUEST":
            _log_invitation(task, attendee)
    if method == "REQUEST":
        Attendee.objects.filter(pk__in=sent_ids).update(invitation_sent_at=now, updated_at=now)
    return len(sent_ids)


# --------------------------------------------------------------------------------------------
# Activities and teams (TSK-30, TSK-31)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def activity_assign(
    *,
    activity: Activity,
    start_date: dt.date,
    contact: Contact | None = None,
    salesperson: Salesperson | None = None,
    team: Team | None = None,
    team_meeting_organizer: Salesperson | None = None,
    opportunity: Opportunity | None = None,
    segment_number: str = "",
) -> list[Task]:
    """TSK-30: one task per step, dated start date + step formula."""
    steps = list(activity.steps.order_by("step_no"))
    if (
        team is not None
        and team_meeting_organizer is None
        and any(s.type == TaskType.MEETING for s in steps)
    ):
        raise ValidationError({"team_meeting_organizer": _(MSG_TEAM_ORGANIZER)}, code="organizer")
    if salesperson is None and team is None:
        raise ValidationError({"salesperson": _(MSG_OWNER)}, code="owner")
    return [
        task_create(
            description=step.description,
            date=apply_date_formula(step.date_formula or "", start_date),
            type=step.type,
            priority=step.priority,
            salesperson=salesperson if team is None else None,
            team=team,
            team_meeting_organizer=team_meeting_organizer,
            contact=contact,
            opportunity=opportunity,
            segment_number=segment_number,
            start_time=dt.time(9, 0) if step.type == TaskType.MEETING else None,
            duration_min=60 if step.type == TaskType.MEETING else 0,
        )
        for step in steps
    ]


@transaction.atomic
def team_delete(*, team: Team) -> None:
    """TSK-31: refused while open tasks reference the team; memberships go with it."""
    if Task.objects.filter(team=team, is_closed=False).exists():
        raise ValidationError(_(MSG_TEAM_OPEN_TASKS) % {"code": team.code}, code="open_tasks")
    closed = Task.objects.filter(team=team)
    closed.filter(salesperson__isnull=True, completed_by__isnull=False).update(
        salesperson=F("completed_by")
    )
    _tasks_delete(closed.filter(salesperson__isnull=True))
    Task.objects.filter(team=team).update(team=None)
    TeamMember.objects.filter(team=team).delete()
    team.delete()
