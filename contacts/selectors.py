"""Reads of the contacts area: list scoping, the card, company look-up, statistics."""

import datetime as dt
import re
from urllib.parse import quote

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Upper
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from crm.caching import attach_code_rows
from setup.models import ContactType, MarketingSetup, SalutationFormula, SalutationType
from setup.salutations import render_salutation_formula

from .models import (
    SEARCH_SEPARATOR,
    CommentLine,
    CommentTargetKind,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactWebSource,
)

LIST_COLUMNS = [
    "id",
    "number",
    "type",
    "name",
    "search_name",
    "company_id",
    "company_name",
    "city",
    "post_code",
    "phone",
    "email",
    "salesperson_id",
    "salesperson__code",
    "salesperson__name",
    "is_privacy_blocked",
    "business_relation_summary",
    "last_modified_at",
]


def contact_list(*, user: AbstractBaseUser) -> QuerySet[Contact]:
    """Every contact the user may see (all, for holders of the view permission), list columns."""
    return Contact.objects.select_related("salesperson").only(*LIST_COLUMNS)


# A fragment that could be (part of) a phone number: digits and the usual separators only.
PHONE_FRAGMENT_RE = re.compile(r"^[0-9 +\-()/.]+$")
PHONE_FRAGMENT_MIN_DIGITS = 3  # a trigram


def phone_fragment_digits(text: str) -> str:
    """The digits of a phone-looking fragment ("19 99 3", "19.99.3" -> "19993"), else ""."""
    if not PHONE_FRAGMENT_RE.match(text):
        return ""
    digits = re.sub(r"[^0-9]+", "", text)
    return digits if len(digits) >= PHONE_FRAGMENT_MIN_DIGITS else ""


def contact_search(queryset: QuerySet[Contact], text: str) -> QuerySet[Contact]:
    """Fragment search over name, company name, e-mail, phone and city.

    One ``LIKE '%X%'`` on the generated ``search_document`` (the five fields upper-cased and
    joined by a separator no search text holds, so a fragment matches inside one field, as an
    ``icontains`` per field did), served by ``contact_search_doc_trgm_idx``. A phone-looking
    fragment also matches the phone's digits (``search_phone_digits``,
    ``contact_phone_digits_trgm_idx``), so "19 99 3" and "19.99.3" find "+33 1 19 99 31".

    Neither column is in the covering sort index: walking that index in order would cost a
    heap fetch per entry, so the planner keeps the trigram bitmap for a rare fragment even
    with stale statistics (a full walk of the covering index was the 193 ms plan).
    """
    text = (text or "").replace(SEARCH_SEPARATOR, " ").strip()
    if not text:
        return queryset
    condition = Q(search_document__contains=Upper(Value(text)))  # PostgreSQL's UPPER, as before
    digits = phone_fragment_digits(text)
    if digits:
        condition |= Q(search_phone_digits__contains=digits)
    return queryset.filter(condition)


def contact_get(*, user: AbstractBaseUser, pk: int) -> Contact:
    """The card's contact with everything its general sections show: one pk lookup joined to
    the salesperson; the code tables come from their cache (``crm.caching.code_rows``)."""
    contact = get_object_or_404(Contact.objects.select_related("salesperson"), pk=pk)
    return attach_code_rows(
        contact,
        "salutation",
        "organizational_level",
        "language",
        "territory",
        "currency",
        "country",
        "number_series",
    )


def contact_alt_address_get(*, contact: Contact, pk: int) -> ContactAltAddress:
    """One alternate address of ``contact`` (another contact's address is a 404)."""
    return get_object_or_404(
        ContactAltAddress.objects.select_related("country"), contact=contact, pk=pk
    )


def company_persons(*, company: Contact) -> QuerySet[Contact]:
    """The persons of a company card, in the order of ``contact_company_persons_idx``
    (company, type, search_name, id): a page is an index range scan whatever the count."""
    return (
        Contact.objects.filter(company=company, type=ContactType.PERSON)
        .order_by("search_name", "id")
        .only("id", "number", "name", "job_title", "phone", "email")
    )


