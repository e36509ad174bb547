"""Sales history import and removal (SPEC 9.1, 12.4 API-4): one set-based, all-or-nothing
write per call; a ``source_id`` makes re-sending replace the line."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from contacts.models import Contact, SalesEntryKind, SalesHistoryLine, SalesHistoryLinkType

MAX_LINES = 5_000
LINE_FIELDS = (
    "entry_kind",
    "link_type",
    "external_number",
    "contact",
    "item_code",
    "variant_code",
    "item_group",
    "posting_date",
    "document_number",
    "quantity",
    "amount",
    "cost_amount",
    "discount_amount",
    "due_date",
    "paid_on",
    "source_id",
)
CSV_COLUMNS = (
    "posting_date",
    "entry_kind",
    "link_type",
    "external_number",
    "contact_number",
    "item_code",
    "variant_code",
    "item_group",
    "document_number",
    "quantity",
    "amount",
    "cost_amount",
    "discount_amount",
    "due_date",
    "paid_on",
    "source_id",
)
_TEXT_LIMITS = {
    "external_number": 20,
    "item_code": 20,
    "variant_code": 10,
    "item_group": 20,
    "document_number": 20,
    "source_id": 50,
}


def _date(value, field: str, errors: dict, *, required: bool = False):
    if value in (None, ""):
        if required:
            errors[field] = _("This field is required.")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field] = _("Enter a date as YYYY-MM-DD.")
    return parsed


def _decimal(value, field: str, errors: dict) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = _("Enter a number.")
        return Decimal(0)
    if not number.is_finite() or abs(number) >= Decimal("1e13"):
        errors[field] = _("Enter a number.")
        return Decimal(0)
    return number


def sales_history_line_prepare(raw: dict, contacts: dict[str, int]) -> tuple[dict, dict]:
    """Parse one raw line (API body or CSV row) -> (values, errors by field)."""
    errors: dict[str, str] = {}
    text = {k: str(raw.get(k) or "").strip() for k in (*_TEXT_LIMITS, "contact_number")}
    for name, limit in _TEXT_LIMITS.items():
        if len(text[name]) > limit:
            errors[name] = _("At most %(n)d characters.") % {"n": limit}
    entry_kind = str(raw.get("entry_kind") or SalesEntryKind.SALE).strip().lower()
    if entry_kind not in SalesEntryKind.values:
        errors["entry_kind"] = _("Entry kind must be sale or purchase.")
    link_type = str(raw.get("link_type") or "").strip().lower()
    if link_type not in SalesHistoryLinkType.values:
        errors["link_type"] = _("Link type must be customer or vendor.")
    external = text["external_number"].upper()
    contact_number = text["contact_number"]
    has_link = bool(link_type or external)
    if has_link and contact_number:
        errors["contact_number"] = _(
            "Give either a link type and external number or a contact number, not both."
        )
    elif not has_link and not contact_number:
        errors["contact_number"] = _(
            "A line needs a party: a link type and external number, or a contact number."
        )
    elif has_link and not (link_type and external):
        errors["external_number"] = _("A link type needs an external number and vice versa.")
    contact_id = None
    if contact_number and not has_link:
        contact_id = contacts.get(contact_number)
        if contact_id is None:
            errors["contact_number"] = _("Contact %(number)s does not exist.") % {
                "number": contact_number
            }
    if not text["item_code"]:
        errors["item_code"] = _("This field is required.")
    values = {
        "entry_kind": entry_kind,
        "link_type": link_type if has_link else "",
        "external_number": external if has_link else "",
        "contact_id": contact_id,
        "item_code": text["item_code"].upper(),
        "variant_code": text["variant_code"],
        "item_group": text["item_group"],
        "posting_date": _date(raw.get("posting_date"), "posting_date", errors, required=True),
        "document_number": text["document_number"],
        "quantity": _decimal(raw.get("quantity"), "quantity", errors),
        "amount": _decimal(raw.get("amount"), "amount", errors),
        "cost_amount": _decimal(raw.get("cost_amount"), "cost_amount", errors),
        "discount_amount": _decimal(raw.get("discount_amount"), "discount_amount", errors),
        "due_date": _date(raw.get("due_date"), "due_date", errors),
        "paid_on": _date(raw.get("paid_on"), "paid_on", errors),
        "source_id": text["source_id"] or None,
    }
    return values, errors


def sales_history_lines_prepare(raws: list[dict]) -> tuple[list[dict], list[dict]]:
    """All lines -> (values, errors [{"line", "field", "message"}]); one contact query."""
    numbers = {str(r.get("contact_number") or "").strip() for r in raws} - {""}
    contacts = dict(Contact.objects.filter(number__in=numbers).values_list("number", "pk"))
    values, errors, seen = [], [], set()
    for index, raw in enumerate(raws):
        line, line_errors = sales_history_line_prepare(raw, contacts)
        if line["source_id"] and line["source_id"] in seen:
            line_errors["source_id"] = _("The same source_id appears twice.")
        seen.add(line["source_id"])
        errors += [{"line": index + 1, "field": f, "message": m} for f, m in line_errors.items()]
        values.append(line)
    return values, errors


@transaction.atomic
def sales_history_lines_import(*, lines: list[dict]) -> dict:
    """API-4: insert (or, by ``source_id``, replace) prepared lines; returns counts."""
    keyed = [line for line in lines if line["source_id"]]
    plain = [line for line in lines if not line["source_id"]]
    existing = set(
        SalesHistoryLine.objects.filter(
            source_id__in=[line["source_id"] for line in keyed]
        ).values_list("source_id", flat=True)
    )
    update_fields = [f for f in LINE_FIELDS if f != "source_id"] + ["updated_at"]
    if keyed:
        SalesHistoryLine.objects.bulk_create(
            [SalesHistoryLine(**line) for line in keyed],
            update_conflicts=True,
            unique_fields=["source_id"],
            update_fields=update_fields,
            batch_size=1000,
        )
    if plain:
        SalesHistoryLine.objects.bulk_create(
            [SalesHistoryLine(**line) for line in plain], batch_size=1000
        )
    replaced = len(existing)
    return {"created": len(lines) - replaced, "replaced": replaced}


@transaction.atomic
def sales_history_delete(
    *,
    source_ids: list[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    """API-4: remove lines by ``source_id`` list or by posting-date range."""
    queryset = SalesHistoryLine.objects.all()
    if source_ids:
        queryset = queryset.filter(source_id__in=source_ids)
    else:
        if date_from is None and date_to is None:
            return 0
        if date_from is not None:
            queryset = queryset.filter(posting_date__gte=date_from)
        if date_to is not None:
            queryset = queryset.filter(posting_date__lte=date_to)
    deleted, _counts = queryset.delete()
    return deleted
