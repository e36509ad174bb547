"""Reads of the reports app: statistics (SPEC 10), the dashboard and the report rows (10.9).

Every figure comes from the owning area's selector where one exists; what is composed here
is one SQL aggregate per figure group, so each page costs a fixed number of queries.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import campaign_entry_list, campaign_statistics
from contacts.models import Contact
from contacts.selectors import contact_statistics as contact_segmentation_statistics
from interactions.models import InteractionLogEntry
from interactions.selectors import (
    COUNTED,
    contact_interaction_statistics,
    interaction_statistics_by,
)
from opportunities.models import (
    ActivityStep,
    Opportunity,
    OpportunityEntry,
    OpportunityPipelineSummary,
    SalesCycle,
    SalesCycleStage,
    Task,
)
from opportunities.selectors import (
    contact_next_task_date,
    contact_opportunity_statistics,
    forecast_by_month,
    my_tasks,
    sales_cycle_statistics,
)
from segments.models import Segment, SegmentLine
from segments.selectors import segment_list
from setup.models import MarketingSetup, Salesperson, Team
from setup.services import salesperson_for_user

ZERO = Decimal(0)
OPEN_ACTIVE = Q(is_active=True) & ~Q(action_taken__in=["won", "lost"])
DASHBOARD_ROWS = 8
DASHBOARD_WEEKS = 12
DASHBOARD_MONTHS = 12


def _avg(total, count) -> Decimal:
    return (Decimal(total) / count).quantize(Decimal("0.01")) if count else ZERO


# --------------------------------------------------------------------------------------------
# 10.2 Contact
# --------------------------------------------------------------------------------------------


def contact_statistics(*, contact: Contact) -> dict:
    """SPEC 10.2: the card panel, composed from the interactions, opportunities and tasks
    selectors plus the contacts segmentation counts (CON-40). Five queries."""
    figures = contact_segmentation_statistics(contact=contact)
    interactions = contact_interaction_statistics(contact=contact)
    opportunities = contact_opportunity_statistics(contact=contact)
    scope = Q(contact_company=contact) if contact.is_company else Q(contact=contact)
    figures.update(
        interactions=interactions["count"],
        cost=interactions["cost"],
        duration_min=interactions["duration"],
        last_date_attempted=interactions["last_date_attempted"],
        last_interaction_date=interactions["last_interaction_date"],
        opportunities=opportunities["count"],
        estimated_value=opportunities["estimated_value"],
        calculated_current_value=opportunities["calculated_current_value"],
        next_task_date=contact_next_task_date(contact=contact),
        tasks=Task.objects.filter(scope, is_closed=False, is_canceled=False).count(),
    )
    return figures


# --------------------------------------------------------------------------------------------
# 10.3 Salesperson and team
# --------------------------------------------------------------------------------------------


def _date_q(field: str, date_from, date_to) -> Q:
    q = Q()
    if date_from:
        q &= Q(**{f"{field}__gte": date_from})
    if date_to:
        q &= Q(**{f"{field}__lte": date_to})
    return q


def salesperson_statistics(*, date_from=None, date_to=None) -> list[dict]:
    """SPEC 10.3, one row per salesperson: four GROUP BY queries whatever the count."""
    interactions = {
        row["salesperson__pk"]: row
        for row in interaction_statistics_by(
            dimension="salesperson", date_from=date_from, date_to=date_to
        )
    }
    opportunities = {
        row["salesperson"]: row
        for row in OpportunityEntry.objects.filter(
            _date_q("estimated_close_date", date_from, date_to), is_active=True
        )
        .values("salesperson")
        .annotate(
            count=Count("id"),
            estimated_value=Coalesce(Sum("estimated_value"), ZERO),
            calculated_current_value=Coalesce(Sum("calculated_current_value"), ZERO),
        )
        .order_by()
    }
    next_tasks = dict(
        Task.objects.filter(_date_q("date", date_from, date_to), is_closed=False, is_canceled=False)
        .exclude(salesperson=None)
        .values("salesperson")
        .annotate(next_date=Min("date"))
        .values_list("salesperson", "next_date")
        .order_by()
    )
    rows = []
    for salesperson in Salesperson.objects.order_by("code"):
        i = interactions.get(salesperson.pk, {})
        o = opportunities.get(salesperson.pk, {})
        count, opp_count = i.get("count", 0), o.get("count", 0)
        rows.append(
            {
                "salesperson": salesperson,
                "next_task_date": next_tasks.get(salesperson.pk),
                "interactions": count,
                "cost": i.get("cost", ZERO),
                "duration": i.get("duration", ZERO),
                "avg_cost": _avg(i.get("cost", 0), count),
                "avg_duration": _avg(i.get("duration", 0), count),
                "opportunities": opp_count,
                "estimated_value": o.get("estimated_value", ZERO),
                "calculated_current_value": o.get("calculated_current_value", ZERO),
                "avg_estimated_value": _avg(o.get("estimated_value", 0), opp_count),
                "avg_calculated_current_value": _avg(
                    o.get("calculated_current_value", 0), opp_count
                ),
            }
        )
    return rows


def team_statistics(*, date_from=None, date_to=None) -> list[dict]:
    """SPEC 10.3: next task date and open tasks per team (two queries)."""
    figures = {
        row["team"]: row
        for row in Task.objects.filter(
            _date_q("date", date_from, date_to),
            is_closed=False,
            is_canceled=False,
            team__isnull=False,
            team_task__isnull=True,
        )
        .values("team")
        .annotate(next_date=Min("date"), open_tasks=Count("id"))
        .order_by()
    }
    return [
        {
            "team": team,
            "next_task_date": figures.get(team.pk, {}).get("next_date"),
            "open_tasks": figures.get(team.pk, {}).get("open_tasks", 0),
        }
        for team in Team.objects.order_by("code")
    ]


# --------------------------------------------------------------------------------------------
# 10.7 Interaction group and template
# --------------------------------------------------------------------------------------------


def interaction_dimension_statistics(*, dimension: str, date_from=None, date_to=None) -> list:
    """SPEC 10.7: count, cost, duration of counted interactions per group or template."""
    rows = interaction_statistics_by(dimension=dimension, date_from=date_from, date_to=date_to)
    for row in rows:
        row["code"] = row.get(f"{dimension}__code") or ""
        row["avg_cost"] = _avg(row["cost"], row["count"])
        row["avg_duration"] = _avg(row["duration"], row["count"])
    return rows


# --------------------------------------------------------------------------------------------
# Home dashboard
# --------------------------------------------------------------------------------------------


def _default_cycle() -> SalesCycle | None:
    setup = MarketingSetup.load()
    if setup.default_sales_cycle_id:
        return SalesCycle.objects.filter(pk=setup.default_sales_cycle_id).first()
    return SalesCycle.objects.order_by("code").first()


def pipeline_by_stage(*, cycle: SalesCycle | None) -> list[dict]:
    """Open active entries of a cycle per stage, read from the pipeline summary the
    opportunity-entry triggers keep exact (a few hundred rows, not every open entry)."""
    if cycle is None:
        return []
    money = DecimalField(max_digits=20, decimal_places=2)
    return list(
        OpportunityPipelineSummary.objects.filter(sales_cycle=cycle, count__gt=0)
        .values("stage")
        .annotate(
            count=Cast(Sum("count"), BigIntegerField()),
            estimated_value=Coalesce(Sum("estimated_value"), ZERO, output_field=money),
            calculated_current_value=Coalesce(
                Sum("calculated_current_value"), ZERO, output_field=money
            ),
        )
        .order_by("stage")
    )


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def interactions_per_week(*, weeks: int = DASHBOARD_WEEKS, salesperson=None) -> list[dict]:
    """Counted interactions per ISO week over the last ``weeks`` weeks: one GROUP BY, with
    empty weeks filled in."""
    today = timezone.localdate()
    first = today - dt.timedelta(days=today.weekday(), weeks=weeks - 1)
    queryset = InteractionLogEntry.objects.filter(COUNTED, date__gte=first, date__lte=today)
    if salesperson is not None:
        queryset = queryset.filter(salesperson=salesperson)
    counts = {
        row["week"]: row["count"]
        for row in queryset.annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(count=Count("id"))
        .order_by()
    }
    return [
        {"week": week, "count": counts.get(week, 0)}
        for week in (first + dt.timedelta(weeks=i) for i in range(weeks))
    ]


def dashboard(*, user) -> dict:
    """The home page's data (fixed number of queries whatever the table sizes)."""
    salesperson = salesperson_for_user(user)
    today = timezone.localdate()
    cycle = _default_cycle()
    data: dict = {
        "salesperson": salesperson,
        "cycle": cycle,
        "pipeline": pipeline_by_stage(cycle=cycle),
        # Whole months only, so the forecast reads the pipeline summary alone (no cut month
        # aggregated from the entries).
        "forecast": forecast_by_month(
            date_from=today.replace(day=1),
            date_to=_month_end(_add_months(today, DASHBOARD_MONTHS - 1)),
        ),
        "interactions_per_week": interactions_per_week(),
        "my_tasks": [],
        "my_opportunities": [],
    }
    if salesperson is not None:
        data["my_tasks"] = list(my_tasks(user=user)[:DASHBOARD_ROWS])
        data["my_opportunities"] = list(
            OpportunityEntry.objects.filter(OPEN_ACTIVE, salesperson=salesperson)
            .select_related("opportunity", "contact")
            .order_by("estimated_close_date", "id")[:DASHBOARD_ROWS]
        )
    if user.has_perm("segments.view_segment"):
        data["segments"] = list(
            Segment.objects.select_related("salesperson")
            .annotate(
                line_count=Coalesce(
                    Subquery(
                        SegmentLine.objects.filter(segment=OuterRef("pk"))
                        .order_by()
                        .values("segment")
                        .annotate(n=Count("*"))
                        .values("n")[:1]
                    ),
                    0,
                )
            )
            .order_by("-date", "-id")[:DASHBOARD_ROWS]
        )
    if user.has_perm("campaigns.view_campaign"):
        counted = InteractionLogEntry.objects.filter(COUNTED, campaign=OuterRef("pk"))
        data["campaigns"] = list(
            Campaign.objects.select_related("status")
            .filter(Q(ending_date__isnull=True) | Q(ending_date__gte=today))
            .annotate(
                contacted=Coalesce(
                    Subquery(
                        counted.filter(is_campaign_target=True)
                        .order_by()
                        .values("campaign")
                        .annotate(n=Count("*"))
                        .values("n")[:1]
                    ),
                    0,
                ),
                responded=Coalesce(
                    Subquery(
                        counted.filter(is_campaign_response=True)
                        .order_by()
                        .values("campaign")
                        .annotate(n=Count("*"))
                        .values("n")[:1]
                    ),
                    0,
                ),
            )
            .order_by("-starting_date", "-id")[:DASHBOARD_ROWS]
        )
    return data


