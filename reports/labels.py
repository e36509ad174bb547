"""Address blocks and label rows (SPEC 10.9 contact labels, SEG-52 segment labels).

A label is one contact: its name, the company name for a person, and the address block in the
country's format (``Country.address_format``) taken from the active alternate address on the
label date when the contact has one (CON-41), else from the contact. The country line is
printed only for a country other than the marketing setup's default country.

Rows are read in chunks of ``LABEL_CHUNK`` contacts: each chunk costs one query for the
contacts (the active alternate address id is a correlated subquery) and one for the alternate
addresses it names, so a page or a CSV of any size costs a fixed number of queries per chunk.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactAltAddress, ContactAltAddressDateRange
from segments.models import Segment, SegmentLine
from setup.models import AddressFormat, MarketingSetup

LABEL_CHUNK = 500
LABEL_LINES = 7  # name, company, address, address 2, post code + city, county, country


@dataclass(frozen=True)
class LabelFormat:
    code: str
    label: str
    width_mm: int
    height_mm: int
    columns: int


# SEG-52: the shipped formats.
LABEL_FORMATS = {
    "70x36": LabelFormat("70x36", _("70 × 36 mm, 3 columns"), 70, 36, 3),
    "105x36": LabelFormat("105x36", _("105 × 36 mm, 2 columns"), 105, 36, 2),
}
DEFAULT_LABEL_FORMAT = "70x36"


def active_alt_address_id(*, contact_ref: str, on_date: dt.date) -> Subquery:
    """CON-41 in SQL: the alternate address of the range with the latest start ≤ ``on_date``,
    or NULL when that range ended before ``on_date`` (or there is none)."""
    latest = (
        ContactAltAddressDateRange.objects.filter(
            contact=OuterRef(contact_ref), starting_date__lte=on_date
        )
        .order_by("-starting_date")
        .annotate(
            active=Case(
                When(
                    Q(ending_date__isnull=True) | Q(ending_date__gte=on_date),
                    then=F("alt_address_id"),
                ),
                default=None,
            )
        )
        .values("active")[:1]
    )
    return Subquery(latest)


def city_line(*, post_code: str, city: str, address_format: str) -> str:
    parts = (
        [city, post_code]
        if address_format == AddressFormat.CITY_POST_CODE
        else [
            post_code,
            city,
        ]
    )
    return " ".join(part for part in parts if part)


def address_block(source, *, home_country_id: int | None, countries: dict) -> list[str]:
    """The address lines of a contact or alternate address in its country's format."""
    country = countries.get(source.country_id)
    address_format = country.address_format if country else AddressFormat.POST_CODE_CITY
    lines = [
        source.address,
        source.address_2,
        city_line(post_code=source.post_code, city=source.city, address_format=address_format),
        source.county,
    ]
    if country is not None and source.country_id != home_country_id:
        lines.append(country.name or country.code)
    return [line for line in lines if line]


def label_lines(contact: Contact, alt: ContactAltAddress | None, *, home, countries) -> list[str]:
    """One label: name, company (persons, or the alternate address's company), address."""
    lines = [contact.name]
    company = (alt.company_name if alt and alt.company_name else "") or (
        contact.company_name if not contact.is_company else ""
    )
    if company and company != contact.name:
        lines.append(company)
    lines.extend(address_block(alt or contact, home_country_id=home, countries=countries))
    lines = lines[:LABEL_LINES]
    return lines + [""] * (LABEL_LINES - len(lines))


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _countries() -> dict:
    from setup.models import Country

    return {c.pk: c for c in Country.objects.only("id", "code", "name", "address_format")}


CONTACT_LABEL_FIELDS = (
    "id",
    "number",
    "type",
    "name",
    "company_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country_id",
)


def _alt_addresses(ids) -> dict[int, ContactAltAddress]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {a.pk: a for a in ContactAltAddress.objects.filter(pk__in=ids)}


def contact_label_queryset(*, contacts: QuerySet[Contact], on_date: dt.date) -> QuerySet[Contact]:
    """The label fields of ``contacts`` with the active alternate address id on ``on_date``."""
    return contacts.only(*CONTACT_LABEL_FIELDS).annotate(
        active_alt_id=active_alt_address_id(contact_ref="pk", on_date=on_date)
    )


def contact_label_rows(
    *, contacts: QuerySet[Contact] | list[Contact], on_date: dt.date
) -> Iterator[list[str]]:
    """[contact no., line 1 … line 7] per contact of ``contacts`` (ordered by the caller).

    A queryset is read in chunks of ``LABEL_CHUNK``; a list (one HTML page, read from
    ``contact_label_queryset``) is one chunk."""
    home = MarketingSetup.load().default_country_id
    countries = _countries()
    if isinstance(contacts, QuerySet):
        queryset = contact_label_queryset(contacts=contacts, on_date=on_date)
        chunks = _chunks(queryset.iterator(chunk_size=LABEL_CHUNK), LABEL_CHUNK)
    else:
        chunks = [contacts] if contacts else []
    for chunk in chunks:
        alts = _alt_addresses(c.active_alt_id for c in chunk)
        for contact in chunk:
            alt = alts.get(contact.active_alt_id)
            yield [contact.number, *label_lines(contact, alt, home=home, countries=countries)]


def segment_label_queryset(*, segment: Segment) -> QuerySet[SegmentLine]:
    """The segment's lines with the label fields of their contact and the active alternate
    address id on the segment date, in line order."""
    return (
        SegmentLine.objects.filter(segment=segment)
        .select_related("contact")
        .only(*(f"contact__{field}" for field in CONTACT_LABEL_FIELDS), "id", "line_no")
        .annotate(
            active_alt_id=active_alt_address_id(contact_ref="contact_id", on_date=segment.date)
        )
        .order_by("line_no", "id")
    )


def segment_label_rows(
    *, segment: Segment, lines: list[SegmentLine] | None = None
) -> Iterator[list[str]]:
    """SEG-52: one label per segment line with a contact, using the active alternate address
    on the segment date. ``lines`` (one HTML page of ``segment_label_queryset``) is one chunk;
    without it every line is read in chunks of ``LABEL_CHUNK``."""
    home = MarketingSetup.load().default_country_id
    countries = _countries()
    if lines is None:
        queryset = segment_label_queryset(segment=segment)
        chunks = _chunks(queryset.iterator(chunk_size=LABEL_CHUNK), LABEL_CHUNK)
    else:
        chunks = [lines] if lines else []
    for chunk in chunks:
        alts = _alt_addresses(line.active_alt_id for line in chunk)
        for line in chunk:
            alt = alts.get(line.active_alt_id)
            contact = line.contact
            yield [contact.number, *label_lines(contact, alt, home=home, countries=countries)]
