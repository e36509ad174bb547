"""Row preparation: the import fields a column can be mapped to, and how a mapped row
becomes contact data (validation, code-table look-ups, setup defaults, a person's company and
what it inherits) and is matched against existing contacts.

A row matches an existing contact by its number when the file has one, else by its external
ID, else by name + post code (case-insensitive); a matching row is skipped, so re-importing a
file creates no duplicates. ``_result_add`` adds a batch's counts and rejected rows to the
result of its job.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Value
from django.db.models.functions import Concat, Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact
from contacts.names import name_split
from crm.linebreaks import single_line
from setup.models import (
    ContactType,
    Country,
    Currency,
    Language,
    MarketingSetup,
    Salesperson,
    Territory,
)

MAX_REPORTED_ERRORS = 500

PHONE_RE = re.compile(r"^[0-9 +\-()/.]*$")  # CON-14
_email = EmailValidator()

# Columns a CSV file can be mapped to (target -> label). Code columns hold code-table codes.
IMPORT_FIELDS: dict[str, str] = {
    "number": gettext_lazy("No."),
    "type": gettext_lazy("Type (company/person)"),
    "name": gettext_lazy("Name"),
    "name_2": gettext_lazy("Name 2"),
    "company_number": gettext_lazy("Company no. (persons)"),
    "company_name": gettext_lazy("Company name (persons: linked, or created)"),
    "address": gettext_lazy("Address"),
    "address_2": gettext_lazy("Address 2"),
    "city": gettext_lazy("City"),
    "post_code": gettext_lazy("Post code"),
    "county": gettext_lazy("County"),
    "country": gettext_lazy("Country code"),
    "phone": gettext_lazy("Phone no."),
    "mobile_phone": gettext_lazy("Mobile phone no."),
    "fax": gettext_lazy("Fax no."),
    "email": gettext_lazy("E-mail"),
    "email_2": gettext_lazy("E-mail 2"),
    "home_page": gettext_lazy("Home page"),
    "vat_registration_number": gettext_lazy("VAT registration no."),
    "registration_number": gettext_lazy("Registration no."),
    "external_id": gettext_lazy("External ID"),
    "job_title": gettext_lazy("Job title"),
    "salesperson": gettext_lazy("Salesperson code"),
    "territory": gettext_lazy("Territory code"),
    "language": gettext_lazy("Language code"),
    "currency": gettext_lazy("Currency code"),
}
CODE_FIELDS = {
    "country": Country,
    "territory": Territory,
    "language": Language,
    "currency": Currency,
}
ADDRESS_BLOCK = ("address", "address_2", "post_code", "city", "county")
COMMUNICATION = (
    "phone",
    "fax",
    "email",
    "home_page",
    "extension",
    "mobile_phone",
    "pager",
    "correspondence_type",
)


@dataclass
class PreparedRow:
    line: int
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    key: tuple = ()
    existing: str = ""  # number of the existing contact this row matches
    company: Contact | None = None
    new_company_name: str = ""  # a person's company (by name) that the import creates

    @property
    def is_valid(self) -> bool:
        return not self.errors


_CONTACT_TYPES = frozenset(ContactType.values)


@functools.cache
def _text_fields() -> dict:
    """The plain text import fields and their model fields (looked up once, not per row)."""
    return {
        name: Contact._meta.get_field(name)
        for name in IMPORT_FIELDS
        if name not in ("type", "company_number", "salesperson") and name not in CODE_FIELDS
    }


def _lookups(rows: list[dict]) -> dict:
    """Code tables and companies used by the rows, one query each."""
    wanted: dict[str, set[str]] = {
        k: set() for k in (*CODE_FIELDS, "salesperson", "company", "company_name")
    }
    for row in rows:
        for key in wanted:
            col = "company_number" if key == "company" else key
            value = single_line(row.get(col) or "").strip()
            if value:
                wanted[key].add(value.upper() if key != "company" else value)
    out: dict[str, dict] = {}
    for key, model in CODE_FIELDS.items():
        out[key] = {o.code: o for o in model.objects.filter(code__in=wanted[key])}
    out["salesperson"] = {
        o.code: o for o in Salesperson.objects.filter(code__in=wanted["salesperson"])
    }
    out["company"] = {
        o.number: o
        for o in Contact.objects.filter(
            number__in=wanted["company"], type=ContactType.COMPANY
        ).select_related("salesperson", "territory", "country", "language")
    }
    # A person's company by name: the upper-case search name (indexed) equals the name.
    by_name: dict[str, list[Contact]] = {}
    for company in (
        Contact.objects.filter(search_name__in=wanted["company_name"], type=ContactType.COMPANY)
        .select_related("salesperson", "territory", "country", "language")
        .order_by("id")
    ):
        by_name.setdefault(company.search_name, []).append(company)
    out["company_name"] = by_name
    return out


def _inherit(data: dict, company: Contact, setup: MarketingSetup) -> None:
    """CON-21…23 for a new person of ``company`` (its own values count as 'previous': none)."""
    data["company"] = company
    data["company_name"] = company.name
    for name in ("salesperson", "territory", "country", "language"):
        if getattr(setup, f"inherit_{name}"):
            data[name] = getattr(company, name)
    if setup.inherit_address and not any(data.get(f) for f in ADDRESS_BLOCK):
        for f in ADDRESS_BLOCK:
            data[f] = getattr(company, f)
    if setup.inherit_communication:
        for f in COMMUNICATION:
            if not data.get(f):
                data[f] = getattr(company, f)


def _row_prepare(
    line: int,
    raw: dict,
    lookups: dict,
    setup: MarketingSetup,
    *,
    defaults: bool,
    default_type: str = ContactType.COMPANY,
) -> PreparedRow:
    row = PreparedRow(line=line)
    data: dict = {}
    # Cells are single-line fields: a line break inside a cell becomes a space (a printable
    # cell has none: the common case skips the regular expression).
    raw = {
        k: v if isinstance(v, str) and v.isprintable() else single_line(v) for k, v in raw.items()
    }
    ctype = ((raw.get("type") or "").strip() or default_type).lower()
    if ctype not in _CONTACT_TYPES:
        row.errors.append(_("Type must be company or person."))
        ctype = ContactType.COMPANY
    data["type"] = ctype
    for name, model_field in _text_fields().items():
        value = (raw.get(name) or "").strip()
        if not value:
            continue
        if model_field.max_length and len(value) > model_field.max_length:
            row.errors.append(
                _("%(field)s is longer than %(max)d characters.")
                % {"field": model_field.verbose_name, "max": model_field.max_length}
            )
            continue
        data[name] = value
    if not data.get("name"):
        row.errors.append(_("Name is required."))
    for name in ("phone", "mobile_phone"):
        if data.get(name) and not PHONE_RE.match(data[name]):
            row.errors.append(
                _("%(field)s may contain digits, spaces and + - ( ) / . only.")
                % {"field": Contact._meta.get_field(name).verbose_name}
            )
    for name in ("email", "email_2"):
        if data.get(name):
            try:
                _email(data[name])
            except ValidationError:
                row.errors.append(
                    _("%(value)s is not a valid e-mail address.") % {"value": data[name]}
                )
    for name in (*CODE_FIELDS, "salesperson"):
        code = (raw.get(name) or "").strip().upper()
        if not code:
            continue
        obj = lookups[name].get(code)
        if obj is None:
            row.errors.append(
                _("Unknown %(field)s code %(code)s.")
                % {"field": Contact._meta.get_field(name).verbose_name, "code": code}
            )
        elif name == "salesperson" and obj.is_privacy_blocked:
            row.errors.append(_("Salesperson %(code)s is blocked due to privacy.") % {"code": code})
        else:
            data[name] = obj
    if data.get("vat_registration_number"):
        data["vat_registration_number"] = data["vat_registration_number"].upper()
    if ctype == ContactType.PERSON:
        data["first_name"], data["middle_name"], data["surname"] = name_split(data.get("name", ""))
        company_no = (raw.get("company_number") or "").strip()
        if company_no:
            company = lookups["company"].get(company_no)
            if company is None:
                row.errors.append(_("No company %(number)s.") % {"number": company_no})
            else:
                row.company = company
                _inherit(data, company, setup)
        elif data.get("company_name"):
            _company_by_name(row, data, lookups, setup)
    elif raw.get("job_title"):
        data.pop("job_title", None)
        row.warnings.append(_("Job title is ignored on companies."))
    if defaults:  # CON-2 / CON-3
        for name in ("salesperson", "territory", "country", "language"):
            if data.get(name) is None:
                data[name] = getattr(setup, f"default_{name}")
        data.setdefault("correspondence_type", setup.default_correspondence_type or "")
        data["salutation"] = (
            setup.default_company_salutation
            if ctype == ContactType.COMPANY
            else setup.default_person_salutation
        )
    data["search_name"] = data.get("name", "").upper()
    data["search_email"] = data.get("email", "").upper()
    row.data = data
    if data.get("number"):
        row.key = ("number", data["number"])
    elif data.get("external_id"):
        row.key = ("external_id", data["external_id"])
    else:
        row.key = ("natural", f"{data.get('name', '').upper()}|{data.get('post_code', '').upper()}")
    return row


def _company_by_name(row: PreparedRow, data: dict, lookups: dict, setup: MarketingSetup):
    """A person's company named in the file: one company of that name links it, several
    reject the row (CON-20), none means the import creates it."""
    name = data["company_name"]
    hits = lookups["company_name"].get(name.upper(), [])
    if len(hits) > 1:
        row.errors.append(
            _("Ambiguous company name %(text)s: give the company number instead.") % {"text": name}
        )
    elif hits:
        row.company = hits[0]
        _inherit(data, hits[0], setup)
    else:
        row.new_company_name = name
        row.warnings.append(_("Company %(name)s will be created.") % {"name": name})


def _match_existing(rows: list[PreparedRow]) -> None:
    """Mark rows matching an existing contact (number, else external ID, else natural key)."""
    by_kind: dict[str, set[str]] = {"number": set(), "external_id": set(), "natural": set()}
    for row in rows:
        if row.key:
            by_kind[row.key[0]].add(row.key[1])
    found: dict[tuple, str] = {}
    if by_kind["number"]:
        for number in Contact.objects.filter(number__in=by_kind["number"]).values_list(
            "number", flat=True
        ):
            found[("number", number)] = number
    if by_kind["external_id"]:
        for ext, number in Contact.objects.filter(
            external_id__in=by_kind["external_id"]
        ).values_list("external_id", "number"):
            found.setdefault(("external_id", ext), number)
    if by_kind["natural"]:
        for key, number in (
            Contact.objects.annotate(natural=Concat(Upper("name"), Value("|"), Upper("post_code")))
            .filter(natural__in=by_kind["natural"])
            .values_list("natural", "number")
        ):
            found.setdefault(("natural", key), number)
    seen: set[tuple] = set()
    for row in rows:
        if row.key in found:
            row.existing = found[row.key]
            row.warnings.append(
                _("Matches existing contact %(number)s: skipped.") % {"number": row.existing}
            )
        elif row.key in seen:
            row.existing = "-"
            row.warnings.append(_("Same contact as an earlier row of the file: skipped."))
        seen.add(row.key)


def _mapped(header: list[str], cells: list[str], mapping: dict[str, str]) -> dict:
    raw: dict[str, str] = {}
    for index, column in enumerate(header):
        target = mapping.get(column)
        if target and target in IMPORT_FIELDS and index < len(cells):
            raw[target] = cells[index]
    return raw


def rows_prepare(
    *,
    header: list[str],
    rows: list[list[str]],
    mapping: dict[str, str],
    first_line: int = 2,
    defaults: bool = True,
    match_existing: bool = True,
    default_type: str = ContactType.COMPANY,
) -> list[PreparedRow]:
    setup = MarketingSetup.load()
    raws = [_mapped(header, cells, mapping) for cells in rows]
    lookups = _lookups(raws)
    prepared = [
        _row_prepare(
            first_line + i, raw, lookups, setup, defaults=defaults, default_type=default_type
        )
        for i, raw in enumerate(raws)
    ]
    if match_existing:
        _match_existing([r for r in prepared if r.is_valid])
    return prepared


def _result_add(
    result: dict,
    *,
    created=0,
    skipped=0,
    rejected: Iterable[PreparedRow] = (),
    contact_ids: Iterable[int] = (),
) -> dict:
    result = dict(result or {})
    result["created"] = int(result.get("created", 0)) + created
    result["skipped"] = int(result.get("skipped", 0)) + skipped
    errors = list(result.get("errors", []))
    for row in rejected:
        result["rejected"] = int(result.get("rejected", 0)) + 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append({"line": row.line, "errors": row.errors})
    result.setdefault("rejected", 0)
    result["errors"] = errors
    return result
