"""Reads of the opportunities area: lists, cards, pipeline board, forecast, statistics."""

import calendar
import datetime as dt
import operator
from decimal import Decimal
from functools import reduce

from django.apps import apps
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404

from contacts.models import Contact
from crm import caching
from crm.sql import Alias, table
from setup.models import Currency, MarketingSetup, Salesperson
from setup.services import salesperson_for_user

from .models import (
    OPEN_ENTRY,
    ActionTaken,
    Attendee,
    Opportunity,
    OpportunityEntry,
    OpportunityPipelineSummary,
    SalesCycle,
    SalesCycleStage,
    SalesQuote,
    SalesQuoteLine,
    Task,
    TaskType,
)

BOARD_CARDS_PER_STAGE = 25
# What a card shows (pipeline_board.html); the rest of the three rows is not read.
BOARD_CARD_FIELDS = (
    "stage",
    "estimated_value",
    "opportunity__number",
    "opportunity__description",
    "contact__name",
)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))


BASE_CURRENCY_CACHE = "base-currency"


def base_currency_code() -> str:
    """The code of the base currency set in the marketing setup (SPEC 3: money is in the base
    currency unless a currency field says otherwise), "" when unset. Cached (``crm.caching``):
    a page reads it from the cache, or with one query when a save of the setup or of a
    currency has just bumped it."""
    caching.invalidate_on_change(BASE_CURRENCY_CACHE, MarketingSetup, Currency)
    return caching.cached(
        BASE_CURRENCY_CACHE,
        "code",
        lambda: (
            MarketingSetup.objects.filter(singleton=True)
            .values_list("base_currency__code", flat=True)
            .first()
            or ""
        ),
    )


def stage_description(*, cycle: str = "sales_cycle", stage: str = "stage") -> Subquery:
    """The description of the stage ``stage`` of cycle ``cycle`` (outer column names), so a
    page shows stage names, not bare numbers, without a query per row."""
    return Subquery(
        SalesCycleStage.objects.filter(
            sales_cycle_id=OuterRef(cycle), stage=OuterRef(stage)
        ).values("description")[:1]
    )


def opportunity_campaign_choices(*, on_date: dt.date, keep_id: int | None = None) -> QuerySet:
    """OPP-5 lookup: activated campaigns (CMP-22: they have target rows) whose dates hold
    ``on_date`` (both dates set); ``keep_id`` (the current campaign) stays listed. Campaigns
    stand higher (STYLE 2): the models come from the foreign key, not an import."""
    campaign_model = Opportunity._meta.get_field("campaign").related_model
    target_model = campaign_model._meta.get_field("target_groups").related_model
    valid = Q(
        Exists(target_model.objects.filter(campaign=OuterRef("pk"))),
        starting_date__lte=on_date,
        ending_date__gte=on_date,
    )
    if keep_id is not None:
        valid |= Q(pk=keep_id)
    return campaign_model.objects.filter(valid).order_by("number", "id")


def opportunity_segment_choices() -> QuerySet:
    """Segments an opportunity may name (by number); read through the app registry."""
    return (
        apps.get_model("segments", "Segment")
        .objects.order_by("number")
        .only("number", "description", "campaign_id")
    )


def stage_labels(*, cycle: SalesCycle) -> dict[int, str]:
    """``{2: "2 · Proposal"}``: the stages of a cycle as pages name them."""
    return {
        stage: f"{stage} · {description}" if description else str(stage)
        for stage, description in SalesCycleStage.objects.filter(sales_cycle=cycle)
        .order_by("stage")
        .values_list("stage", "description")
    }


