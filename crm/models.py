from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BulkJob(TimeStampedModel):
    """Progress row of a background job (SPEC 0.1): the page that started it polls it."""

    kind = models.CharField(_("kind"), max_length=60)
    target_type = models.CharField(_("target entity"), max_length=60, blank=True)
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BulkJobStatus, default=BulkJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    error = models.TextField(_("error"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Language of the request that started the job: its messages are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Recorded by crm.tasks.BulkJobTask when a worker takes the job: the task to send again
    # (retry, re-queue of a stale job), the queue it came from, and the worker's heartbeat.
    task_name = models.CharField(_("task"), max_length=200, blank=True)
    queue = models.CharField(_("queue"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="bulkjob_target_idx"),
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status="running"),
                name="bulkjob_running_heartbeat_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BulkJobStatus.values), name="bulkjob_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=F("total")) | Q(total=0), name="bulkjob_done_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {BulkJobStatus.SUCCEEDED, BulkJobStatus.FAILED}

    @property
    def is_retryable(self) -> bool:
        """A failed job whose task is known can be sent again; it resumes after the batches
        it committed."""
        return self.status == BulkJobStatus.FAILED and bool(self.task_name)

    @property
    def percent(self) -> int:
        if self.status == BulkJobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


class CodeTable(TimeStampedModel):
    """A reference table keyed by a short upper-case code (SPEC 0.1 code(n), SET-30)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=""), name="%(app_label)s_%(class)s_code_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(code=models.functions.Upper(models.functions.Trim("code"))),
                name="%(app_label)s_%(class)s_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip() if self.description else self.code

    def clean(self) -> None:
        super().clean()
        self.code = normalize_code(self.code)


def normalize_code(value: str | None) -> str:
    """SET-30: codes are trimmed and stored upper-case."""
    return (value or "").strip().upper()


class FieldChange(models.Model):
    """One field of one record changed by an update service: who, when, old → new.

    Values are stored as display text at the time of the change (choices as labels, related
    rows by name), so the history reads the same after the related row is renamed or deleted.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("content type"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    object_id = models.BigIntegerField(_("object id"))
    field = models.CharField(_("field"), max_length=100)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("field change")
        verbose_name_plural = _("field changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-changed_at", "-id"],
                name="fieldchange_object_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(field=""), name="fieldchange_field_not_blank")
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"
