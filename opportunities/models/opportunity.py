"""Opportunities, their entries and the pipeline summary (SPEC 7.1)."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel

from .choices import ActionTaken, OpportunityStatus, Priority, SalesDocumentKind
from .cycle import CloseOpportunityCode, SalesCycle
from .fields import ENTRY_NO_SEQUENCE, NextVal, _money, _percent, _percent_range, _valid


class Opportunity(TimeStampedModel):
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
    description = models.CharField(_("description"), max_length=100)
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("salesperson"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,  # CON-37: cleared when the company is deleted; forms still require it
        related_name="opportunities",
        verbose_name=_("contact"),
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="company_opportunities",
        verbose_name=_("contact company"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("campaign"),
    )
    segment_number = models.CharField(_("segment no."), max_length=20, blank=True)
    sales_cycle = models.ForeignKey(
        SalesCycle,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("sales cycle"),
    )
    sales_document_kind = models.CharField(
        _("sales document type"),
        max_length=20,
        choices=SalesDocumentKind,
        default=SalesDocumentKind.BLANK,
        blank=True,
    )
    sales_document_number = models.CharField(_("sales document no."), max_length=20, blank=True)
    creation_date = models.DateField(_("creation date"), default=timezone.localdate)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpportunityStatus,
        default=OpportunityStatus.NOT_STARTED,
        editable=False,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    is_closed = models.BooleanField(_("closed"), default=False, editable=False)
    date_closed = models.DateField(_("date closed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-creation_date", "-id"]
        indexes = [
            # List page default sort and the salesperson / status filters.
            models.Index(fields=["-creation_date", "-id"], name="opportunity_created_idx"),
            models.Index(fields=["salesperson", "status"], name="opportunity_sp_status_idx"),
            models.Index(fields=["status", "-id"], name="opportunity_status_idx"),
            models.Index(
                fields=["date_closed"],
                condition=Q(is_closed=True),
                name="opportunity_closed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="opportunity_number_not_blank"),
            _valid("status", OpportunityStatus, "opportunity"),
            _valid("priority", Priority, "opportunity"),
            _valid("sales_document_kind", SalesDocumentKind, "opportunity"),
            # OPP-9/14: closed ⇔ won or lost, and a closed one has its date.
            models.CheckConstraint(
                condition=(
                    Q(is_closed=True, status__in=["won", "lost"], date_closed__isnull=False)
                    | Q(is_closed=False, status__in=["not_started", "in_progress"])
                ),
                name="opportunity_closed_status_check",
            ),
            # OPP-8: one opportunity per sales document.
            models.UniqueConstraint(
                fields=["sales_document_kind", "sales_document_number"],
                condition=~Q(sales_document_number=""),
                name="opportunity_sales_document_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:opportunity-detail", args=[self.pk])


class OpportunityEntry(TimeStampedModel):
    entry_no = models.BigIntegerField(
        _("entry no."), unique=True, db_default=NextVal(ENTRY_NO_SEQUENCE), editable=False
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="entries", verbose_name=_("opportunity")
    )
    sales_cycle = models.ForeignKey(
        SalesCycle, on_delete=models.PROTECT, related_name="entries", verbose_name=_("sales cycle")
    )
    stage = models.PositiveIntegerField(_("stage"))
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,  # CON-37: cleared when the company is deleted; forms still require it
        related_name="opportunity_entries",
        verbose_name=_("contact"),
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="company_opportunity_entries",
        verbose_name=_("contact company"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunity_entries",
        verbose_name=_("campaign"),
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        related_name="opportunity_entries",
        verbose_name=_("salesperson"),
    )
    date_of_change = models.DateField(_("date of change"))
    is_active = models.BooleanField(_("active"), default=True)
    date_closed = models.DateField(_("date closed"), null=True, blank=True)
    days_open = models.IntegerField(_("days open"), default=0)
    action_taken = models.CharField(
        _("action taken"), max_length=10, choices=ActionTaken, default="", blank=True
    )
    estimated_value = _money(_("estimated value"))
    calculated_current_value = _money(_("calculated current value"))
    completed_percent = _percent(_("completed %"))
    chances_percent = _percent(_("chances of success %"))
    probability_percent = _percent(_("probability %"))
    close_code = models.ForeignKey(
        CloseOpportunityCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("close opportunity code"),
    )
    previous_stage = models.PositiveIntegerField(_("previous stage"), null=True, blank=True)
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    cancel_old_tasks = models.BooleanField(_("cancel old tasks"), default=False)

    class Meta:
        verbose_name = _("opportunity entry")
        verbose_name_plural = _("opportunity entries")
        ordering = ["opportunity", "entry_no"]
        indexes = [
            # Pipeline board: the top cards of a stage, read in order (LIMIT stops early
            # even when many entries share a value); totals come from the summary.
            models.Index(
                fields=["sales_cycle", "stage", "-estimated_value", "-id"],
                include=["salesperson"],
                condition=Q(is_active=True) & ~Q(action_taken__in=["won", "lost"]),
                name="oppentry_board_idx",
            ),
            # Forecast: active open entries by expected close month.
            models.Index(
                fields=["estimated_close_date"],
                include=["estimated_value", "calculated_current_value"],
                condition=Q(is_active=True) & ~Q(action_taken__in=["won", "lost"]),
                name="oppentry_forecast_idx",
            ),
            # Contact / company statistics (10.2) and salesperson figures (10.3).
            models.Index(
                fields=["contact_company"],
                condition=Q(is_active=True),
                name="oppentry_active_company_idx",
            ),
            models.Index(
                fields=["contact"], condition=Q(is_active=True), name="oppentry_active_contact_idx"
            ),
            models.Index(
                fields=["salesperson"],
                condition=Q(is_active=True),
                name="oppentry_active_sp_idx",
            ),
            # Stage average days open (10.6): inactive entries by cycle and stage.
            models.Index(
                fields=["sales_cycle", "stage"],
                include=["days_open"],
                condition=Q(is_active=False),
                name="oppentry_inactive_stage_idx",
            ),
        ]
        constraints = [
            # OPP-12: at most one active entry per opportunity.
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(is_active=True),
                name="opportunityentry_one_active_unique",
            ),
            _valid("action_taken", ActionTaken, "opportunityentry"),
            models.CheckConstraint(condition=Q(stage__gte=1), name="opportunityentry_stage_min"),
            _percent_range("chances_percent", "opportunityentry"),
            _percent_range("completed_percent", "opportunityentry"),
            _percent_range("probability_percent", "opportunityentry"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_no}: {self.opportunity_id} @ {self.stage}"


class OpportunityPipelineSummary(models.Model):
    """Open active entries (``OPEN_ENTRY``) counted and summed by sales cycle, stage,
    salesperson and expected close month.

    The pipeline board's column totals and the forecast read a few hundred of these rows
    instead of every open entry. Statement-level triggers on the entry table (migration
    0006) keep it exact in the writing transaction, so no write path (services, admin,
    ``update()``, cascades, raw SQL) can skip it. Read-only for Python code; not
    timestamped. No CHECK on ``count``: PostgreSQL checks an upsert's proposed row (a negative
    delta) before the conflict; the triggers raise on a negative total instead.
    """

    sales_cycle = models.ForeignKey(
        SalesCycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("sales cycle")
    )
    stage = models.PositiveIntegerField(_("stage"))
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    close_month = models.DateField(_("estimated close month"), null=True, blank=True)
    count = models.BigIntegerField(_("no. of opportunities"), default=0)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=20, decimal_places=2, default=0
    )
    calculated_current_value = models.DecimalField(
        _("calculated current value"), max_digits=20, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("pipeline summary")
        verbose_name_plural = _("pipeline summaries")
        ordering = ["sales_cycle", "stage", "salesperson", "close_month"]
        constraints = [
            # The triggers' ON CONFLICT target; one row per key, a blank month included.
            models.UniqueConstraint(
                fields=["sales_cycle", "stage", "salesperson", "close_month"],
                nulls_distinct=False,
                name="opportunitypipelinesummary_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sales_cycle_id}/{self.stage}/{self.salesperson_id}/{self.close_month}"


# Referenced by SQL expressions in selectors.
OPEN_ENTRY = Q(is_active=True) & ~Q(action_taken__in=[ActionTaken.WON, ActionTaken.LOST])