def company_get(*, user: AbstractBaseUser, pk) -> Contact | None:
    """A company contact by pk (None when absent or not a company): the "Add person" link."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Contact.objects.filter(pk=pk, type=ContactType.COMPANY)
        .only("id", "number", "name", "type")
        .first()
    )


def company_candidates(*, text: str) -> list[QuerySet[Contact]]:
    """CON-20: the match levels, tried in order (exact, starts with, contains)."""
    companies = Contact.objects.filter(type=ContactType.COMPANY).order_by("search_name", "id")
    return [
        companies.filter(Q(name__iexact=text) | Q(number__iexact=text)),
        companies.filter(name__istartswith=text),
        companies.filter(
            Q(number__icontains=text)
            | Q(name__icontains=text)
            | Q(city__icontains=text)
            | Q(phone__icontains=text)
            | Q(post_code__icontains=text)
        ),
    ]


def contact_salutations(*, contact: Contact) -> dict[str, str]:
    """CON-55 / SET-40: formal and informal text (or the SET-41 message), in one query."""
    result = {}
    language = contact.language
    if contact.salutation_id is None:
        return {"formal": "", "informal": ""}
    language_id = contact.language_id
    if language_id is None:
        language = MarketingSetup.load().default_language
        language_id = language.pk if language else None
    formulas = {
        f.salutation_type: f
        for f in SalutationFormula.objects.filter(
            salutation_id=contact.salutation_id, language_id=language_id
        )
    }
    values = {
        "job_title": contact.job_title,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "surname": contact.surname,
        "initials": contact.initials,
        "company_name": contact.company_name,
    }
    for kind in (SalutationType.FORMAL, SalutationType.INFORMAL):
        formula = formulas.get(kind)
        if formula is None:
            result[kind.value] = _(
                "No %(type)s salutation formula for %(salutation)s in %(language)s."
            ) % {
                "type": kind.label.lower(),
                "salutation": contact.salutation.code,
                "language": language.code if language else _("(no language)"),
            }
        else:
            result[kind.value] = render_salutation_formula(formula, values)
    return result


def contact_statistics(*, contact: Contact) -> dict[str, object]:
    """SPEC 10.2 side panel. Interaction, opportunity and task figures stay 0 until those
    areas register their statistics; segmentation counts come from one query (CON-40)."""
    company_id = contact.company_id if contact.company_id else contact.pk
    # One round trip for the four counts.
    row = (
        Contact.objects.filter(pk=contact.pk)
        .annotate(
            n_job=_subcount(ContactJobResponsibility, "pk"),
            n_mail=_subcount(ContactMailingGroup, "pk"),
        )
        .values("n_job", "n_mail")
        .first()
    )
    company_row = (
        Contact.objects.filter(pk=company_id)
        .annotate(
            n_ind=_subcount(ContactIndustryGroup, "pk"),
            n_rel=_subcount(ContactBusinessRelation, "pk"),
        )
        .values("n_ind", "n_rel")
        .first()
    ) or {"n_ind": 0, "n_rel": 0}
    return {
        "interactions": 0,
        "cost": 0,
        "duration_min": 0,
        "last_date_attempted": None,
        "last_interaction_on": None,
        "next_task_on": None,
        "opportunities": 0,
        "estimated_value": 0,
        "tasks": 0,
        "job_responsibilities": row["n_job"],
        "mailing_groups": row["n_mail"],
        "industry_groups": company_row["n_ind"],
        "business_relations": company_row["n_rel"],
    }


def _subcount(model, outer: str):
    sub = (
        model.objects.filter(contact=OuterRef(outer))
        .order_by()
        .values("contact")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def contact_active_alt_address(*, contact: Contact, on_date: dt.date) -> ContactAltAddress | None:
    """CON-41: the range with the latest start ≤ D whose end is blank or ≥ D; else None."""
    date_range = (
        ContactAltAddressDateRange.objects.filter(contact=contact, starting_date__lte=on_date)
        .order_by("-starting_date")
        .select_related("alt_address")
        .first()
    )
    if date_range is None:
        return None
    if date_range.ending_date is not None and date_range.ending_date < on_date:
        return None
    return date_range.alt_address


def web_source_url(*, row: ContactWebSource) -> str:
    """CON-42: the source's URL with %1 replaced by the URL-encoded search word."""
    return row.web_source.url.replace("%1", quote(row.search_word or "", safe=""))


def contact_comments(*, contact: Contact) -> QuerySet[CommentLine]:
    return CommentLine.objects.filter(
        target_kind=CommentTargetKind.CONTACT, target_id=contact.pk
    ).order_by("sub_id", "line_no", "id")


