"""Tasks, meeting attendees and task languages (SPEC 8.1)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel

from .choices import (
    Attendance,
    AttendeeKind,
    AttendeeResponse,
    Priority,
    RecurringFrom,
    TaskStatus,
    TaskType,
)
from .fields import _money, _valid
from .opportunity import Opportunity, OpportunityEntry


class Task(TimeStampedModel):
    number = models.CharField(_("no."), max_length=20, unique=True)
    number_series = models.ForeignKey(
        "setup.NumberSeries",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("number series"),
    )
    type = models.CharField(
        _("type"), max_length=20, choices=TaskType, default=TaskType.BLANK, blank=True
    )
    description = models.CharField(_("description"), max_length=100)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    duration_min = models.PositiveIntegerField(_("duration (min)"), default=0)
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    ending_time = models.TimeField(_("ending time"), null=True, blank=True)
    is_all_day = models.BooleanField(_("all day event"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus, default=TaskStatus.NOT_STARTED
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    location = models.CharField(_("location"), max_length=100, blank=True)
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("salesperson"),
    )
    team = models.ForeignKey(
        "setup.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("team"),
    )
    team_task = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_copies",
        verbose_name=_("team task"),
    )
    completed_by = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("contact"),
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="company_tasks",
        verbose_name=_("contact company"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("campaign"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("opportunity"),
    )
    opportunity_entry = models.ForeignKey(
        OpportunityEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("opportunity entry"),
    )
    segment_number = models.CharField(_("segment no."), max_length=20, blank=True)
    is_closed = models.BooleanField(_("closed"), default=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    is_canceled = models.BooleanField(_("canceled"), default=False)
    is_recurring = models.BooleanField(_("recurring"), default=False)
    recurring_interval = models.CharField(_("recurring date interval"), max_length=30, blank=True)
    recurring_from = models.CharField(
        _("calc. due date from"), max_length=20, choices=RecurringFrom, default="", blank=True
    )
    template = models.ForeignKey(
        "interactions.InteractionTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interaction template"),
    )
    language = models.ForeignKey(
        "setup.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("language"),
    )
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="tasks/", blank=True)
    unit_cost = _money(_("unit cost"))
    unit_duration_min = models.PositiveIntegerField(_("unit duration (min)"), default=0)
    ical_uid = models.CharField(_("iCalendar UID"), max_length=100, blank=True, editable=False)
    ical_sequence = models.PositiveIntegerField(_("iCalendar sequence"), default=0, editable=False)
    last_modified_at = models.DateTimeField(
        _("last date modified"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(
                fields=["salesperson", "date", "id"],
                condition=Q(is_closed=False),
                name="task_open_sp_date_idx",
            ),
            models.Index(
                fields=["team", "date", "id"],
                condition=Q(is_closed=False),
                name="task_open_team_date_idx",
            ),
            models.Index(
                fields=["contact", "date"],
                condition=Q(is_closed=False),
                name="task_open_contact_idx",
            ),
            models.Index(
                fields=["contact_company", "date"],
                condition=Q(is_closed=False),
                name="task_open_company_idx",
            ),
            models.Index(fields=["date", "id"], name="task_date_idx"),
            models.Index(
                fields=["id"],
                condition=Q(is_canceled=True, team_task__isnull=True),
                name="task_canceled_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="task_number_not_blank"),
            _valid("type", TaskType, "task"),
            _valid("status", TaskStatus, "task"),
            _valid("priority", Priority, "task"),
            _valid("recurring_from", RecurringFrom, "task"),
            # TSK-1: a task needs a salesperson or a team.
            models.CheckConstraint(
                condition=Q(salesperson__isnull=False) | Q(team__isnull=False),
                name="task_owner_required",
            ),
            # TSK-4: completed ⇔ closed; a canceled task is closed.
            models.CheckConstraint(
                condition=Q(status=TaskStatus.COMPLETED, is_closed=True)
                | (~Q(status=TaskStatus.COMPLETED) & Q(is_closed=False, is_canceled=False)),
                name="task_closed_status_check",
            ),
            # TSK-7: a recurring task has an interval and a base.
            models.CheckConstraint(
                condition=Q(is_recurring=False)
                | (~Q(recurring_interval="") & ~Q(recurring_from="")),
                name="task_recurring_check",
            ),
            models.CheckConstraint(
                condition=Q(date__gte="1900-01-01", date__lte="2999-12-31"),
                name="task_date_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:task-detail", args=[self.pk])

    @property
    def is_meeting(self) -> bool:
        return self.type == TaskType.MEETING


class Attendee(TimeStampedModel):
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("task")
    )
    line_no = models.PositiveIntegerField(_("line no."))
    attendance = models.CharField(
        _("attendance type"), max_length=10, choices=Attendance, default=Attendance.REQUIRED
    )
    kind = models.CharField(_("attendee type"), max_length=20, choices=AttendeeKind)
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendances",
        verbose_name=_("contact"),
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_attendances",
        verbose_name=_("salesperson"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), max_length=80, blank=True)
    send_invitation = models.BooleanField(_("send invitation"), default=True)
    response = models.CharField(
        _("response"), max_length=10, choices=AttendeeResponse, default=AttendeeResponse.NONE
    )
    invitation_sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["task", "line_no"]
        indexes = [
            models.Index(fields=["salesperson"], name="attendee_salesperson_idx"),
            models.Index(fields=["contact"], name="attendee_contact_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["task", "line_no"], name="attendee_task_line_unique"),
            # TSK-20: exactly one organizer per meeting (the at-least-one half is a service).
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(attendance=Attendance.ORGANIZER),
                name="attendee_one_organizer_unique",
            ),
            _valid("attendance", Attendance, "attendee"),
            _valid("kind", AttendeeKind, "attendee"),
            _valid("response", AttendeeResponse, "attendee"),
            models.CheckConstraint(
                condition=Q(
                    kind=AttendeeKind.CONTACT, contact__isnull=False, salesperson__isnull=True
                )
                | Q(kind=AttendeeKind.SALESPERSON, salesperson__isnull=False, contact__isnull=True),
                name="attendee_kind_target_check",
            ),
            models.CheckConstraint(
                condition=~Q(attendance=Attendance.ORGANIZER) | Q(kind=AttendeeKind.SALESPERSON),
                name="attendee_organizer_salesperson_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.line_no} {self.name}"


class TaskInteractionLanguage(TimeStampedModel):
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="languages", verbose_name=_("task")
    )
    language = models.ForeignKey(
        "setup.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="tasks/", blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)

    class Meta:
        verbose_name = _("task interaction language")
        verbose_name_plural = _("task interaction languages")
        ordering = ["task", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "language"], name="taskinteractionlanguage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.language_id}"
