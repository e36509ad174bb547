"""Opportunities, sales cycles, quotes, tasks and activities (SPEC 7 and 8).

Rules live in ``services.py``; this module holds fields, constraints and indexes only.
Opportunities, their entries and tasks reference campaigns by string foreign keys (campaigns
stands higher, STYLE 2); segments are kept as ``segment_number``.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable, TimeStampedModel

ENTRY_NO_SEQUENCE = "opportunities_entry_no_seq"


class NextVal(Func):
    """``nextval('<sequence>')``: database default of a sequence-numbered column."""

    function = "nextval"
    output_field = models.BigIntegerField()

    def __init__(self, sequence: str) -> None:
        super().__init__(models.Value(sequence))


# --------------------------------------------------------------------------------------------
# Choices (module level: Meta cannot see class-body names)
# --------------------------------------------------------------------------------------------


class ProbabilityMethod(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES_OF_SUCCESS = "chances_of_success", _("Chances of success %")
    COMPLETED = "completed", _("Completed %")


class CloseType(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")
    HIGH = "high", _("High")


class SalesDocumentKind(models.TextChoices):
    BLANK = "", _("(none)")
    QUOTE = "quote", _("Quote")
    ORDER = "order", _("Order")
    POSTED_INVOICE = "posted_invoice", _("Posted invoice")


class ActionTaken(models.TextChoices):
    BLANK = "", _("(none)")
    NEXT = "next", _("Next")
    PREVIOUS = "previous", _("Previous")
    UPDATED = "updated", _("Updated")
    JUMPED = "jumped", _("Jumped")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class QuoteStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TaskType(models.TextChoices):
    BLANK = "", _("Task")
    PHONE_CALL = "phone_call", _("Phone call")
    MEETING = "meeting", _("Meeting")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WAITING = "waiting", _("Waiting")
    POSTPONED = "postponed", _("Postponed")


class RecurringFrom(models.TextChoices):
    BLANK = "", _("(none)")
    DUE_DATE = "due_date", _("Due date")
    CLOSING_DATE = "closing_date", _("Closing date")


class Attendance(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")


class AttendeeKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    SALESPERSON = "salesperson", _("Salesperson")


class AttendeeResponse(models.TextChoices):
    NONE = "none", _("None")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TENTATIVE = "tentative", _("Tentative")


def _percent(verbose_name) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=8,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


def _money(verbose_name) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=0)


def _valid(field: str, choices: type[models.TextChoices], model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=f"{model}_{field}_valid"
    )


def _percent_range(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
        name=f"{model}_{field}_range",
    )


# --------------------------------------------------------------------------------------------
# Sales cycles (SPEC 7.1)
# --------------------------------------------------------------------------------------------


class SalesCycle(CodeTable):
    """Ordered steps of an opportunity (SPEC 7.1)."""

    probability_method = models.CharField(
        _("probability calculation"),
        max_length=20,
        choices=ProbabilityMethod,
        default=ProbabilityMethod.MULTIPLY,
    )
    is_blocked = models.BooleanField(_("blocked"), default=False)

    class Meta(CodeTable.Meta):
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        constraints = [
            *CodeTable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(probability_method__in=ProbabilityMethod.values),
                name="salescycle_probability_method_valid",
            ),
        ]


class Activity(CodeTable):
    """A template of task steps assigned in one go (SPEC 8.1, TSK-30)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")


