"""Every non-trivial read of the interactions area, statistics included (SPEC 10.1-10.3, 10.7)."""

import datetime as dt
from decimal import Decimal

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from .models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))
COUNTED = Q(is_canceled=False, is_postponed=False)  # SPEC 10.1


# The columns the log list shows (interactionlogentry_list.html), its joins included. Every
# other column stays in the table: the contact row alone is ~3.5 KB wide. The foreign keys of
# the joined rows are loaded with them.
ENTRY_LIST_FIELDS = [
    "entry_no",
    "date",
    "description",
    "contact_name_snapshot",
    "cost",
    "duration_min",
    "evaluation",
    "is_canceled",
    "is_postponed",
    "attempt_failed",
    "delivery_status",
    "delivery_error",
    "is_email_logged",
    "correspondence_type",
    "campaign_id",
    "contact__number",
    "contact__name",
    "salesperson__code",
    "template__code",
    "attachment__file",
    "attachment__file_name",
    "opportunity__number",
]


def interaction_entry_list(*, postponed: bool = False) -> QuerySet[InteractionLogEntry]:
    """The log (postponed entries only on their own page, INT-12), newest first.

    Five joins, not six: the group is not shown, and with it PostgreSQL spent 19 ms planning
    the statement against 0.8 ms running it (2-core machine under load; 2.7 ms without it,
    1.8 ms with only the shown columns; bench/interactions_bench.py, "log list by company").
    """
    return (
        InteractionLogEntry.objects.filter(is_postponed=postponed)
        .select_related("contact", "salesperson", "template", "attachment", "opportunity")
        .only(*ENTRY_LIST_FIELDS)
        .order_by("-date", "-entry_no")
    )


def interaction_entry_get(*, pk: int) -> InteractionLogEntry:
    entry = (
        InteractionLogEntry.objects.select_related(
            "contact", "contact__company", "salesperson", "template", "group", "attachment"
        )
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def interaction_entry_message_raw(*, entry: InteractionLogEntry) -> bytes:
    """EML-7: the raw message of a logged e-mail (its read-only ``.eml`` attachment); 404
    when the entry carries no message."""
    attachment = entry.attachment
    is_message = (
        attachment is not None
        and bool(attachment.file)
        and (
            entry.is_email_logged or (attachment.file_name or attachment.file.name).endswith(".eml")
        )
    )
    if not is_message:
        raise Http404
    try:
        with attachment.file.open("rb") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise Http404 from exc


def interaction_entry_comments(*, entry: InteractionLogEntry):
    return entry.comments.order_by("line_no")


def statistics_default_range(today: dt.date | None = None) -> dict[str, dt.date]:
    """The statistics page's default: the last 12 months, today included."""
    from django.utils import timezone

    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return {"date_from": start + dt.timedelta(days=1), "date_to": today}


def interaction_template_list() -> QuerySet[InteractionTemplate]:
    return InteractionTemplate.objects.select_related("group", "default_language").order_by("code")


def interaction_template_get(*, pk: int) -> InteractionTemplate:
    template = (
        InteractionTemplate.objects.select_related("group", "default_language")
        .prefetch_related("languages__language")
        .filter(pk=pk)
        .first()
    )
    if template is None:
        raise Http404
    return template


def interaction_template_language_row(*, template_id, language_id):
    """The language row the wizard shows (attachment mode open: the file to download)."""
    try:
        template_id, language_id = int(template_id), int(language_id)
    except (TypeError, ValueError):
        return None
    return (
        InteractionTemplateLanguage.objects.select_related("template")
        .filter(template_id=template_id, language_id=language_id)
        .first()
    )


def interaction_group_list() -> QuerySet[InteractionGroup]:
    return InteractionGroup.objects.order_by("code")


def _dated(queryset, date_from: dt.date | None, date_to: dt.date | None):
    if date_from:
        queryset = queryset.filter(date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__lte=date_to)
    return queryset


def _figures(scope: Q, *, date_from=None, date_to=None) -> dict:
    """Count, cost and duration of counted interactions in ``scope``, plus averages."""
    figures = _dated(InteractionLogEntry.objects.filter(scope, COUNTED), date_from, date_to)
    figures = figures.aggregate(
        count=Count("pk"),
        cost=Coalesce(Sum("cost"), ZERO),
        duration=Coalesce(Sum("duration_min"), ZERO),
    )
    count = figures["count"]
    figures["avg_cost"] = (figures["cost"] / count) if count else Decimal(0)
    figures["avg_duration"] = (figures["duration"] / count) if count else Decimal(0)
    return figures


def contact_interaction_statistics(
    *, contact, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict:
    """SPEC 10.2 for the contact card: count, cost, duration, last date attempted, date of
    last interaction. A company's figures include its persons (10.1); one query."""
    scope = Q(contact_company=contact) if contact.is_company else Q(contact=contact)
    queryset = _dated(
        InteractionLogEntry.objects.filter(scope, is_postponed=False), date_from, date_to
    )
    not_canceled = Q(is_canceled=False)
    return queryset.aggregate(
        count=Count("pk", filter=not_canceled),
        cost=Coalesce(Sum("cost", filter=not_canceled), ZERO),
        duration=Coalesce(Sum("duration_min", filter=not_canceled), ZERO),
        last_date_attempted=Max("date", filter=Q(initiated_by="us")),
        last_interaction_date=Max("date", filter=Q(attempt_failed=False)),
    )


def salesperson_interaction_statistics(*, salesperson, date_from=None, date_to=None) -> dict:
    """SPEC 10.3: count, cost, duration and averages for a salesperson."""
    return _figures(Q(salesperson=salesperson), date_from=date_from, date_to=date_to)


def interaction_template_statistics(*, template, date_from=None, date_to=None) -> dict:
    """SPEC 10.7."""
    return _figures(Q(template=template), date_from=date_from, date_to=date_to)


def interaction_group_statistics(*, group, date_from=None, date_to=None) -> dict:
    """SPEC 10.7."""
    return _figures(Q(group=group), date_from=date_from, date_to=date_to)


def interaction_statistics_by(*, dimension: str, date_from=None, date_to=None) -> list[dict]:
    """One GROUP BY over counted interactions: rows of {key, count, cost, duration}.

    ``dimension`` is one of salesperson, template, group.
    """
    if dimension not in {"salesperson", "template", "group"}:
        raise ValueError(dimension)
    queryset = _dated(InteractionLogEntry.objects.filter(COUNTED), date_from, date_to)
    return list(
        queryset.values(f"{dimension}__pk", f"{dimension}__code")
        .annotate(
            count=Count("pk"),
            cost=Coalesce(Sum("cost"), ZERO),
            duration=Coalesce(Sum("duration_min"), ZERO),
        )
        .order_by(f"{dimension}__code")
    )


class CountlessPage(Page):
    """A page that knows only whether a next page exists (no COUNT(*) at 5M rows)."""

    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


class CountlessPaginator(Paginator):
    """Fetches ``per_page + 1`` rows to learn whether a next page exists; never counts.

    ``count`` and ``num_pages`` are None, so the shared pager shows no total and no "Last"
    link; the oldest entries are one click away through the "oldest first" order, which
    reads the same index backwards.
    """

    count = None  # type: ignore[assignment]
    num_pages = None  # type: ignore[assignment]

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise InvalidPage("not a page number") from exc
        if number < 1:
            raise InvalidPage("not a page number")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return CountlessPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )
