"""Campaigns (SPEC 6): statuses, campaigns, entries, target groups and campaign prices.

Segments do not exist yet, so a campaign entry keeps the logged segment as the plain
``logged_segment_entry_no`` (to become a foreign key once ``segments.LoggedSegment`` ships).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable, TimeStampedModel
from interactions.models import DocumentKind

ENTRY_NO_SEQUENCE = "campaigns_entry_no_seq"


class TargetKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")


class CampaignStatus(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("campaign status")
        verbose_name_plural = _("campaign statuses")


class Campaign(TimeStampedModel):
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
    description = models.CharField(_("description"), max_length=100, blank=True)
    starting_date = models.DateField(_("starting date"), null=True, blank=True)
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("salesperson"),
    )
    status = models.ForeignKey(
        CampaignStatus,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("status"),
    )
    last_modified_on = models.DateField(
        _("last date modified"), default=timezone.localdate, editable=False
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["number", "id"]
        indexes = [
            models.Index(fields=["starting_date", "ending_date"], name="campaign_dates_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="campaign_number_not_blank"),
            # CMP-1
            models.CheckConstraint(
                condition=Q(starting_date__isnull=True)
                | Q(ending_date__isnull=True)
                | Q(starting_date__lte=F("ending_date")),
                name="campaign_dates_ordered_check",
                violation_error_message=_("The starting date must not be after the ending date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}".strip()

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.starting_date and self.ending_date and self.starting_date > self.ending_date:
            raise ValidationError(
                {
                    "starting_date": _(
                        "The starting date %(start)s must not be after the ending date %(end)s."
                    )
                    % {"start": self.starting_date, "end": self.ending_date}
                },
                code="dates_order",
            )


class CampaignEntry(TimeStampedModel):
    """One campaign entry (SPEC 6.1); ``entry_no`` comes from a PostgreSQL sequence."""

    entry_no = models.BigIntegerField(
        _("entry no."),
        unique=True,
        editable=False,
        db_default=models.Func(
            models.Value(ENTRY_NO_SEQUENCE),
            function="nextval",
            output_field=models.BigIntegerField(),
        ),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("campaign"),
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    segment_number = models.CharField(_("segment no."), max_length=20, blank=True)
    # Becomes a foreign key to segments.LoggedSegment once that model exists.
    logged_segment_entry_no = models.BigIntegerField(
        _("logged segment entry no."), null=True, blank=True
    )
    document_kind = models.CharField(
        _("document kind"), max_length=40, choices=DocumentKind, blank=True, default=""
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    is_canceled = models.BooleanField(_("canceled"), default=False)

    class Meta:
        verbose_name = _("campaign entry")
        verbose_name_plural = _("campaign entries")
        ordering = ["-entry_no"]
        indexes = [
            models.Index(F("campaign"), F("entry_no").desc(), name="campaignentry_campaign_idx"),
            models.Index(
                fields=["campaign", "entry_no"],
                condition=Q(is_canceled=True),
                name="campaignentry_canceled_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(document_kind__in=DocumentKind.values),
                name="campaignentry_document_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_no} {self.description}".strip()


class CampaignTargetGroup(models.Model):
    """A targeted party of an activated campaign (CMP-20…25)."""

    kind = models.CharField(_("type"), max_length=10, choices=TargetKind)
    number = models.CharField(_("no."), max_length=20)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="target_groups",
        verbose_name=_("campaign"),
    )

    class Meta:
        verbose_name = _("campaign target group")
        verbose_name_plural = _("campaign target groups")
        ordering = ["campaign", "kind", "number", "id"]
        constraints = [
            # Also the index of the price lookup (party -> campaigns).
            models.UniqueConstraint(
                fields=["kind", "number", "campaign"], name="campaigntargetgroup_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TargetKind.values), name="campaigntargetgroup_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(number=""), name="campaigntargetgroup_number_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class CampaignPriceLine(TimeStampedModel):
    """A special price or discount of a campaign (SPEC 6.1, adapted)."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="price_lines",
        verbose_name=_("campaign"),
    )
    item_code = models.CharField(_("item no."), max_length=20)
    description = models.CharField(_("description"), max_length=100, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10, blank=True)
    currency = models.ForeignKey(
        "setup.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currency"),
        help_text=_("Blank means the base currency."),
    )
    minimum_quantity = models.DecimalField(
        _("minimum quantity"),
        max_digits=18,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0)],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    line_discount_percent = models.DecimalField(
        _("line discount %"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("campaign price line")
        verbose_name_plural = _("campaign price lines")
        ordering = ["campaign", "item_code", "minimum_quantity", "id"]
        indexes = [
            # CMP-30: candidates for an item among a party's campaigns.
            models.Index(
                fields=["item_code", "campaign", "minimum_quantity"],
                name="campaignpriceline_lookup_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__isnull=False) | Q(line_discount_percent__isnull=False),
                name="campaignpriceline_price_or_discount_check",
                violation_error_message=_("Enter a unit price, a line discount %%, or both."),
            ),
            models.CheckConstraint(
                condition=Q(minimum_quantity__gte=0), name="campaignpriceline_min_qty_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="campaignpriceline_unit_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(line_discount_percent__isnull=True)
                | Q(line_discount_percent__gte=0, line_discount_percent__lte=100),
                name="campaignpriceline_discount_range",
            ),
            models.CheckConstraint(
                condition=~Q(item_code=""), name="campaignpriceline_item_code_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.item_code}"

    def clean(self) -> None:
        super().clean()
        self.item_code = (self.item_code or "").strip()
        self.unit_of_measure = (self.unit_of_measure or "").strip().upper()