def _with_active_entry(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """Derived fields of SPEC 7.1 read from the active entry, in the same query."""
    return (
        queryset.annotate(active=FilteredRelation("entries", condition=Q(entries__is_active=True)))
        .annotate(
            current_stage=F("active__stage"),
            estimated_value=F("active__estimated_value"),
            calculated_current_value=F("active__calculated_current_value"),
            chances_percent=F("active__chances_percent"),
            completed_percent=F("active__completed_percent"),
            probability_percent=F("active__probability_percent"),
            estimated_close_date=F("active__estimated_close_date"),
        )
        .annotate(current_stage_description=stage_description(stage="current_stage"))
    )


# What a list row shows (opportunity_list.html): wide rows (a contact has 48 columns)
# are neither read nor instantiated.
LIST_FIELDS = (
    "number",
    "description",
    "status",
    "creation_date",
    "contact__name",
    "salesperson__code",
)
LIST_ENTRY_FIELDS = (
    "opportunity_id",
    "stage",
    "estimated_value",
    "calculated_current_value",
    "estimated_close_date",
)


def opportunity_list(*, user=None) -> QuerySet[Opportunity]:
    """List rows; the active entry comes in one prefetch for the page (``active_entries``),
    so the pager's COUNT runs on the opportunity table alone."""
    return (
        Opportunity.objects.select_related("salesperson", "contact")
        .only(*LIST_FIELDS)
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=OpportunityEntry.objects.filter(is_active=True)
                .only(*LIST_ENTRY_FIELDS)
                .annotate(stage_description=stage_description()),
                to_attr="active_entries",
            )
        )
        .order_by("-creation_date", "-id")
    )


def opportunity_get(*, pk: int, user=None) -> Opportunity:
    return get_object_or_404(
        _with_active_entry(
            Opportunity.objects.select_related(
                "salesperson", "contact", "sales_cycle", "quote", "campaign"
            )
        ),
        pk=pk,
    )


def sales_quote_get(*, pk: int, user=None) -> SalesQuote:
    """One quote with everything its printable page shows (one query)."""
    return get_object_or_404(
        SalesQuote.objects.select_related(
            "contact", "contact__company", "salesperson", "currency", "opportunity"
        ),
        pk=pk,
    )


def sales_quote_lines(*, quote: SalesQuote) -> QuerySet[SalesQuoteLine]:
    return SalesQuoteLine.objects.filter(quote=quote).order_by("line_no", "id")


def opportunity_entries(*, opportunity: Opportunity) -> QuerySet[OpportunityEntry]:
    return (
        OpportunityEntry.objects.filter(opportunity=opportunity)
        .select_related("salesperson", "close_code")
        .annotate(stage_description=stage_description())
        .order_by("entry_no")
    )


def opportunity_statistics(*, opportunity: Opportunity) -> dict:
    """SPEC 10.5 (interaction count waits for the interactions area's selector)."""
    entry = (
        OpportunityEntry.objects.filter(opportunity=opportunity, is_active=True)
        .annotate(stage_description=stage_description())
        .first()
    )
    return {
        "current_stage": entry.stage if entry else None,
        "current_stage_description": entry.stage_description if entry else "",
        "estimated_value": entry.estimated_value if entry else Decimal(0),
        "chances_percent": entry.chances_percent if entry else Decimal(0),
        "completed_percent": entry.completed_percent if entry else Decimal(0),
        "probability_percent": entry.probability_percent if entry else Decimal(0),
        "calculated_current_value": entry.calculated_current_value if entry else Decimal(0),
    }


def contact_opportunity_statistics(*, contact: Contact) -> dict:
    """SPEC 10.2 (O-19): active entries in contact scope (a company includes its persons)."""
    scope = Q(contact_company=contact) if contact.is_company else Q(contact=contact)
    return OpportunityEntry.objects.filter(scope, is_active=True).aggregate(
        count=Count("id"),
        estimated_value=Coalesce(Sum("estimated_value"), ZERO),
        calculated_current_value=Coalesce(Sum("calculated_current_value"), ZERO),
    )


def salesperson_opportunity_statistics(*, salesperson: Salesperson) -> dict:
    """SPEC 10.3: active entries of the salesperson."""
    return OpportunityEntry.objects.filter(salesperson=salesperson, is_active=True).aggregate(
        count=Count("id"),
        estimated_value=Coalesce(Sum("estimated_value"), ZERO),
        calculated_current_value=Coalesce(Sum("calculated_current_value"), ZERO),
    )