class ActivityStep(TimeStampedModel):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="steps", verbose_name=_("activity")
    )
    step_no = models.PositiveIntegerField(_("step no."))
    type = models.CharField(
        _("type"), max_length=20, choices=TaskType, default=TaskType.BLANK, blank=True
    )
    description = models.CharField(_("description"), max_length=100)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    date_formula = models.CharField(_("date formula"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("activity step")
        verbose_name_plural = _("activity steps")
        ordering = ["activity", "step_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "step_no"], name="activitystep_activity_step_unique"
            ),
            _valid("type", TaskType, "activitystep"),
            _valid("priority", Priority, "activitystep"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.step_no} {self.description}"

    def clean(self) -> None:
        from setup.dateformula import validate_date_formula

        super().clean()
        if self.date_formula:
            validate_date_formula(self.date_formula)


class SalesCycleStage(TimeStampedModel):
    sales_cycle = models.ForeignKey(
        SalesCycle, on_delete=models.CASCADE, related_name="stages", verbose_name=_("sales cycle")
    )
    stage = models.PositiveIntegerField(_("stage"), validators=[MinValueValidator(1)])
    description = models.CharField(_("description"), max_length=100, blank=True)
    completed_percent = _percent(_("completed %"))
    chances_percent = _percent(_("chances of success %"))
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stages",
        verbose_name=_("activity"),
    )
    is_quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(_("allow skip"), default=False)
    date_formula = models.CharField(_("date formula"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["sales_cycle", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_cycle", "stage"], name="salescyclestage_cycle_stage_unique"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="salescyclestage_stage_min"),
            _percent_range("completed_percent", "salescyclestage"),
            _percent_range("chances_percent", "salescyclestage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.description}".strip()

    def clean(self) -> None:
        from setup.dateformula import validate_date_formula

        super().clean()
        if self.date_formula:
            validate_date_formula(self.date_formula)


class CloseOpportunityCode(CodeTable):
    type = models.CharField(_("type"), max_length=10, choices=CloseType)

    class Meta(CodeTable.Meta):
        verbose_name = _("close opportunity code")
        verbose_name_plural = _("close opportunity codes")
        constraints = [
            *CodeTable.Meta.constraints,
            _valid("type", CloseType, "closeopportunitycode"),
        ]


# --------------------------------------------------------------------------------------------
# Opportunities (SPEC 7.1)
# --------------------------------------------------------------------------------------------


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


class SalesQuote(TimeStampedModel):
    """Minimal local sales quote (SPEC 7.1, adapted)."""

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
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        related_name="sales_quotes",
        verbose_name=_("contact"),
    )
    customer_number = models.CharField(_("customer no."), max_length=20, blank=True)
    template = models.ForeignKey(
        "setup.CustomerTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer template"),
    )
    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("opportunity"),
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_quotes",
        verbose_name=_("salesperson"),
    )
    quote_date = models.DateField(_("quote date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("amount excl. tax"),
        max_digits=18,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    currency = models.ForeignKey(
        "setup.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currency"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus, default=QuoteStatus.OPEN
    )
    external_order_number = models.CharField(_("external order no."), max_length=20, blank=True)
    # OPP-64: how often the quote was printed; each print is one document occurrence (API-3).
    print_count = models.PositiveIntegerField(_("no. printed"), default=0, editable=False)

    class Meta:
        verbose_name = _("sales quote")
        verbose_name_plural = _("sales quotes")
        ordering = ["-quote_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="salesquote_number_not_blank"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="salesquote_amount_min"),
            _valid("status", QuoteStatus, "salesquote"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote-detail", args=[self.pk])


class SalesQuoteLine(TimeStampedModel):
    """A line of a local sales quote: the quote's amount is the sum of its line amounts."""

    quote = models.ForeignKey(
        SalesQuote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("sales quote")
    )
    line_no = models.PositiveIntegerField(_("line no."))
    description = models.CharField(_("description"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"), max_digits=18, decimal_places=5, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(
        _("line amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("sales quote line")
        verbose_name_plural = _("sales quote lines")
        ordering = ["quote", "line_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "line_no"], name="salesquoteline_quote_line_no_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="salesquoteline_quantity_min"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="salesquoteline_unit_price_min"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="salesquoteline_amount_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.line_no}"


# --------------------------------------------------------------------------------------------
# Tasks (SPEC 8.1)
# --------------------------------------------------------------------------------------------


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


# Referenced by SQL expressions in selectors.
OPEN_ENTRY = Q(is_active=True) & ~Q(action_taken__in=[ActionTaken.WON, ActionTaken.LOST])
