"""Analysis pages (SPEC 10.8): opportunity and task figures by a row dimension × periods.

Each page is one SQL statement — ``GROUP BY <dimension>, date_trunc(<period>, <date>)`` —
plus one query for the labels of the row keys it returned. The pivot (filling empty periods,
row and column totals, averages) runs in Python over that aggregate result only, whose size
is rows × periods, never over the entries or tasks themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from contacts.models import Contact
from opportunities.models import OpportunityEntry, Task
from setup.models import Salesperson, Team

ZERO = Decimal(0)
MAX_PERIODS = 120  # columns of one page; more is refused with a message

PERIODS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
}

OPPORTUNITY_MEASURES = {
    "count": gettext_lazy("No. of opportunities"),
    "estimated_value": gettext_lazy("Estimated value"),
    "calculated_current_value": gettext_lazy("Calculated current value"),
    "avg_estimated_value": gettext_lazy("Avg. estimated value"),
    "avg_calculated_current_value": gettext_lazy("Avg. calculated current value"),
}

# Row dimension -> (FK column on the analysed table, model of the key, label).
DIMENSIONS = {
    "salesperson": ("salesperson_id", Salesperson, gettext_lazy("Salesperson")),
    "team": ("team_id", Team, gettext_lazy("Team")),
    "campaign": ("campaign_id", Campaign, gettext_lazy("Campaign")),
    "contact": ("contact_id", Contact, gettext_lazy("Contact")),
}
OPPORTUNITY_DIMENSIONS = ["salesperson", "campaign", "contact"]
TASK_DIMENSIONS = ["salesperson", "team", "campaign", "contact"]


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def next_period(start: dt.date, period: str) -> dt.date:
    if period == "day":
        return start + dt.timedelta(days=1)
    if period == "week":
        return start + dt.timedelta(weeks=1)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def periods_between(date_from: dt.date, date_to: dt.date, period: str) -> list[dt.date]:
    starts, current = [], period_start(date_from, period)
    while current <= date_to and len(starts) <= MAX_PERIODS:
        starts.append(current)
        current = next_period(current, period)
    return starts


def period_label(start: dt.date, period: str) -> str:
    if period == "day":
        return formats.date_format(start, "SHORT_DATE_FORMAT")
    if period == "week":
        year, week, _day = start.isocalendar()
        return _("W%(week)02d %(year)s") % {"week": week, "year": year}
    if period == "month":
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if period == "quarter":
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    return str(start.year)


def default_range(period: str) -> tuple[dt.date, dt.date]:
    """The current year, or for days the current month."""
    today = timezone.localdate()
    if period == "day":
        first = today.replace(day=1)
        return first, next_period(first, "month") - dt.timedelta(days=1)
    return today.replace(month=1, day=1), today.replace(month=12, day=31)


@dataclass
class Pivot:
    dimension: str
    period: str
    periods: list[dt.date]
    rows: list[dict] = field(default_factory=list)  # {"key", "label", "cells", "total"}
    totals: list = field(default_factory=list)
    grand_total: object = 0
    too_many_periods: bool = False

    @property
    def period_labels(self) -> list[str]:
        return [period_label(p, self.period) for p in self.periods]


def _labels(dimension: str, keys) -> dict:
    _column, model, _label = DIMENSIONS[dimension]
    keys = [k for k in keys if k is not None]
    if model is Contact:
        objects = model.objects.filter(pk__in=keys).only("id", "number", "name")
        return {o.pk: f"{o.number} {o.name}".strip() for o in objects}
    if model is Campaign:
        objects = model.objects.filter(pk__in=keys).only("id", "number", "description")
        return {o.pk: f"{o.number} {o.description}".strip() for o in objects}
    return {o.pk: str(o) for o in model.objects.filter(pk__in=keys)}


def _pivot(*, aggregate: QuerySet, dimension, period, periods, value) -> Pivot:
    """Pivot ``aggregate`` rows {key, period, count, …} into rows × ``periods``; ``value``
    maps a list of cell dicts (one or more) to the shown figure."""
    pivot = Pivot(dimension=dimension, period=period, periods=periods)
    cells: dict = {}
    for row in aggregate:
        cells.setdefault(row["key"], {})[row["period"]] = row
    labels = _labels(dimension, cells)
    none = _("(none)")
    ordered = sorted(cells, key=lambda k: (k is None, labels.get(k, none), k or 0))
    for key in ordered:
        by_period = cells[key]
        pivot.rows.append(
            {
                "key": key,
                "label": labels.get(key, none) if key is not None else none,
                "cells": [value([by_period[p]] if p in by_period else []) for p in periods],
                "total": value(list(by_period.values())),
            }
        )
    pivot.totals = [value([cells[k][p] for k in cells if p in cells[k]]) for p in periods]
    pivot.grand_total = value([row for by_period in cells.values() for row in by_period.values()])
    return pivot


def _range(filters: dict, period: str) -> tuple[dt.date, dt.date]:
    default_from, default_to = default_range(period)
    return filters.get("date_from") or default_from, filters.get("date_to") or default_to


def opportunity_analysis(*, filters: dict) -> Pivot:
    """SPEC 10.8: active entries by salesperson, campaign or contact × periods of their
    estimated close date; measure count, estimated or calculated current value, or their
    averages; filters action taken, sales cycle, stage, probability range."""
    dimension = filters.get("rows") or "salesperson"
    period = filters.get("period") or "month"
    measure = filters.get("measure") or "count"
    date_from, date_to = _range(filters, period)
    periods = periods_between(date_from, date_to, period)
    if len(periods) > MAX_PERIODS:
        return Pivot(dimension=dimension, period=period, periods=[], too_many_periods=True)
    queryset = OpportunityEntry.objects.filter(
        is_active=True,
        estimated_close_date__gte=periods[0] if periods else date_from,
        estimated_close_date__lte=date_to,
    )
    if filters.get("action_taken"):
        action = filters["action_taken"]
        queryset = queryset.filter(action_taken="" if action == "none" else action)
    if filters.get("sales_cycle"):
        queryset = queryset.filter(sales_cycle=filters["sales_cycle"])
    if filters.get("stage"):
        queryset = queryset.filter(stage=filters["stage"])
    if filters.get("probability_from") is not None:
        queryset = queryset.filter(probability_percent__gte=filters["probability_from"])
    if filters.get("probability_to") is not None:
        queryset = queryset.filter(probability_percent__lte=filters["probability_to"])
    if filters.get("salesperson"):
        queryset = queryset.filter(salesperson=filters["salesperson"])
    column = DIMENSIONS[dimension][0]
    aggregate = (
        queryset.annotate(
            period=Trunc("estimated_close_date", period, output_field=DateField()),
        )
        .values(column, "period")
        .annotate(
            count=Count("id"),
            estimated_value=Sum("estimated_value"),
            calculated_current_value=Sum("calculated_current_value"),
        )
        .order_by()
    )
    aggregate = [{**row, "key": row[column]} for row in aggregate]

    def value(rows: list[dict]):
        count = sum(r["count"] for r in rows)
        if measure == "count":
            return count
        base = measure.removeprefix("avg_")
        total = sum((r[base] or ZERO for r in rows), ZERO)
        if measure.startswith("avg_"):
            return (total / count).quantize(Decimal("0.01")) if count else ZERO
        return total

    return _pivot(
        aggregate=aggregate, dimension=dimension, period=period, periods=periods, value=value
    )


def task_analysis(*, filters: dict) -> Pivot:
    """SPEC 10.8: number of tasks by salesperson, team, campaign or contact × periods of the
    task date; filters status, priority, closed, type. A team task counts once for its team;
    salesperson rows count each member's copy (that is the member's task)."""
    dimension = filters.get("rows") or "salesperson"
    period = filters.get("period") or "month"
    date_from, date_to = _range(filters, period)
    periods = periods_between(date_from, date_to, period)
    if len(periods) > MAX_PERIODS:
        return Pivot(dimension=dimension, period=period, periods=[], too_many_periods=True)
    queryset = Task.objects.filter(
        date__gte=periods[0] if periods else date_from, date__lte=date_to
    )
    if dimension != "salesperson":
        queryset = queryset.filter(team_task__isnull=True)
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("priority"):
        queryset = queryset.filter(priority=filters["priority"])
    if filters.get("closed") in {"yes", "no"}:
        queryset = queryset.filter(is_closed=filters["closed"] == "yes")
    if filters.get("type"):
        queryset = queryset.filter(type="" if filters["type"] == "task" else filters["type"])
    column = DIMENSIONS[dimension][0]
    aggregate = (
        queryset.annotate(period=Trunc("date", period, output_field=DateField()))
        .values(column, "period")
        .annotate(count=Count("id"))
        .order_by()
    )
    aggregate = [{**row, "key": row[column]} for row in aggregate]
    return _pivot(
        aggregate=aggregate,
        dimension=dimension,
        period=period,
        periods=periods,
        value=lambda rows: sum(r["count"] for r in rows),
    )