def _summed(queryset: QuerySet, field: str, output_field) -> Coalesce:
    """A correlated SUM of ``field`` over ``queryset`` (rows of the outer cycle), 0 if none."""
    total = queryset.values("sales_cycle").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=output_field), 0, output_field=output_field)


def sales_cycle_list() -> QuerySet[SalesCycle]:
    """Cycles with their stage count and open opportunities (SPEC 10.6, from the pipeline
    summary) in one query."""
    stages = SalesCycleStage.objects.filter(sales_cycle=OuterRef("pk")).annotate(one=Value(1))
    summary = OpportunityPipelineSummary.objects.filter(sales_cycle=OuterRef("pk"))
    return SalesCycle.objects.annotate(
        stage_count=_summed(stages, "one", BigIntegerField()),
        open_count=_summed(summary, "count", BigIntegerField()),
    ).order_by("code")


def sales_cycle_statistics(*, cycle: SalesCycle) -> dict:
    """SPEC 10.6: the cycle's open active entries (pipeline summary), and per stage figures
    (one query each)."""
    money = DecimalField(max_digits=20, decimal_places=2)
    totals = OpportunityPipelineSummary.objects.filter(sales_cycle=cycle).aggregate(
        count=Coalesce(Sum("count"), 0, output_field=BigIntegerField()),
        estimated_value=Coalesce(Sum("estimated_value"), ZERO, output_field=money),
        calculated_current_value=Coalesce(
            Sum("calculated_current_value"), ZERO, output_field=money
        ),
    )
    per_stage = {
        row["stage"]: row
        for row in OpportunityEntry.objects.filter(sales_cycle=cycle)
        .values("stage")
        .annotate(
            count=Count("id", filter=Q(is_active=True)),
            estimated_value=Coalesce(Sum("estimated_value", filter=Q(is_active=True)), ZERO),
            calculated_current_value=Coalesce(
                Sum("calculated_current_value", filter=Q(is_active=True)), ZERO
            ),
            days_sum=Coalesce(Sum("days_open", filter=Q(is_active=False)), 0),
            days_count=Count("id", filter=Q(is_active=False)),
        )
        .order_by("stage")
    }
    stages = []
    for stage in SalesCycleStage.objects.filter(sales_cycle=cycle).order_by("stage"):
        row = per_stage.get(stage.stage, {})
        days_count = row.get("days_count", 0)
        stages.append(
            {
                "stage": stage,
                "count": row.get("count", 0),
                "estimated_value": row.get("estimated_value", Decimal(0)),
                "calculated_current_value": row.get("calculated_current_value", Decimal(0)),
                "average_days": round(row.get("days_sum", 0) / days_count, 1) if days_count else 0,
            }
        )
    return {**totals, "stages": stages}


def _board_cards_sql() -> str:
    """Identifiers from ``crm.sql``; the won/lost literals repeat oppentry_board_idx's
    condition (constants from ``ActionTaken``, not parameters), so the partial index matches
    whatever the parameter binding."""
    s, e, top = (
        Alias(SalesCycleStage, "s"),
        Alias(OpportunityEntry, "e"),
        Alias(OpportunityEntry, "top"),
    )
    closed = ", ".join(f"'{kind.value}'" for kind in (ActionTaken.WON, ActionTaken.LOST))
    return f"""
    SELECT {top.id}
    FROM {table(SalesCycleStage)} AS s
    CROSS JOIN LATERAL (
        SELECT {e.id}
        FROM {table(OpportunityEntry)} AS e
        WHERE {e.sales_cycle} = {s.sales_cycle} AND {e.stage} = {s.stage} AND {e.is_active}
          AND NOT ({e.action_taken} IN ({closed}))
          AND (%s::bigint IS NULL OR {e.salesperson} = %s::bigint)
        ORDER BY {e.estimated_value} DESC, {e.id} DESC
        LIMIT %s
    ) AS top
    WHERE {s.sales_cycle} = %s
"""  # noqa: S608 (identifiers from crm.sql, values bound)