# --------------------------------------------------------------------------------------------
# Report rows (SPEC 10.9): querysets the views page through, and CSV streams entirely
# --------------------------------------------------------------------------------------------


def report_contact_list(*, filters: dict) -> QuerySet[Contact]:
    """Contact list: counts of open opportunities and open tasks as correlated subqueries."""
    open_opps = (
        Opportunity.objects.filter(contact=OuterRef("pk"), is_closed=False)
        .order_by()
        .values("contact")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    open_tasks = (
        Task.objects.filter(contact=OuterRef("pk"), is_closed=False, is_canceled=False)
        .order_by()
        .values("contact")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    queryset = Contact.objects.select_related("salesperson").annotate(
        open_opportunities=Coalesce(Subquery(open_opps), 0),
        open_tasks=Coalesce(Subquery(open_tasks), 0),
    )
    if filters.get("type"):
        queryset = queryset.filter(type=filters["type"])
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("search"):
        queryset = queryset.filter(search_name__contains=filters["search"].upper())
    return queryset.order_by("number", "id")


def report_salesperson_tasks(*, filters: dict) -> QuerySet[Task]:
    queryset = Task.objects.select_related("salesperson", "contact", "team").filter(
        _date_q("date", filters.get("date_from"), filters.get("date_to")),
        team_task__isnull=True,
    )
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("open_only"):
        queryset = queryset.filter(is_closed=False, is_canceled=False)
    return queryset.order_by("salesperson__code", "date", "id")


def report_team_tasks(*, filters: dict) -> QuerySet[Task]:
    queryset = Task.objects.select_related("team", "salesperson", "contact").filter(
        _date_q("date", filters.get("date_from"), filters.get("date_to")),
        team__isnull=False,
        team_task__isnull=True,
    )
    if filters.get("open_only"):
        queryset = queryset.filter(is_closed=False, is_canceled=False)
    return queryset.order_by("team__code", "date", "id")


def report_opportunities(*, filters: dict) -> QuerySet[OpportunityEntry]:
    """Active entries (one per started opportunity) with their opportunity."""
    queryset = OpportunityEntry.objects.filter(
        _date_q("estimated_close_date", filters.get("date_from"), filters.get("date_to")),
        is_active=True,
    ).select_related("opportunity", "salesperson", "contact", "sales_cycle", "campaign")
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("open_only"):
        queryset = queryset.filter(OPEN_ACTIVE)
    return queryset.order_by("salesperson__code", "estimated_close_date", "id")


def report_sales_cycle_analysis(*, filters: dict) -> list[dict]:
    """R-3: per cycle and stage the counts, values and average days of SPEC 10.6."""
    cycles = SalesCycle.objects.order_by("code")
    if filters.get("sales_cycle"):
        cycles = cycles.filter(pk=filters["sales_cycle"].pk)
    return [{"cycle": cycle, **sales_cycle_statistics(cycle=cycle)} for cycle in cycles[:50]]


def report_campaign_details(*, campaign: Campaign, filters: dict) -> dict:
    """R-2: the campaign's statistics (SPEC 10.4) and its entries."""
    return {
        "campaign": campaign,
        "statistics": campaign_statistics(
            campaign=campaign, date_from=filters.get("date_from"), date_to=filters.get("date_to")
        ),
        "entries": campaign_entry_list(campaign=campaign),
    }


def report_segment_contacts(*, segment: Segment) -> QuerySet[SegmentLine]:
    return (
        SegmentLine.objects.filter(segment=segment)
        .select_related("contact", "contact_company", "salesperson")
        .order_by("line_no", "id")
    )


def last_interaction_dates(*, contact_ids: list[int]) -> dict[int, dt.date]:
    return dict(
        InteractionLogEntry.objects.filter(contact_id__in=contact_ids, is_postponed=False)
        .values("contact_id")
        .annotate(last=Max("date"))
        .values_list("contact_id", "last")
        .order_by()
    )


# --------------------------------------------------------------------------------------------
# Company and person summaries (SPEC 10.9): one section per contact
# --------------------------------------------------------------------------------------------

SUMMARY_CHUNK = 200  # contacts per round of three queries (contacts, interactions, tasks)


def report_summary_contacts(*, filters: dict, contact_type: str) -> QuerySet[Contact]:
    queryset = Contact.objects.filter(type=contact_type).select_related("country")
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("search"):
        queryset = queryset.filter(search_name__contains=filters["search"].upper())
    return queryset.order_by("number", "id")


def _chunked(queryset: QuerySet, size: int):
    iterator = queryset.iterator(chunk_size=size)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def report_contact_summaries(
    *, filters: dict, contact_type: str, contacts: list[Contact] | None = None
):
    """Yield ``(contact, interactions, open_tasks)`` per contact of the type. A company's
    scope is its ``contact_company`` rows (itself and its persons), a person's its own rows
    (SPEC 10.1). Interactions are the non-postponed ones in the date range (canceled shown as
    such). Three queries per chunk of ``SUMMARY_CHUNK`` contacts; ``contacts`` (one HTML page,
    from ``report_summary_contacts``) is read as a single chunk."""
    is_company = contact_type == "company"
    scope_field = "contact_company_id" if is_company else "contact_id"
    if contacts is None:
        chunks = _chunked(
            report_summary_contacts(filters=filters, contact_type=contact_type), SUMMARY_CHUNK
        )
    else:
        chunks = [contacts] if contacts else []
    for chunk in chunks:
        ids = [c.pk for c in chunk]
        interactions: dict[int, list] = {}
        for entry in (
            InteractionLogEntry.objects.filter(
                _date_q("date", filters.get("date_from"), filters.get("date_to")),
                **{f"{scope_field}__in": ids},
                is_postponed=False,
            )
            .select_related("template")
            .only(
                "id",
                "date",
                "description",
                "is_canceled",
                "contact_id",
                "contact_company_id",
                "template__code",
            )
            .order_by("date", "id")
        ):
            interactions.setdefault(getattr(entry, scope_field), []).append(entry)
        tasks: dict[int, list] = {}
        for task in (
            Task.objects.filter(
                **{f"{scope_field}__in": ids},
                is_closed=False,
                is_canceled=False,
                team_task__isnull=True,
            )
            .select_related("salesperson")
            .order_by("date", "id")
        ):
            tasks.setdefault(getattr(task, scope_field), []).append(task)
        for contact in chunk:
            yield contact, interactions.get(contact.pk, []), tasks.get(contact.pk, [])


# --------------------------------------------------------------------------------------------
# Opportunity details (SPEC 10.9): entries, tasks, planned tasks of the following stages
# --------------------------------------------------------------------------------------------

DETAILS_CHUNK = 200


def report_detail_opportunities(*, filters: dict) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.select_related("sales_cycle", "contact", "salesperson")
    if filters.get("opportunity"):
        queryset = queryset.filter(pk=filters["opportunity"].pk)
    if filters.get("search"):
        term = filters["search"]
        queryset = queryset.filter(Q(number__icontains=term) | Q(description__icontains=term))
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("open_only"):
        queryset = queryset.filter(is_closed=False)
    return queryset.order_by("number", "id")


def report_opportunity_details(*, filters: dict, opportunities: list[Opportunity] | None = None):
    """Yield ``(opportunity, entries, tasks, planned)`` per opportunity: its entries in
    order (stage history), its tasks, and the steps of the activities of the stages after the
    active entry's stage (the tasks those stages will plan). Four queries per chunk of
    ``DETAILS_CHUNK``; ``opportunities`` (one HTML page) is read as a single chunk."""
    if opportunities is None:
        chunks = _chunked(report_detail_opportunities(filters=filters), DETAILS_CHUNK)
    else:
        chunks = [opportunities] if opportunities else []
    for chunk in chunks:
        ids = [o.pk for o in chunk]
        entries: dict[int, list] = {}
        for entry in (
            OpportunityEntry.objects.filter(opportunity_id__in=ids)
            .select_related("salesperson", "close_code")
            .order_by("entry_no", "id")
        ):
            entries.setdefault(entry.opportunity_id, []).append(entry)
        tasks: dict[int, list] = {}
        for task in (
            Task.objects.filter(opportunity_id__in=ids, team_task__isnull=True)
            .select_related("salesperson")
            .order_by("date", "id")
        ):
            tasks.setdefault(task.opportunity_id, []).append(task)
        stages: dict[int, list] = {}
        for stage in (
            SalesCycleStage.objects.filter(
                sales_cycle_id__in={o.sales_cycle_id for o in chunk}, activity__isnull=False
            )
            .select_related("activity")
            .prefetch_related(
                Prefetch("activity__steps", queryset=ActivityStep.objects.order_by("step_no"))
            )
            .order_by("stage")
        ):
            stages.setdefault(stage.sales_cycle_id, []).append(stage)
        for opportunity in chunk:
            own = entries.get(opportunity.pk, [])
            active = next((e for e in own if e.is_active), None)
            current = active.stage if active else 0
            closed = opportunity.is_closed
            planned = [
                (stage, step)
                for stage in stages.get(opportunity.sales_cycle_id, [])
                if not closed and stage.stage > current
                for step in stage.activity.steps.all()
            ]
            yield opportunity, own, tasks.get(opportunity.pk, []), planned


# --------------------------------------------------------------------------------------------
# Segment statistics (SPEC 5.1 derived figures)
# --------------------------------------------------------------------------------------------


def _line_sum(field: str) -> Coalesce:
    money = DecimalField(max_digits=20, decimal_places=2)
    total = (
        SegmentLine.objects.filter(segment=OuterRef("pk"))
        .order_by()
        .values("segment")
        .annotate(total=Sum(field))
        .values("total")[:1]
    )
    return Coalesce(Subquery(total, output_field=money), ZERO, output_field=money)


def segment_statistics(*, filters: dict) -> QuerySet[Segment]:
    """Segments with line count, total cost, total duration and criteria action count
    (SPEC 5.1 derived), one statement: the counts from the segments area's list selector,
    the sums as correlated subqueries on the (segment, …) line index."""
    queryset = segment_list().annotate(
        total_cost=_line_sum("cost"), total_duration=_line_sum("duration_min")
    )
    if filters.get("search"):
        term = filters["search"]
        queryset = queryset.filter(Q(number__icontains=term) | Q(description__icontains=term))
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("date_from"):
        queryset = queryset.filter(date__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(date__lte=filters["date_to"])
    return queryset.order_by("-date", "-number", "-id")


def report_label_contacts(*, filters: dict) -> QuerySet[Contact]:
    """Contacts of the contact labels report (the label fields are chosen by ``labels``)."""
    queryset = Contact.objects.all()
    if filters.get("type"):
        queryset = queryset.filter(type=filters["type"])
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    if filters.get("search"):
        queryset = queryset.filter(search_name__contains=filters["search"].upper())
    return queryset.order_by("number", "id")
