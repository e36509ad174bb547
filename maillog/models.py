"""E-mail logging (SPEC 11): the IMAP setup singleton and the register of processed messages."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel


class Security(models.TextChoices):
    SSL_TLS = "ssl_tls", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (loopback only)")  # departure: tests and local relays


class Outcome(models.TextChoices):
    LOGGED = "logged", _("Logged")
    SKIPPED_DRAFT = "skipped_draft", _("Skipped: draft")
    SKIPPED_NO_SENDER = "skipped_no_sender", _("Skipped: no sender")
    SKIPPED_NO_RECIPIENTS = "skipped_no_recipients", _("Skipped: no recipients")
    SKIPPED_DUPLICATE = "skipped_duplicate", _("Skipped: duplicate")
    SKIPPED_NO_MATCH = "skipped_no_match", _("Skipped: no match")
    FAILED = "failed", _("Failed")


class EmailLoggingSetup(TimeStampedModel):
    singleton = models.BooleanField(default=True, editable=False, unique=True)
    is_enabled = models.BooleanField(_("enabled"), default=False)
    imap_host = models.CharField(_("IMAP host"), max_length=100, blank=True)
    imap_port = models.PositiveIntegerField(
        _("IMAP port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("security"), max_length=10, choices=Security, default=Security.SSL_TLS
    )
    username = models.CharField(_("user name"), max_length=100, blank=True)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    inbox_folder = models.CharField(_("inbox folder"), max_length=100, default="INBOX")
    archive_folder = models.CharField(_("archive folder"), max_length=100, default="CRM/Logged")
    skipped_folder = models.CharField(
        _("skipped folder"),
        max_length=100,
        default="CRM/Skipped",
        blank=True,
        help_text=_("Blank = delete skipped messages."),
    )
    batch_size = models.PositiveIntegerField(
        _("batch size"), default=50, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    poll_interval_min = models.PositiveIntegerField(
        _("poll interval (min)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
    )
    is_connection_tested = models.BooleanField(_("connection tested"), default=False)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_counts = models.JSONField(_("last run counts"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("e-mail logging setup")
        verbose_name_plural = _("e-mail logging setup")
        constraints = [
            models.CheckConstraint(
                condition=Q(batch_size__gte=1, batch_size__lte=1000),
                name="emailloggingsetup_batch_size_range",
            ),
            models.CheckConstraint(
                condition=Q(poll_interval_min__gte=1, poll_interval_min__lte=1440),
                name="emailloggingsetup_poll_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(security__in=Security.values), name="emailloggingsetup_security_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(_("E-mail logging setup"))

    @classmethod
    def load(cls) -> "EmailLoggingSetup":
        setup, _created = cls.objects.get_or_create(singleton=True)
        return setup


class EmailLogMessage(models.Model):
    message_key = models.CharField(_("message key"), max_length=64, unique=True)
    message_id = models.CharField(_("message ID"), max_length=250, blank=True)
    outcome = models.CharField(_("outcome"), max_length=25, choices=Outcome)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    processed_at = models.DateTimeField(_("processed at"), auto_now=True)

    class Meta:
        verbose_name = _("logged e-mail message")
        verbose_name_plural = _("logged e-mail messages")
        ordering = ["-processed_at", "-id"]
        indexes = [
            models.Index(fields=["-processed_at"], name="emaillogmessage_processed_idx"),
            models.Index(fields=["outcome", "-processed_at"], name="emaillogmessage_outcome_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="emaillogmessage_outcome_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.message_key} {self.outcome}"