def _board_card_ids(*, cycle: SalesCycle, salesperson: Salesperson | None) -> RawSQL:
    """Top cards of every stage: one ordered index range scan per stage (oppentry_board_idx,
    LIMIT stops after the cards) in one statement (LATERAL), instead of ranking every open
    entry of the cycle; used as a subquery of the cards' query."""
    salesperson_id = salesperson.pk if salesperson else None
    return RawSQL(  # noqa: S611 - identifiers from crm.sql, values bound as parameters
        _board_cards_sql(), (salesperson_id, salesperson_id, BOARD_CARDS_PER_STAGE, cycle.pk)
    )


def pipeline_board_cycles() -> QuerySet[SalesCycle]:
    """The cycles the board offers, those with open opportunities first (``has_open``)."""
    return SalesCycle.objects.annotate(
        has_open=Exists(
            OpportunityPipelineSummary.objects.filter(sales_cycle=OuterRef("pk"), count__gt=0)
        )
    ).order_by("-has_open", "is_blocked", "code", "id")


def pipeline_board_cycle(*, chosen: str | None) -> SalesCycle | None:
    """The cycle a board shows: the one chosen (a malformed or unknown id is a 404), else the
    first unblocked cycle that has open opportunities, else the first unblocked cycle."""
    if chosen:
        try:
            pk = int(chosen)
        except (TypeError, ValueError):
            raise Http404("malformed sales cycle id") from None
        return get_object_or_404(SalesCycle, pk=pk)
    return pipeline_board_cycles().filter(is_blocked=False).first()


def pipeline_board(*, cycle: SalesCycle, salesperson: Salesperson | None = None) -> list[dict]:
    """Columns by stage of a cycle: totals (from the pipeline summary) and the top cards of
    each (3 queries)."""
    summary = OpportunityPipelineSummary.objects.filter(sales_cycle=cycle, count__gt=0)
    if salesperson is not None:
        summary = summary.filter(salesperson=salesperson)
    totals = {
        row["stage"]: row
        for row in summary.values("stage")
        .annotate(
            total=Sum("count"),
            estimated_value=Sum("estimated_value"),
            calculated_current_value=Sum("calculated_current_value"),
        )
        .order_by()
    }
    stages = list(SalesCycleStage.objects.filter(sales_cycle=cycle).order_by("stage"))
    cards: dict[int, list[OpportunityEntry]] = {}
    if stages:
        ranked = (
            OpportunityEntry.objects.filter(
                pk__in=_board_card_ids(cycle=cycle, salesperson=salesperson)
            )
            .select_related("opportunity", "contact")
            .only(*BOARD_CARD_FIELDS)
            .order_by("stage", "-estimated_value", "-id")
        )
    else:
        ranked = []
    for entry in ranked:
        cards.setdefault(entry.stage, []).append(entry)
    return [
        {
            "stage": stage,
            "count": totals.get(stage.stage, {}).get("total", 0),
            "estimated_value": totals.get(stage.stage, {}).get("estimated_value") or 0,
            "calculated_current_value": totals.get(stage.stage, {}).get("calculated_current_value")
            or 0,
            "cards": cards.get(stage.stage, []),
        }
        for stage in stages
    ]


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def forecast_by_month(
    *,
    cycle: SalesCycle | None = None,
    salesperson: Salesperson | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict]:
    """Weighted forecast: open active entries by expected close month (one query).

    Whole months come from the pipeline summary; a month the date range cuts (``date_from``
    after the 1st, ``date_to`` before the month's end) is aggregated from its entries, in the
    same statement (UNION ALL)."""
    if date_from is not None and date_to is not None and date_from > date_to:
        return []
    summary = OpportunityPipelineSummary.objects.filter(count__gt=0, close_month__isnull=False)
    entries = OpportunityEntry.objects.filter(OPEN_ENTRY, estimated_close_date__isnull=False)
    if cycle is not None:
        summary = summary.filter(sales_cycle=cycle)
        entries = entries.filter(sales_cycle=cycle)
    if salesperson is not None:
        summary = summary.filter(salesperson=salesperson)
        entries = entries.filter(salesperson=salesperson)
    cut: list[Q] = []  # the cut months, read from their entries
    if date_from is not None:
        summary = summary.filter(close_month__gte=date_from)
        if date_from.day != 1:
            end = min(_month_end(date_from), date_to or dt.date.max)
            cut.append(Q(estimated_close_date__gte=date_from, estimated_close_date__lte=end))
    if date_to is not None:
        if date_to == _month_end(date_to):
            summary = summary.filter(close_month__lte=date_to)
        else:
            start = date_to.replace(day=1)
            summary = summary.filter(close_month__lt=start)
            if date_from is None or date_from < start:
                cut.append(Q(estimated_close_date__gte=start, estimated_close_date__lte=date_to))
    money = DecimalField(max_digits=20, decimal_places=2)
    rows = (
        summary.annotate(month=F("close_month"))
        .values("month")
        .annotate(
            count=Cast(Sum("count"), BigIntegerField()),
            estimated_value=Sum("estimated_value", output_field=money),
            weighted_value=Sum("calculated_current_value", output_field=money),
        )
        .order_by()
    )
    if cut:
        rows = rows.union(
            entries.filter(reduce(operator.or_, cut))
            .annotate(month=Cast(TruncMonth("estimated_close_date"), DateField()))
            .values("month")
            .annotate(
                count=Count("id"),
                estimated_value=Sum("estimated_value", output_field=money),
                weighted_value=Sum("calculated_current_value", output_field=money),
            )
            .order_by(),
            all=True,
        )
    return list(rows.order_by("month"))


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