# Sections of the card loaded as fragments (STYLE §2: pages compose fragments).
SECTION_QUERIES = {
    "industry-groups": lambda c: c.industry_groups.select_related("industry_group"),
    "mailing-groups": lambda c: c.mailing_groups.select_related("mailing_group"),
    "job-responsibilities": lambda c: c.job_responsibilities.select_related("job_responsibility"),
    "web-sources": lambda c: c.web_sources.select_related("web_source"),
    "business-relations": lambda c: c.business_relations.select_related("business_relation"),
    "alt-addresses": lambda c: c.alt_addresses.select_related("country").prefetch_related(
        "date_ranges"
    ),
    "comments": lambda c: contact_comments(contact=c),
}


def contact_section_rows(*, contact: Contact, section: str) -> QuerySet:
    """Rows of one card section; for a person, industry groups and relations are the
    company's (read-only, CON-40)."""
    if (
        section in {"industry-groups", "business-relations"}
        and contact.type == ContactType.PERSON
        and contact.company_id
    ):
        company = Contact(pk=contact.company_id, type=ContactType.COMPANY)
        rows = SECTION_QUERIES[section](company)
        if section == "business-relations":
            return rows | SECTION_QUERIES[section](contact)
        return rows
    return SECTION_QUERIES[section](contact)


# -- pagination without COUNT(*) ----------------------------------------------------------------


# From this offset on, a page skips rows as ids (index-only) and reads its rows by pk.
DEFERRED_JOIN_OFFSET = 1000
# A search with at most this many matches sorts them in memory instead of walking a sort
# index. The in-memory sort reads every match from the heap (the trigram bitmap); the walk
# reads the sort index only (it carries the search columns), page × contacts / matches
# entries of it. Both cost about the same near 1,000 matches at a million contacts.
SEARCH_SORT_IN_MEMORY = 1000
# The probe's plan: only the trigram bitmap. On a LIKE the planner guesses 5 % of the table
# matches whatever the fragment, so with a LIMIT it took a sequential scan that stops
# "soon" ('dumo': 114,000 rows read for 2,001 matches, 140 ms at a million contacts).
PROBE_PLAN_OFF = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")


