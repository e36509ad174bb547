"""Campaign reads: lists, the card, statistics (SPEC 10.4) and the price lookup (CMP-30)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactBusinessRelation
from setup.models import Currency, LinkType, MarketingSetup

from .models import (
    Campaign,
    CampaignEntry,
    CampaignPriceLine,
    CampaignTargetGroup,
    TargetKind,
)
from .references import interaction_entry_model, interaction_model, opportunity_entry_model

ZERO = Decimal(0)


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns with what the list shows (status, salesperson, activated flag)."""
    return Campaign.objects.select_related("status", "salesperson").annotate(
        is_activated=Exists(CampaignTargetGroup.objects.filter(campaign=OuterRef("pk"))),
        price_line_count=Subquery(
            CampaignPriceLine.objects.filter(campaign=OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(n=Count("pk"))
            .values("n")
        ),
    )


def campaign_get(*, pk: int) -> Campaign:
    return campaign_list().get(pk=pk)


def campaign_is_activated(*, campaign: Campaign) -> bool:
    """CMP-22."""
    return CampaignTargetGroup.objects.filter(campaign=campaign).exists()


def campaign_price_lines(*, campaign: Campaign) -> QuerySet[CampaignPriceLine]:
    return campaign.price_lines.select_related("currency").order_by(
        "item_code", "minimum_quantity", "id"
    )


def campaign_entry_list(*, campaign: Campaign) -> QuerySet[CampaignEntry]:
    """Entries with interaction count, cost and duration of their interactions having the
    same canceled state as the entry (6.1 derived)."""
    entries = campaign.entries.select_related("user", "salesperson").order_by("-entry_no")
    interactions = interaction_entry_model()
    if interactions is None:
        return entries.annotate(
            interaction_count=Value(0),
            interaction_cost=Value(ZERO, output_field=DecimalField()),
            interaction_duration=Value(ZERO, output_field=DecimalField()),
        )
    same = interactions._default_manager.filter(
        campaign_entry=OuterRef("pk"), is_canceled=OuterRef("is_canceled")
    ).order_by()

    def agg(expr, output):
        return Coalesce(
            Subquery(same.values("campaign_entry").annotate(v=expr).values("v")),
            Value(0 if output is None else ZERO, output_field=output),
        )

    return entries.annotate(
        interaction_count=agg(Count("pk"), None),
        interaction_cost=agg(Sum("cost"), DecimalField()),
        interaction_duration=agg(Sum("duration_min"), DecimalField()),
    )


def campaign_target_groups(*, campaign: Campaign) -> QuerySet[CampaignTargetGroup]:
    return campaign.target_groups.order_by("kind", "number", "id")


# --------------------------------------------------------------------------------------------
# Statistics (SPEC 10.4)
# --------------------------------------------------------------------------------------------


@dataclass
class CampaignStatistics:
    contacted: int = 0
    responded: int = 0
    cost: Decimal = ZERO
    duration_min: Decimal = ZERO
    opportunities: int = 0
    estimated_value: Decimal = ZERO
    calculated_current_value: Decimal = ZERO
    has_interactions: bool = False
    has_opportunities: bool = False
    response_rate: Decimal = field(init=False)
    avg_cost_per_response: Decimal = field(init=False)
    avg_duration_per_response: Decimal = field(init=False)

    def __post_init__(self) -> None:
        # 10.1: averages are 0 when their divisor is 0; percentages rounded to 0.1.
        self.response_rate = (
            (Decimal(self.responded) * 100 / self.contacted).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if self.contacted
            else Decimal("0.0")
        )
        self.avg_cost_per_response = (
            (self.cost / self.responded).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if self.responded
            else ZERO
        )
        self.avg_duration_per_response = (
            (self.duration_min / self.responded).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if self.responded
            else ZERO
        )


def campaign_statistics(
    *, campaign: Campaign, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> CampaignStatistics:
    """SPEC 10.4 with one aggregate query per source (interactions, opportunity entries)."""
    figures: dict = {}
    interactions = interaction_model()
    if interactions is not None:
        rows = interactions._default_manager.filter(
            campaign=campaign, is_canceled=False, is_postponed=False
        )
        if date_from:
            rows = rows.filter(date__gte=date_from)
        if date_to:
            rows = rows.filter(date__lte=date_to)
        figures.update(
            rows.aggregate(
                contacted=Count("pk", filter=Q(is_campaign_target=True)),
                responded=Count("pk", filter=Q(is_campaign_response=True)),
                cost=Coalesce(Sum("cost"), Value(ZERO), output_field=DecimalField()),
                duration_min=Coalesce(
                    Sum("duration_min"), Value(ZERO), output_field=DecimalField()
                ),
            )
        )
        figures["has_interactions"] = True
    entries = opportunity_entry_model()
    if entries is not None:
        rows = entries._default_manager.filter(campaign=campaign, is_active=True)
        if date_from:
            rows = rows.filter(estimated_close_date__gte=date_from)
        if date_to:
            rows = rows.filter(estimated_close_date__lte=date_to)
        figures.update(
            rows.aggregate(
                opportunities=Count("pk"),
                estimated_value=Coalesce(
                    Sum("estimated_value"), Value(ZERO), output_field=DecimalField()
                ),
                calculated_current_value=Coalesce(
                    Sum("calculated_current_value"), Value(ZERO), output_field=DecimalField()
                ),
            )
        )
        figures["has_opportunities"] = True
    return CampaignStatistics(**figures)


# --------------------------------------------------------------------------------------------
# Price lookup (CMP-30)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignPriceResult:
    unit_price: Decimal | None = None
    price_campaign_number: str = ""
    price_line_id: int | None = None
    line_discount_percent: Decimal | None = None
    discount_campaign_number: str = ""
    discount_line_id: int | None = None

    @property
    def price_message(self) -> str:
        return "" if self.unit_price is not None else _("no campaign price")

    @property
    def discount_message(self) -> str:
        return "" if self.line_discount_percent is not None else _("no campaign discount")


def _party_rows(*, customer_number: str | None, contact: Contact | None) -> Q | None:
    """Target rows matching the party (both kinds where the company has a customer link)."""
    if contact is not None:
        company_id = contact.company_id or contact.pk
        company_number = (
            contact.number
            if company_id == contact.pk
            else Contact.objects.filter(pk=company_id).values_list("number", flat=True).first()
        )
        external = (
            ContactBusinessRelation.objects.filter(
                contact_id=company_id, link_type=LinkType.CUSTOMER
            )
            .values_list("external_number", flat=True)
            .first()
        )
        condition = Q(kind=TargetKind.CONTACT, number=company_number)
        if external:
            condition |= Q(kind=TargetKind.CUSTOMER, number=external)
        return condition
    customer_number = (customer_number or "").strip().upper()
    if not customer_number:
        return None
    condition = Q(kind=TargetKind.CUSTOMER, number=customer_number)
    linked = Contact.objects.filter(
        business_relations__link_type=LinkType.CUSTOMER,
        business_relations__external_number=customer_number,
    ).values_list("number", flat=True)
    for number in linked:
        condition |= Q(kind=TargetKind.CONTACT, number=number)
    return condition


def campaign_price_lookup(
    *,
    customer_number: str | None = None,
    contact: Contact | None = None,
    item_code: str,
    on_date: dt.date,
    quantity: Decimal,
    currency: Currency | None = None,
    unit_of_measure: str = "",
) -> CampaignPriceResult:
    """CMP-30: the lowest campaign unit price and, separately, the highest line discount among
    the party's candidate lines. Ties: lowest campaign number, then lowest line id.

    A blank unit of measure on the line matches any unit (and a blank requested unit
    matches every line).
    """
    if quantity is None or Decimal(quantity) < 0:
        raise ValidationError({"quantity": _("The quantity must be 0 or more.")})
    party = _party_rows(customer_number=customer_number, contact=contact)
    if party is None:
        return CampaignPriceResult()
    base_currency_id = MarketingSetup.load().base_currency_id
    currency_id = currency.pk if currency is not None else base_currency_id
    currency_q = Q(currency_id=currency_id)
    if currency_id == base_currency_id:
        currency_q |= Q(currency__isnull=True)
    unit = (unit_of_measure or "").strip().upper()
    unit_q = Q() if not unit else Q(unit_of_measure="") | Q(unit_of_measure=unit)
    candidates = (
        CampaignPriceLine.objects.filter(
            currency_q,
            unit_q,
            Q(campaign__starting_date__isnull=True) | Q(campaign__starting_date__lte=on_date),
            Q(campaign__ending_date__isnull=True) | Q(campaign__ending_date__gte=on_date),
            item_code=(item_code or "").strip(),
            minimum_quantity__lte=quantity,
            campaign__in=CampaignTargetGroup.objects.filter(party).values("campaign_id"),
        )
        .annotate(campaign_number=F("campaign__number"))
        .values("pk", "campaign_number", "unit_price", "line_discount_percent")
    )
    price = (
        candidates.filter(unit_price__isnull=False)
        .order_by("unit_price", "campaign__number", "pk")
        .first()
    )
    discount = (
        candidates.filter(line_discount_percent__isnull=False)
        .order_by("-line_discount_percent", "campaign__number", "pk")
        .first()
    )
    return CampaignPriceResult(
        unit_price=price["unit_price"] if price else None,
        price_campaign_number=price["campaign_number"] if price else "",
        price_line_id=price["pk"] if price else None,
        line_discount_percent=discount["line_discount_percent"] if discount else None,
        discount_campaign_number=discount["campaign_number"] if discount else "",
        discount_line_id=discount["pk"] if discount else None,
    )


def campaign_prices_for_company(*, company: Contact, on_date: dt.date) -> QuerySet:
    """6.4: price lines of activated campaigns targeting the company, valid on ``on_date``."""
    party = _party_rows(customer_number=None, contact=company)
    return (
        CampaignPriceLine.objects.filter(
            Q(campaign__starting_date__isnull=True) | Q(campaign__starting_date__lte=on_date),
            Q(campaign__ending_date__isnull=True) | Q(campaign__ending_date__gte=on_date),
            campaign__in=CampaignTargetGroup.objects.filter(party).values("campaign_id"),
        )
        .select_related("campaign", "currency")
        .order_by("item_code", "campaign__number", "minimum_quantity", "id")
    )


def campaign_segments(*, campaign: Campaign) -> list:
    """Segments whose header has this campaign (empty until segments ship)."""
    from .references import segment_model

    model = segment_model()
    if model is None:
        return []
    return list(model._default_manager.filter(campaign=campaign).order_by("number")[:100])


def campaign_entries_for_export(*, campaign: Campaign):
    return campaign_entry_list(campaign=campaign).select_related("user", "salesperson")