def task_list(*, user=None) -> QuerySet[Task]:
    return Task.objects.select_related("salesperson", "team", "contact", "opportunity").order_by(
        "date", "start_time", "id"
    )


def task_get(*, pk: int, user=None) -> Task:
    return get_object_or_404(task_list(user=user), pk=pk)


def my_tasks(*, user) -> QuerySet[Task]:
    """Open tasks of the user's salesperson, plus meetings it attends (TSK-21)."""
    salesperson = salesperson_for_user(user)
    if salesperson is None:
        return Task.objects.none()
    return (
        task_list(user=user)
        .filter(is_closed=False)
        .filter(
            Q(salesperson=salesperson)
            | Q(pk__in=Subquery(Attendee.objects.filter(salesperson=salesperson).values("task_id")))
        )
    )


def task_month(
    *, year: int, month: int, salesperson: Salesperson | None = None, mine: bool = False
) -> dict:
    """Calendar grid of a month: weeks of days, each with its tasks (one query).

    ``mine``: every task ``salesperson`` owns, its member copies of team tasks included, and
    the meetings it attends (SPEC 8, TSK-21); nothing without a salesperson. Otherwise every
    task once (team tasks without their member copies)."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    queryset = task_list().filter(date__gte=first, date__lte=last)
    if mine:
        if salesperson is None:
            queryset = queryset.none()
        else:
            attended = Attendee.objects.filter(salesperson=salesperson).values("task_id")
            queryset = queryset.filter(Q(salesperson=salesperson) | Q(pk__in=Subquery(attended)))
    else:
        queryset = queryset.filter(team_task__isnull=True)
    by_day: dict[dt.date, list[Task]] = {}
    for task in queryset:
        by_day.setdefault(task.date, []).append(task)
    weeks = [
        [(day, by_day.get(day, []) if day.month == month else []) for day in week]
        for week in calendar.Calendar().monthdatescalendar(year, month)
    ]
    return {"first": first, "weeks": weeks}


def contact_next_task_date(*, contact: Contact) -> dt.date | None:
    """TSK-12: earliest open task of the contact (a company: its persons too) or meeting it
    attends."""
    scope = Q(contact_company=contact) if contact.is_company else Q(contact=contact)
    attendee_scope = (
        Q(attendees__contact__company=contact)
        if contact.is_company
        else Q(attendees__contact=contact)
    )
    return Task.objects.filter(
        scope | (attendee_scope & Q(type=TaskType.MEETING)), is_closed=False
    ).aggregate(d=Min("date"))["d"]
