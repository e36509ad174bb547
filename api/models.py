"""API clients, user tokens, the call log and stored idempotent responses (SPEC 12.1)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel


class ApiScope(models.TextChoices):
    READ_CONTACTS = "read_contacts", _("Read contacts")
    WRITE_CONTACTS = "write_contacts", _("Write contacts")
    LINKS = "links", _("Business links")
    DOCUMENTS = "documents", _("Document events")
    SALES_HISTORY = "sales_history", _("Sales history")
    QUOTES = "quotes", _("Sales quotes")
    PRICES = "prices", _("Campaign prices")


class ApiClient(TimeStampedModel):
    """A business-system client; the token is shown once, only its SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=12, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    scopes = ArrayField(
        models.CharField(max_length=20, choices=ApiScope), default=list, blank=True, size=None
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]
        permissions = [("import_sales_history", _("Can import sales history from a CSV file"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=ApiScope.values), name="apiclient_scopes_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiUserToken(TimeStampedModel):
    """A personal token of a UI user: the API then acts with that user's permissions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=12, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API user token")
        verbose_name_plural = _("API user tokens")
        ordering = ["user_id", "name"]

    def __str__(self) -> str:
        return f"{self.user} {self.name or self.token_prefix}".strip()


class ApiCall(models.Model):
    """One recorded API call (client or user, endpoint, status, duration)."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("client")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    method = models.CharField(_("method"), max_length=10)
    endpoint = models.CharField(_("endpoint"), max_length=250)
    status = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="apicall_client_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an ``Idempotency-Key`` (kept 24 h, SPEC 12.1)."""

    owner = models.CharField(_("owner"), max_length=40)  # "client:<id>" or "user:<id>"
    key = models.CharField(_("key"), max_length=200)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=250)
    status = models.PositiveSmallIntegerField(_("status"))
    body = models.JSONField(_("body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="idempotencyrecord_owner_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