def _on_trigram_bitmap(queryset: QuerySet, select: str) -> list:
    """Rows of ``select`` (``%s`` = the queryset's SQL) planned with the trigram indexes'
    bitmap only: the other scans are switched off for this one query, whatever the planner's
    statistics. One round trip: ``SET LOCAL``, the query and the settings put back, in one
    statement list (outside a transaction it runs as one implicit transaction, which scopes
    the SET LOCALs; inside one, the trailing statements put the settings back)."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    query = connection.ops.compose_sql(select % f"({sql})", params)
    script = "; ".join(
        [
            *(f"SET LOCAL {name} = off" for name in PROBE_PLAN_OFF),
            query,
            *(f"SET LOCAL {name} TO DEFAULT" for name in PROBE_PLAN_OFF),
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(script)
        while cursor.description is None:  # the SET statements return no rows
            if not cursor.nextset():
                raise RuntimeError("the trigram bitmap query returned no row")
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def search_match_count(queryset: QuerySet, limit: int) -> int:
    """How many rows of a fragment search match, counting at most ``limit + 1``, from the
    trigram bitmap whatever the statistics."""
    matches = queryset.order_by().values("pk")[: limit + 1]
    return _on_trigram_bitmap(matches, "SELECT count(*) AS n FROM %s AS matches")[0]["n"]


def search_matches(queryset: QuerySet, limit: int) -> list:
    """At most ``limit`` rows (model instances, the queryset's columns) of a fragment search,
    in no order, from the trigram bitmap whatever the statistics: with a LIMIT and no order
    the planner took a sequential scan it expected to stop soon ('.garcia' in the picker,
    75 ms at a million contacts)."""
    model = queryset.model
    attnames = {field.column: field.attname for field in model._meta.concrete_fields}
    rows = _on_trigram_bitmap(queryset.order_by()[:limit], "SELECT * FROM %s AS matches")
    return [
        model.from_db(queryset.db, [attnames[name] for name in row], list(row.values()))
        for row in rows
    ]


def keyset_sort_field(queryset: QuerySet) -> tuple[str, bool]:
    """The leading sort column of a list queryset and whether it is descending."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    first = str(ordering[0]) if ordering else "id"
    return first.lstrip("-"), first.startswith("-")


def keyset_after(*, row, field: str) -> str:
    """The ``?after=`` bookmark of a row: ``<sort value>,<id>`` (seek past it)."""
    value = getattr(row, field)
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return f"{text},{row.pk}"


def keyset_seek(queryset: QuerySet, *, field: str, descending: bool, after: str) -> QuerySet:
    """Rows after the ``<value>,<id>`` bookmark in (field, id) order: no OFFSET, however deep.

    ``field >= value`` (or ``<=``) keeps the sort index's range; ties go on by id (every list
    ordering ends in ``id`` ascending)."""
    value, comma, pk = after.rpartition(",")
    try:
        pk = int(pk)
        value = queryset.model._meta.get_field(field).to_python(value)
    except (ValueError, ValidationError):
        return queryset.none()
    if value is None or not comma:
        return queryset.none()
    op = "lte" if descending else "gte"
    strict = "lt" if descending else "gt"
    return queryset.filter(
        Q(**{f"{field}__{op}": value}),
        Q(**{f"{field}__{strict}": value}) | Q(pk__gt=pk),
    )


def _unindexed_order(queryset: QuerySet) -> QuerySet:
    """``queryset`` in the same order, by ``COALESCE(col, col)`` keys no index provides."""
    keys = []
    for key in list(queryset.query.order_by) or list(queryset.model._meta.ordering):
        name = str(key)
        expression = Coalesce(F(name.lstrip("-")), F(name.lstrip("-")))
        keys.append(expression.desc() if name.startswith("-") else expression.asc())
    return queryset.order_by(*keys)


class NoCountPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    @cached_property
    def next_after(self) -> str:
        """Bookmark of the page's last row for the keyset "Next" link ("" on the last page)."""
        if not self._has_next or not self.object_list:
            return ""
        if not isinstance(self.paginator.object_list, QuerySet):
            return ""
        field = keyset_sort_field(self.paginator.object_list)[0]
        return keyset_after(row=self.object_list[-1], field=field)

    def has_next(self) -> bool:
        return self._has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


class NoCountPaginator(Paginator):
    """Fetches one row more than a page to know whether a next page exists: no COUNT(*) over
    the whole table. ``count`` and ``num_pages`` are None (the pager shows no total).
    ``deferred_join`` (set by the list for a search) reads the page's ids first."""

    deferred_join = False

    @cached_property
    def count(self):  # type: ignore[override]
        return None

    @cached_property
    def num_pages(self):  # type: ignore[override]
        return None

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise EmptyPage("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        window = self.object_list[bottom : bottom + self.per_page + 1]
        search = getattr(self, "deferred_join", False)
        deferred = bottom >= DEFERRED_JOIN_OFFSET or search
        if search and isinstance(self.object_list, QuerySet):
            # A fragment search. Walking a sort index and filtering is cheap only when many
            # rows match, and the planner's guess of that count is only as good as its
            # statistics (on stale ones a rare fragment walked the whole index). So count the
            # matches first, up to SEARCH_SORT_IN_MEMORY, with a query that has no order to
            # walk (the trigram bitmap); when fewer match, the page's ids come from the
            # matches sorted in memory by keys no index provides, else from the sort index.
            few = search_match_count(self.object_list, SEARCH_SORT_IN_MEMORY) <= (
                SEARCH_SORT_IN_MEMORY
            )
            if few:
                # The page's ids, also from the trigram bitmap only: left to the planner, stale
                # statistics made it read the covering sort index whole as a table instead.
                ids = _on_trigram_bitmap(
                    _unindexed_order(self.object_list)[bottom : bottom + self.per_page + 1].values(
                        "pk"
                    ),
                    "SELECT * FROM %s AS matches",
                )
                inner = [next(iter(row.values())) for row in ids]
            else:
                inner = self.object_list[bottom : bottom + self.per_page + 1].values("pk")
            window = self.object_list.filter(pk__in=inner)
        elif deferred and isinstance(self.object_list, QuerySet):
            # Deferred join: skip the offset (or test the search filter) over ids only, an
            # index-only scan of the sort index, then read the full rows of the page by
            # primary key.
            window = self.object_list.filter(pk__in=window.values("pk"))
        rows = list(window)
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return NoCountPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)
