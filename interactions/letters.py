"""Printed correspondence (INT-21 hard copy, INT-23 cover sheets): what a letter shows.

Read-only: the address block in the country's format, the active alternate address on a
date (CON-41) and the letters still to print. Writes live in ``services.py``.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from setup.models import AddressFormat, CorrespondenceType

from .body_templates import (
    contact_salutation_texts,
    email_body_context,
    email_body_render,
    salutation_formulas_for,
)
from .models import InteractionLogEntry


@dataclass
class Letter:
    """One printed page: sender, recipient address block, date, salutation, body."""

    entry: InteractionLogEntry | None
    contact: object
    date: dt.date
    sender: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    salutation: str = ""
    body: str = ""
    free_text: str = ""
    remarks: str = ""


def address_block(*, name: str, source, name_2: str = "") -> list[str]:
    """The recipient lines; the city line follows the country's address format."""
    country = getattr(source, "country", None)
    post_code, city = (source.post_code or "").strip(), (source.city or "").strip()
    if country is not None and country.address_format == AddressFormat.CITY_POST_CODE:
        city_line = f"{city} {post_code}"
    else:
        city_line = f"{post_code} {city}"
    lines = [
        name,
        name_2,
        source.address,
        source.address_2,
        city_line.strip(),
        source.county,
        country.name if country is not None else "",
    ]
    return [line.strip() for line in lines if line and line.strip()]


def active_alt_address(contact, on: dt.date):
    """CON-41 over prefetched ``alt_address_date_ranges`` (no query per contact)."""
    ranges = [r for r in contact.alt_address_date_ranges.all() if r.starting_date <= on]
    if not ranges:
        return None
    latest = max(ranges, key=lambda r: r.starting_date)
    if latest.ending_date is not None and latest.ending_date < on:
        return None
    return latest.alt_address


def contact_address_block(contact, *, on: dt.date) -> list[str]:
    """The contact's address, or its active alternate address on ``on`` (CON-41)."""
    if contact is None:
        return []
    alt = active_alt_address(contact, on)
    if alt is not None:
        return address_block(
            name=alt.company_name or contact.name, name_2=alt.company_name_2, source=alt
        )
    name_2 = ""
    if not contact.is_company and contact.company_name:
        name_2 = contact.company_name
    return address_block(name=contact.name, name_2=name_2, source=contact)


def sender_block(salesperson) -> list[str]:
    if salesperson is None:
        return []
    lines = [salesperson.name, salesperson.job_title, salesperson.email, salesperson.phone]
    return [line for line in lines if line]


def _with_addresses(queryset: QuerySet, prefix: str = "") -> QuerySet:
    from contacts.models import ContactAltAddressDateRange

    return queryset.prefetch_related(
        Prefetch(
            f"{prefix}alt_address_date_ranges",
            queryset=ContactAltAddressDateRange.objects.select_related("alt_address__country"),
        )
    )


def letters_to_print() -> QuerySet[InteractionLogEntry]:
    """INT-21: finished hard-copy entries not printed yet (index ``interaction_to_print_idx``)."""
    queryset = (
        InteractionLogEntry.objects.filter(
            correspondence_type=CorrespondenceType.HARD_COPY,
            delivered_at__isnull=True,
            is_postponed=False,
            is_canceled=False,
        )
        .select_related(
            "contact__country",
            "contact__language",
            "contact__salutation",
            "salesperson",
            "template",
            "campaign",
        )
        .prefetch_related("template__languages")
        .order_by("date", "entry_no")
    )
    return _with_addresses(queryset, "contact__")


def letters_for_entries(entries) -> list[Letter]:
    """The pages of ``entries`` (from ``letters_to_print``): one query for every salutation
    formula they need, whatever their number."""
    entries = list(entries)
    formulas = salutation_formulas_for([entry.contact for entry in entries])
    return [letter_for_entry(entry, formulas=formulas) for entry in entries]


def letter_for_entry(entry: InteractionLogEntry, *, formulas: dict | None = None) -> Letter:
    """The page of one hard-copy entry: its stored body, else its language row's body.

    ``formulas`` comes from ``salutation_formulas_for`` (else the salutation is looked up)."""
    salutations = contact_salutation_texts(entry.contact, formulas=formulas)
    body = entry.email_body
    if not body and entry.template_id and entry.language_id:
        row = next(
            (r for r in entry.template.languages.all() if r.language_id == entry.language_id),
            None,
        )
        if row is not None and row.email_body:
            context = email_body_context(
                contact=entry.contact,
                salesperson=entry.salesperson,
                campaign=entry.campaign,
                segment={"number": entry.segment_number} if entry.segment_number else None,
                today=entry.date,
                salutations=salutations,
            )
            body = email_body_render(row.email_body, context)
    return Letter(
        entry=entry,
        contact=entry.contact,
        date=entry.date,
        sender=sender_block(entry.salesperson),
        address=contact_address_block(entry.contact, on=entry.date),
        salutation=salutations["salutation_formal"],
        body=body,
    )


def cover_sheet_contacts(*, contact_ids) -> QuerySet:
    from contacts.models import Contact

    queryset = Contact.objects.filter(pk__in=list(contact_ids)).select_related(
        "country", "salesperson"
    )
    return _with_addresses(queryset).order_by("number", "id")


def cover_sheets(
    *, contacts, on: dt.date, free_text: str = "", remarks: str = "", salesperson=None
) -> list[Letter]:
    """INT-23: one sheet per contact (``contacts`` from ``cover_sheet_contacts``)."""
    return [
        Letter(
            entry=None,
            contact=contact,
            date=on,
            sender=sender_block(salesperson or contact.salesperson),
            address=contact_address_block(contact, on=on),
            free_text=free_text,
            remarks=remarks,
        )
        for contact in contacts
    ]
