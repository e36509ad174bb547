"""External CRM sync (SPEC §13): connection, table and field mappings, couplings, jobs, errors."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.crypto import secret_decrypt, secret_encrypt
from crm.models import TimeStampedModel

from .texts import shown

SECRET_PURPOSE = "sync"  # noqa: S105 (a key-derivation label, not a secret)


class RemoteKind(models.TextChoices):
    TRYTON = "tryton", _("Tryton (JSON-RPC)")


class ExternalCrmConnection(TimeStampedModel):
    """The one connection to the external CRM (singleton)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=RemoteKind, default=RemoteKind.TRYTON)
    base_url = models.URLField(_("URL"), max_length=250, blank=True)
    database = models.CharField(_("database"), max_length=100, blank=True)
    username = models.CharField(_("user name"), max_length=100, blank=True)
    secret_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    is_enabled = models.BooleanField(_("enabled"), default=False)
    integration_user_remote_id = models.CharField(
        _("integration user (remote ID)"),
        max_length=64,
        blank=True,
        help_text=_("Remote changes made by this user are not pulled (set on Test connection)."),
    )
    remote_company_id = models.CharField(_("remote company ID"), max_length=64, blank=True)
    page_size = models.PositiveIntegerField(_("page size"), default=200)
    timeout_s = models.PositiveIntegerField(_("time-out (seconds)"), default=30)
    last_test_at = models.DateTimeField(_("last tested"), null=True, blank=True, editable=False)
    last_test_message = models.TextField(_("last test result"), blank=True, editable=False)
    # The result as its message and parameters (sync/texts.py), shown in the reader's language.
    last_test_message_source = models.JSONField(
        _("last test result (message and parameters)"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("external CRM connection")

    def __str__(self) -> str:
        return self.base_url or str(_("External CRM"))

    @classmethod
    def load(cls) -> "ExternalCrmConnection":
        obj, _created = cls.objects.get_or_create(singleton=True)
        return obj

    @property
    def password(self) -> str:
        return secret_decrypt(self.secret_encrypted, purpose=SECRET_PURPOSE)

    def set_password(self, value: str) -> None:
        self.secret_encrypted = secret_encrypt(value, purpose=SECRET_PURPOSE)

    @property
    def last_test_message_text(self) -> str:
        return shown(self.last_test_message_source, self.last_test_message)


class Direction(models.TextChoices):
    BIDIRECTIONAL = "bidirectional", _("Bidirectional")
    TO_REMOTE = "to_remote", _("To external CRM")
    FROM_REMOTE = "from_remote", _("From external CRM")


class LocalEntity(models.TextChoices):
    SALESPERSON = "salesperson", _("Salesperson")
    COMPANY_CONTACT = "company_contact", _("Company contact")
    PERSON_CONTACT = "person_contact", _("Person contact")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CURRENCY = "currency", _("Currency")


class UpdateConflict(models.TextChoices):
    NONE = "none", _("None (log an error)")
    LOCAL_WINS = "local_wins", _("Local wins")
    REMOTE_WINS = "remote_wins", _("External CRM wins")


class DeletionConflict(models.TextChoices):
    NONE = "none", _("None (log an error)")
    RESTORE = "restore", _("Restore the deleted record")
    REMOVE_COUPLING = "remove_coupling", _("Remove the coupling")


class ScheduleStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD_INACTIVE = "on_hold_inactive", _("On hold (inactive)")


class SyncTableMapping(TimeStampedModel):
    name = models.CharField(_("name"), max_length=20, unique=True)
    local_entity = models.CharField(_("local entity"), max_length=20, choices=LocalEntity)
    remote_resource = models.CharField(_("remote resource"), max_length=100)
    remote_id_field = models.CharField(_("remote ID field"), max_length=50, default="id")
    remote_modified_field = models.CharField(
        _("remote modified field"), max_length=50, default="write_date"
    )
    direction = models.CharField(_("direction"), max_length=20, choices=Direction)
    local_filter = models.JSONField(_("local filter"), default=dict, blank=True)
    remote_filter = models.TextField(_("remote filter"), max_length=500, blank=True)
    sync_only_coupled = models.BooleanField(_("synchronise only coupled records"), default=True)
    local_defaults = models.JSONField(_("local defaults"), default=dict, blank=True)
    remote_defaults = models.JSONField(_("remote defaults"), default=dict, blank=True)
    update_conflict = models.CharField(
        _("update conflict"), max_length=20, choices=UpdateConflict, default=UpdateConflict.NONE
    )
    deletion_conflict = models.CharField(
        _("deletion conflict"),
        max_length=20,
        choices=DeletionConflict,
        default=DeletionConflict.NONE,
    )
    depends_on = models.JSONField(_("depends on"), default=list, blank=True)
    interval_min = models.PositiveIntegerField(_("interval (minutes)"), default=30)
    inactivity_timeout_min = models.PositiveIntegerField(
        _("inactivity time-out (minutes)"), default=1440, help_text=_("0 = never")
    )
    is_event_sync = models.BooleanField(_("event sync"), default=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    schedule_status = models.CharField(
        _("schedule status"), max_length=20, choices=ScheduleStatus, default=ScheduleStatus.ACTIVE
    )
    local_watermark = models.DateTimeField(_("local watermark"), null=True, editable=False)
    remote_watermark = models.DateTimeField(_("remote watermark"), null=True, editable=False)
    last_change_at = models.DateTimeField(_("last change seen"), null=True, editable=False)
    last_run_at = models.DateTimeField(_("last run"), null=True, editable=False)
    is_full_sync_running = models.BooleanField(_("full sync running"), default=False)
    use_company_filter = models.BooleanField(_("use company filter"), default=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("table mapping")
        verbose_name_plural = _("table mappings")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def ways(self) -> list[str]:
        """SYN-3: bidirectional runs local → remote, then remote → local."""
        if self.direction == Direction.BIDIRECTIONAL:
            return [Direction.TO_REMOTE, Direction.FROM_REMOTE]
        return [self.direction]


class TransformationKind(models.TextChoices):
    TRIM = "trim", _("Trim")
    UPPER = "upper", _("Upper case")
    LOWER = "lower", _("Lower case")
    REPLACE = "replace", _("Replace")
    ADD_PREFIX = "add_prefix", _("Add prefix")
    REMOVE_PREFIX = "remove_prefix", _("Remove prefix")
    VALUE_MAP = "value_map", _("Value map")
    SUBSTRING = "substring", _("Substring")


class AppliesTo(models.TextChoices):
    TO_REMOTE = "to_remote", _("To external CRM")
    FROM_REMOTE = "from_remote", _("From external CRM")
    BOTH = "both", _("Both")


class SyncTransformationRule(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TransformationKind)
    find_text = models.CharField(_("find"), max_length=100, blank=True)
    replace_text = models.CharField(_("replace with"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=50, blank=True)
    value_map = models.JSONField(
        _("value pairs"), default=dict, blank=True, help_text=_("local value → remote value")
    )
    start = models.PositiveIntegerField(_("start"), default=1)
    length = models.PositiveIntegerField(_("length"), default=0)
    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=AppliesTo, default=AppliesTo.BOTH
    )

    class Meta:
        verbose_name = _("transformation rule")
        verbose_name_plural = _("transformation rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SyncFieldMapping(TimeStampedModel):
    mapping = models.ForeignKey(
        SyncTableMapping,
        on_delete=models.CASCADE,
        related_name="fields",
        verbose_name=_("table mapping"),
    )
    local_field = models.CharField(_("local field"), max_length=50, blank=True)
    remote_field = models.CharField(_("remote field"), max_length=50)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction)
    constant_value = models.CharField(_("constant value"), max_length=250, blank=True)
    transformation = models.ForeignKey(
        SyncTransformationRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transformation"),
    )
    validate_on_write = models.BooleanField(_("validate on write"), default=True)
    clear_on_failure = models.BooleanField(_("clear on failure"), default=False)
    is_not_null = models.BooleanField(_("skip empty values"), default=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    use_for_matching = models.BooleanField(_("use for matching"), default=False)
    match_case_sensitive = models.BooleanField(_("case-sensitive match"), default=False)
    match_priority = models.PositiveIntegerField(_("match priority"), default=0)

    class Meta:
        verbose_name = _("field mapping")
        verbose_name_plural = _("field mappings")
        ordering = ["mapping", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mapping", "local_field", "remote_field"], name="sync_field_mapping_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.local_field or '∅'} ↔ {self.remote_field}"

    def travels(self, way: str) -> bool:
        return self.is_enabled and self.direction in (Direction.BIDIRECTIONAL, way)


class SyncResult(models.TextChoices):
    BLANK = "", _("(none)")
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")


class SyncCoupling(TimeStampedModel):
    mapping = models.ForeignKey(
        SyncTableMapping,
        on_delete=models.CASCADE,
        related_name="couplings",
        verbose_name=_("table mapping"),
    )
    local_id = models.BigIntegerField(_("local ID"))
    remote_id = models.CharField(_("remote ID"), max_length=64)
    last_local_modified_at = models.DateTimeField(_("local modified (last sync)"), null=True)
    last_remote_modified_at = models.DateTimeField(_("remote modified (last sync)"), null=True)
    last_local_result = models.CharField(
        _("last result (local)"), max_length=10, choices=SyncResult, blank=True, default=""
    )
    last_remote_result = models.CharField(
        _("last result (external CRM)"), max_length=10, choices=SyncResult, blank=True, default=""
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_source = models.JSONField(
        _("last error (message and parameters)"), null=True, blank=True, editable=False
    )
    is_skipped = models.BooleanField(_("skipped"), default=False)
    local_deleted = models.BooleanField(_("local record deleted"), default=False)
    last_job = models.ForeignKey(
        "SyncJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("coupling")
        verbose_name_plural = _("couplings")
        constraints = [
            models.UniqueConstraint(
                fields=["mapping", "local_id"], name="sync_coupling_local_uniq"
            ),
            models.UniqueConstraint(
                fields=["mapping", "remote_id"], name="sync_coupling_remote_uniq"
            ),
        ]
        indexes = [
            models.Index(
                fields=["mapping", "last_local_result", "last_remote_result"],
                name="sync_coupling_result_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mapping_id}: {self.local_id} ↔ {self.remote_id}"

    @property
    def failed(self) -> bool:
        return SyncResult.FAILURE in (self.last_local_result, self.last_remote_result)

    @property
    def last_error_text(self) -> str:
        """The last error in the active language (sync/texts.py)."""
        return shown(self.last_error_source, self.last_error)


class SyncJobKind(models.TextChoices):
    SYNCHRONIZATION = "synchronization", _("Synchronisation")
    FULL_SYNC = "full_sync", _("Full synchronisation")
    COUPLING = "coupling", _("Coupling")
    UNCOUPLING = "uncoupling", _("Uncoupling")


class SyncJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (another run of this mapping was in progress)")


class SyncJob(models.Model):
    mapping = models.ForeignKey(
        SyncTableMapping,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("table mapping"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SyncJobKind)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    modified = models.PositiveIntegerField(_("modified"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    coupled = models.PositiveIntegerField(_("coupled"), default=0)
    uncoupled = models.PositiveIntegerField(_("uncoupled"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=SyncJobStatus, default=SyncJobStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    message_source = models.JSONField(
        _("message (message and parameters)"), null=True, blank=True, editable=False
    )
    run_group = models.CharField(_("run"), max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("sync job")
        verbose_name_plural = _("sync jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], name="sync_job_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.mapping or ''} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (SyncJobStatus.SUCCEEDED, SyncJobStatus.FAILED, SyncJobStatus.SKIPPED)

    @property
    def message_text(self) -> str:
        return shown(self.message_source, self.message)

    @property
    def changes(self) -> int:
        return self.inserted + self.modified + self.deleted + self.coupled + self.uncoupled


class SyncJobError(models.Model):
    job = models.ForeignKey(
        SyncJob, on_delete=models.CASCADE, related_name="errors", verbose_name=_("job")
    )
    mapping = models.ForeignKey(
        SyncTableMapping,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("table mapping"),
    )
    local_ref = models.CharField(_("local record"), max_length=100, blank=True)
    remote_ref = models.CharField(_("remote record"), max_length=100, blank=True)
    message = models.TextField(_("message"))
    message_source = models.JSONField(
        _("message (message and parameters)"), null=True, blank=True, editable=False
    )
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sync error")
        verbose_name_plural = _("sync errors")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message_text

    @property
    def message_text(self) -> str:
        """The message in the active language (sync/texts.py); old rows: the stored text."""
        return shown(self.message_source, self.message)


class SyncPendingCreate(models.Model):
    """A local record being created on the remote: written before the remote ``create`` call
    and deleted with the coupling's insert, in one transaction. A row left behind means the
    worker died in between; the next run of the mapping finds the remote record by the values
    kept here instead of creating it a second time (engine.recover_pending_creates)."""

    mapping = models.ForeignKey(
        SyncTableMapping, on_delete=models.CASCADE, related_name="+", verbose_name=_("mapping")
    )
    local_id = models.BigIntegerField(_("local ID"))
    local_modified_at = models.DateTimeField(_("local modified"), null=True)
    match_values = models.JSONField(_("values sent"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("pending creation")
        verbose_name_plural = _("pending creations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mapping", "local_id"], name="sync_pending_create_local_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mapping_id}: {self.local_id}"
