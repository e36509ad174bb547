"""Contact import and export: CSV and vCard import with column mapping, import from
business-system records (CON-58/59), CSV and vCard export.

A vCard file (3.0 or 4.0, parsed with ``vobject``) becomes, at upload, a CSV table whose
columns are import fields (``VCARD_COLUMNS``), so it goes through the same mapping, dry run and
job as a CSV file.

Imports are set-based: each batch validates its rows, drops the rows that already exist, takes
its contact numbers from the series in one locked block and inserts with ``bulk_create``.
Re-importing a file creates no duplicates: a row matches an existing contact by its number when
the file has one, else by its external ID, else by name + post code (case-insensitive), and a
matching row is skipped.
"""

import csv
import functools
import hashlib
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import vobject
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from vobject.vcard import Address, Name

from crm.csv_export import SafeWriter
from crm.exceptions import ApplicationError
from crm.linebreaks import single_line
from crm.models import BulkJob
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start
from crm.sql import quote, table
from setup.models import (
    ContactType,
    Country,
    Currency,
    Language,
    LinkType,
    MarketingSetup,
    NumberSeriesLine,
    Salesperson,
    Territory,
)
from setup.numbering import increment, numeric_part
from setup.services import number_assign, number_series_issue

from .dedupe import contact_duplicate_strings_rebuild
from .links import contact_business_relation_summary_recompute
from .models import (
    Contact,
    ContactBusinessRelation,
    ContactDuplicateSearchString,
    PickupStatus,
)
from .names import name_split  # the one CON-10 split (contacts/names.py), re-exported

IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_BATCH_SIZE = 5000  # rows per task message and per COPY (~2 s of work)
ANALYZE_SHARE = 0.10  # an import adding more than this share of the contacts refreshes statistics
BS_IMPORT_BATCH_SIZE = 200  # SPEC 3.7
MAX_REPORTED_ERRORS = 500
CSV_JOB_KIND = "contact_import_csv"
BS_JOB_KIND = "contact_import_from_business_system"
MATCH_RULE = gettext_lazy(
    "A row matches an existing contact by its number when the file has one, else by its "
    "external ID, else by name and post code (case-insensitive). Matching rows are skipped, "
    "so importing the same file twice creates no duplicates."
)

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

# CON-58 record columns.
BS_COLUMNS = (
    "link_type",
    "external_number",
    "name",
    "name_2",
    "address",
    "address_2",
    "city",
    "post_code",
    "county",
    "country",
    "phone",
    "email",
    "home_page",
    "vat_registration_number",
    "currency",
    "language",
    "salesperson",
    "contact_person",
)
BS_LINK_TYPES = (LinkType.CUSTOMER, LinkType.VENDOR, LinkType.BANK_ACCOUNT)


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


VCARD_SUFFIXES = (".vcf",)
# A vCard upload is parsed once (vobject takes seconds for thousands of cards) and stored as
# a CSV table of import fields; every later step reads that table like any CSV file.
VCARD_TABLE_SUFFIX = ".vcf.csv"


def import_file_store(*, uploaded_file) -> str:
    """Check an upload (size, type, encoding) and keep it in storage; return its name."""
    name = (getattr(uploaded_file, "name", "") or "").lower()
    is_vcard = name.endswith(VCARD_SUFFIXES)
    if not (name.endswith(".csv") or is_vcard):
        raise ValidationError({"file": _("Upload a .csv or .vcf file.")})
    if uploaded_file.size > IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(size)d MB.")
                % {"size": IMPORT_MAX_BYTES // 2**20}
            }
        )
    content = uploaded_file.read()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": _("The file must be UTF-8 text.")}) from exc
    if "\x00" in text:
        raise ValidationError({"file": _("The file is not a text file.")})
    if is_vcard:
        header, rows = _parse_vcards(text)
        if not rows:
            raise ValidationError({"file": _("The file holds no vCard.")})
        table = io.StringIO(newline="")
        writer = csv.writer(table, csv.excel)
        writer.writerow(header)
        writer.writerows(rows)
        content = table.getvalue().encode()
        suffix = VCARD_TABLE_SUFFIX
    else:
        headers, _rows = _parse(text)
        if not headers:
            raise ValidationError({"file": _("The file has no header row.")})
        suffix = ".csv"
    return default_storage.save(
        f"imports/contacts/{uuid.uuid4().hex}{suffix}", ContentFile(content)
    )


def _parse(text: str, dialect=None) -> tuple[list[str], list[list[str]]]:
    if dialect is None:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ValidationError(
            {"file": _("The file is not valid CSV: %(error)s") % {"error": exc}},
            code="invalid_csv",
        ) from exc
    if not rows:
        return [], []
    return [h.strip() for h in rows[0]], rows[1:]


_parsed_file: dict = {}  # {"key": (path, digest), "parsed": (header, rows)}; read-only rows


def import_file_read(*, path: str) -> tuple[list[str], list[list[str]]]:
    if not path.startswith("imports/contacts/") or ".." in path:
        raise ApplicationError(_("Unknown import file."))
    with default_storage.open(path, "rb") as fh:
        raw = fh.read()
    # Every batch of a job reads the same file; parsing 100,000 rows again per batch made the
    # import quadratic. The last parse is kept per process, keyed by the content's digest.
    key = (path, hashlib.blake2b(raw, digest_size=16).digest())
    if _parsed_file.get("key") != key:
        _parsed_file.clear()
        text = raw.decode("utf-8-sig")
        vcard = path.endswith(VCARD_TABLE_SUFFIX)  # written by us: no dialect to guess
        parsed = _parse(text, csv.excel if vcard else None)
        _parsed_file.update(key=key, parsed=parsed)
    header, rows = _parsed_file["parsed"]
    return list(header), rows


# --------------------------------------------------------------------------------------------
# vCard files (3.0 / 4.0) read as a table of import fields
# --------------------------------------------------------------------------------------------

VCARD_COLUMNS = [
    "type",
    "name",
    "company_name",
    "job_title",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country",
    "phone",
    "mobile_phone",
    "fax",
    "email",
    "email_2",
    "home_page",
]


def _vcard_cards(text: str) -> list:
    """The VCARD components of ``text`` (folded lines, escapes and encodings by vobject)."""
    try:
        components = list(vobject.readComponents(text, ignoreUnreadable=True, allowQP=True))
    except Exception as exc:  # vobject raises ParseError and plain ValueErrors
        raise ValidationError(
            {"file": _("The file is not a valid vCard file: %(error)s") % {"error": exc}},
            code="invalid_vcard",
        ) from exc
    return [c for c in components if c.name == "VCARD"]


def _vcard_types(prop) -> set[str]:
    """TYPE parameters of a property, lower-case (``TYPE=WORK,VOICE``, ``TYPE="work,voice"``,
    repeated ``TYPE=`` and vCard 2.1 bare ``;WORK;FAX``)."""
    values = [*prop.params.get("TYPE", []), *prop.singletonparams]
    types = {t.strip().lower() for v in values for t in str(v).split(",") if t.strip()}
    if prop.params.get("PREF"):
        types.add("pref")
    return types


def _vcard_props(card, key: str) -> list:
    """The card's ``key`` properties, preferred ones (TYPE=pref / PREF=1) first."""
    props = card.contents.get(key, [])
    return sorted(props, key=lambda p: "pref" not in _vcard_types(p))


def _vcard_text(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_vcard_text(v) for v in value if _vcard_text(v))
    return str(value or "").strip()


def _vcard_first(card, key: str) -> str:
    props = _vcard_props(card, key)
    return _vcard_text(props[0].value) if props else ""


def _vcard_row(card) -> dict[str, str]:
    """Import fields of one vCard: FN/N the name, ORG the company, ADR (work or preferred
    first) the address block, TEL by TYPE (cell, fax, other), the first two EMAILs."""
    row: dict[str, str] = {}
    org_props = card.contents.get("org", [])
    org_value = org_props[0].value if org_props else ""
    org = _vcard_text(org_value[0] if isinstance(org_value, list) and org_value else org_value)
    name_props = card.contents.get("n", [])
    n = name_props[0].value if name_props else None
    person_name = ""
    if isinstance(n, Name):
        person_name = " ".join(
            p for p in (_vcard_text(n.given), _vcard_text(n.additional), _vcard_text(n.family)) if p
        )
    kind = _vcard_first(card, "kind").lower()
    show_as = _vcard_first(card, "x-abshowas").lower()
    if kind == "org" or show_as == "company" or (org and not person_name and kind != "individual"):
        row["type"] = ContactType.COMPANY
        row["name"] = org or _vcard_first(card, "fn")
    else:
        row["type"] = ContactType.PERSON
        row["name"] = _vcard_first(card, "fn") or person_name
        row["company_name"] = org
        row["job_title"] = _vcard_first(card, "title")
    adr_props = sorted(
        card.contents.get("adr", []),
        key=lambda p: ("work" not in _vcard_types(p), "pref" not in _vcard_types(p)),
    )
    if adr_props and isinstance(adr_props[0].value, Address):
        adr = adr_props[0].value
        parts = [
            str(item)
            for part in (adr.street, adr.extended, adr.box)
            for item in (part if isinstance(part, list) else [part or ""])
        ]
        lines = [line.strip() for part in parts for line in part.splitlines() if line.strip()]
        row["address"] = lines[0] if lines else ""
        row["address_2"] = ", ".join(lines[1:])
        row["city"] = _vcard_text(adr.city)
        row["county"] = _vcard_text(adr.region)
        row["post_code"] = _vcard_text(adr.code)
        row["country"] = _vcard_text(adr.country)
    for prop in _vcard_props(card, "tel"):
        number = _vcard_text(prop.value)
        number = number[4:] if number.lower().startswith("tel:") else number
        types = _vcard_types(prop)
        slot = (
            "fax"
            if "fax" in types
            else "mobile_phone"
            if types & {"cell", "mobile", "iphone"}
            else "phone"
        )
        row.setdefault(slot, number)
    emails = [_vcard_text(p.value) for p in _vcard_props(card, "email")]
    for slot, email in zip(("email", "email_2"), emails, strict=False):
        row[slot] = email.removeprefix("mailto:")
    row["home_page"] = _vcard_first(card, "url")
    return row


def _country_codes(values: Iterable[str]) -> dict[str, str]:
    """Country names or codes of a file -> codes of the country table (one query)."""
    wanted = {v.strip().upper() for v in values if v and v.strip()}
    if not wanted:
        return {}
    out: dict[str, str] = {}
    for code, name in Country.objects.values_list("code", "name"):
        for key in (code.upper(), (name or "").upper()):
            if key in wanted:
                out.setdefault(key, code)
    return out


def _parse_vcards(text: str) -> tuple[list[str], list[list[str]]]:
    rows = [_vcard_row(card) for card in _vcard_cards(text)]
    countries = _country_codes(r.get("country", "") for r in rows)
    for row in rows:
        country = row.get("country", "").strip()
        row["country"] = countries.get(country.upper(), country)
    return list(VCARD_COLUMNS), [[row.get(c, "") for c in VCARD_COLUMNS] for row in rows]


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """Pre-select the target of each column whose header names a field."""
    labels = {str(label).lower(): key for key, label in IMPORT_FIELDS.items()}
    out: dict[str, str] = {}
    for header in headers:
        norm = header.strip().lower()
        key = norm.replace(" ", "_")
        if key in IMPORT_FIELDS:
            out[header] = key
        elif norm in labels:
            out[header] = labels[norm]
    return out


# --------------------------------------------------------------------------------------------
# Row preparation (validation, defaults, matching)
# --------------------------------------------------------------------------------------------


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


@dataclass
class ImportPreview:
    total: int
    valid: int
    to_create: int
    matched: int
    rows: list[PreparedRow]

    @property
    def rejected(self) -> list[PreparedRow]:
        return [r for r in self.rows if r.errors]

    @property
    def warned(self) -> list[PreparedRow]:
        return [r for r in self.rows if r.warnings and not r.errors]


def _mapping_check(*, mapping: dict[str, str], default_type: str) -> None:
    if "name" not in mapping.values():
        raise ValidationError(_("Map a column to Name."))
    if default_type not in ContactType.values:
        raise ValidationError(_("Type must be company or person."))


def contact_import_preview(
    *,
    path: str,
    mapping: dict[str, str],
    match_existing: bool = True,
    default_type: str = ContactType.COMPANY,
) -> ImportPreview:
    """Dry run: per-row errors and duplicate warnings; nothing is written.

    ``default_type`` is the type of rows without one (no type column, or a blank cell).
    ``match_existing=False`` skips the look-up of existing contacts (warnings only), for
    callers that need the errors alone."""
    _mapping_check(mapping=mapping, default_type=default_type)
    header, rows = import_file_read(path=path)
    prepared = rows_prepare(
        header=header,
        rows=rows,
        mapping=mapping,
        match_existing=match_existing,
        default_type=default_type,
    )
    valid = [r for r in prepared if r.is_valid]
    matched = [r for r in valid if r.existing]
    return ImportPreview(
        total=len(prepared),
        valid=len(valid),
        to_create=len(valid) - len(matched),
        matched=len(matched),
        rows=prepared,
    )


# --------------------------------------------------------------------------------------------
# Numbers in one locked block
# --------------------------------------------------------------------------------------------


def contact_numbers_issue_block(*, count: int) -> list[tuple[str, int | None]]:
    """``count`` numbers from ``contact_series`` in the caller's transaction (SET-15/16).

    The first issue locks the line in effect; the rest of the block is computed from it and
    written with one UPDATE. A block that reaches the line's end falls back to single issues
    (which move to the next line or fail with "no more numbers").
    """
    if count <= 0:
        return []
    first = number_assign(setup_field="contact_series", model=Contact)
    series = first.series
    numbers = [first.number]
    line = (
        NumberSeriesLine.objects.select_for_update()
        .filter(series=series, last_number_used=first.number)
        .order_by("-id")
        .first()
    )
    if line is not None and line.is_open:
        current, block = first.number, []
        while len(numbers) + len(block) < count:
            nxt = increment(current, line.increment_by)
            if nxt is None or (
                line.ending_number and numeric_part(nxt) > numeric_part(line.ending_number)
            ):
                break
            block.append(nxt)
            current = nxt
        if block:
            closed = bool(line.ending_number) and numeric_part(block[-1]) == numeric_part(
                line.ending_number
            )
            NumberSeriesLine.objects.filter(pk=line.pk).update(
                last_number_used=block[-1], is_open=not closed, updated_at=timezone.now()
            )
            numbers += block
    while len(numbers) < count:
        numbers.append(number_series_issue(series=series).number)
    return [(n, series.pk if series else None) for n in numbers]


def _copy_fields() -> list:
    """The columns an import writes: every concrete column but the generated ones."""
    return [f for f in Contact._meta.concrete_fields if not f.generated]


def _bulk_insert(rows: list[PreparedRow], *, objects: bool = True) -> list[Contact]:
    """Insert prepared rows (companies self-linked, CON-4); typed numbers keep no series.

    One ``COPY`` per call: the ids are drawn from the table's sequence first (one query), so
    a company is written complete with its self-link and no ORM object is built per row.
    Returns the inserted contacts as unsaved-looking instances with their pk, or, with
    ``objects=False`` (persons of a CSV batch: only their count is used), the companies only.
    """
    if not rows:
        return []
    auto = [r for r in rows if not r.data.get("number")]
    issued = iter(contact_numbers_issue_block(count=len(auto)))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table(Contact), Contact._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    fields = _copy_fields()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif not f.primary_key:
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    defaults[Contact._meta.get_field("last_modified_at").attname] = now
    relations = {f.name: f.attname for f in fields if f.is_relation}
    out, records = [], []
    for row, pk in zip(rows, ids, strict=True):
        data = dict(row.data)
        if not data.get("number"):
            data["number"], data["number_series_id"] = next(issued)
        is_company = data["type"] == ContactType.COMPANY
        if is_company:
            data["company_name"] = data.get("name", "")
            data["company_id"] = pk
        values = dict(defaults, id=pk)
        for name, value in data.items():
            attname = relations.get(name)
            if attname is not None:  # a related object (or None)
                values[attname] = value.pk if value is not None else None
            else:
                values[name] = value
        records.append(tuple(values[f.attname] for f in fields))
        if objects or is_company:
            obj = Contact(last_modified_at=now, **data)
            obj.pk = pk
            obj._state.adding = False
            out.append(obj)
    copy_sql = f"COPY {table(Contact)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for record in records:
            copy.write_row(record)
    return out


def _insert_with_companies(rows: list[PreparedRow]) -> tuple[list[Contact], int]:
    """Insert the rows; a person whose company (by name) does not exist yet is linked to the
    company of that name inserted by the same batch, or to a company created for it. Returns
    the companies created and the number of persons."""
    companies = [r for r in rows if r.data["type"] == ContactType.COMPANY]
    persons = [r for r in rows if r.data["type"] != ContactType.COMPANY]
    created = _bulk_insert(companies) if companies else []
    waiting = [r for r in persons if r.new_company_name]
    if waiting:
        setup = MarketingSetup.load()
        by_name: dict[str, Contact] = {}
        for company in created:
            by_name.setdefault(company.name.upper(), company)
        missing: dict[str, str] = {}
        for row in waiting:
            key = row.new_company_name.upper()
            if key not in by_name:
                missing.setdefault(key, row.new_company_name)
        lookups = _lookups([])
        new_rows = [
            _row_prepare(
                0, {"type": ContactType.COMPANY, "name": name}, lookups, setup, defaults=True
            )
            for name in missing.values()
        ]
        new_companies = _bulk_insert(new_rows)
        for company in new_companies:
            by_name[company.name.upper()] = company
        created += new_companies
        for row in waiting:
            company = by_name[row.new_company_name.upper()]
            row.company = company
            _inherit(row.data, company, setup)
    if persons:
        _bulk_insert(persons, objects=False)
    return created, len(persons)


def _typed_numbers_check(rows: list[PreparedRow]) -> None:
    """SET-17 for rows with a number: the series must allow manual numbers."""
    if not any(r.data.get("number") for r in rows if r.is_valid):
        return
    series = MarketingSetup.load().contact_series
    if series is None or not series.manual_numbers:
        message = _("Series %(code)s does not allow manual numbers.") % {
            "code": series.code if series else "-"
        }
        for row in rows:
            if row.data.get("number") and not row.existing:
                row.errors.append(message)


# --------------------------------------------------------------------------------------------
# CSV import job
# --------------------------------------------------------------------------------------------


@transaction.atomic
def contact_import_csv_start(
    *,
    path: str,
    mapping: dict[str, str],
    skip_rejected: bool,
    user=None,
    enqueue: bool = True,
    default_type: str = ContactType.COMPANY,
) -> BulkJob:
    """Confirm an import: a file with any invalid row imports nothing unless the user chose
    to skip rejected rows. The job then runs in batches on the worker."""
    from .tasks import contact_import_csv_task

    typed_numbers = "number" in mapping.values()
    if skip_rejected and not typed_numbers:
        # Each batch validates its rows and skips the rejected ones: checking the whole file
        # here as well only repeated the per-row work of the preview.
        _mapping_check(mapping=mapping, default_type=default_type)
        total, rejected = len(import_file_read(path=path)[1]), []
    else:
        # Only the errors matter here (each batch matches existing contacts again); matches
        # are needed up front only to spare existing rows the typed-number check.
        preview = contact_import_preview(
            path=path, mapping=mapping, match_existing=typed_numbers, default_type=default_type
        )
        _typed_numbers_check(preview.rows)
        total, rejected = preview.total, [r for r in preview.rows if r.errors]
    if rejected and not skip_rejected:
        raise ApplicationError(
            _(
                "%(count)d row(s) are invalid; nothing was imported. Fix the file or tick "
                '"skip rejected rows".'
            )
            % {"count": len(rejected)}
        )
    job = bulk_job_create(
        kind=CSV_JOB_KIND,
        user=user,
        total=total,
        params={
            "path": path,
            "mapping": mapping,
            "skip_rejected": skip_rejected,
            "default_type": default_type,
            "offset": 0,
        },
    )
    if enqueue:
        contact_import_csv_task.delay_on_commit(job.pk)
    return job


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


def contact_import_statistics_refresh(*, created: int) -> bool:
    """ANALYZE the tables an import wrote when it added more than ``ANALYZE_SHARE`` of the
    contacts the planner knows of (``pg_class.reltuples``; -1 when never analysed).

    Runs after the import commits: the user's next step is a search, and a rare fragment
    planned on statistics that predate a large import can take the wrong plan."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table(Contact)])
        (known,) = cursor.fetchone()
        if created <= 0 or (known >= 0 and created <= ANALYZE_SHARE * known):
            return False
        for model in (Contact, ContactDuplicateSearchString):
            cursor.execute(f"ANALYZE {table(model)}")
    return True


def contact_import_csv_batch(*, job_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> bool:
    """Import the next batch of the file; return True when more rows are left."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        params = job.params
        offset = int(params.get("offset", 0))
        header, rows = import_file_read(path=params["path"])
        chunk = rows[offset : offset + batch_size]
        prepared = rows_prepare(
            header=header,
            rows=chunk,
            mapping=params["mapping"],
            first_line=offset + 2,
            default_type=params.get("default_type") or ContactType.COMPANY,
        )
        _typed_numbers_check(prepared)
        rejected = [r for r in prepared if r.errors]
        if rejected and not params.get("skip_rejected"):
            transaction.set_rollback(True)
        else:
            fresh = [r for r in prepared if r.is_valid and not r.existing]
            companies, persons = _insert_with_companies(fresh)
            if MarketingSetup.load().maintain_duplicate_strings:
                contact_duplicate_strings_rebuild(contact_ids=[c.pk for c in companies])
            result = _result_add(
                job.result,
                created=len(companies) + persons,
                skipped=len([r for r in prepared if r.is_valid and r.existing]),
                rejected=rejected,
            )
            done = offset + len(chunk)
            BulkJob.objects.filter(pk=job_id).update(
                params={**params, "offset": done}, result=result
            )
            bulk_job_progress(job_id=job_id, done=min(done, job.total))
            if done < len(rows):
                return True
            bulk_job_finish(job_id=job_id, result=result)
            created = result["created"]
            transaction.on_commit(lambda: contact_import_statistics_refresh(created=created))
            return False
    bulk_job_finish(
        job_id=job_id,
        error=_("%(count)d row(s) are invalid; nothing was imported.") % {"count": len(rejected)},
        result=_result_add({}, rejected=rejected),
    )
    return False


# --------------------------------------------------------------------------------------------
# Import from business-system records (CON-58, CON-59)
# --------------------------------------------------------------------------------------------


def _bs_setup_check(link_types: Iterable[str], setup: MarketingSetup) -> None:
    for link_type in sorted(set(link_types)):
        if link_type not in BS_LINK_TYPES:
            continue
        if getattr(setup, f"{link_type}_relation_id") is None:
            raise ApplicationError(
                _("Set %(field)s in Marketing setup.")
                % {"field": MarketingSetup._meta.get_field(f"{link_type}_relation").verbose_name}
            )


def _bs_import_rows(records: list[dict], *, first_line: int = 1) -> dict:
    """Create companies (no setup defaults), their acknowledged links and contact persons."""
    setup = MarketingSetup.load()
    _bs_setup_check([(r.get("link_type") or "").strip().lower() for r in records], setup)
    raws, errors_pre = [], {}
    for i, rec in enumerate(records):
        link_type = (rec.get("link_type") or "").strip().lower()
        external = (rec.get("external_number") or "").strip().upper()
        problems = []
        if link_type not in BS_LINK_TYPES:
            problems.append(_("Link type must be customer, vendor or bank_account."))
        if not external:
            problems.append(_("External number is required."))
        errors_pre[i] = problems
        raws.append(
            {
                **{k: (rec.get(k) or "") for k in BS_COLUMNS if k != "link_type"},
                "link_type": link_type,
                "external_number": external,
                "type": ContactType.COMPANY,
            }
        )
    linked = set(
        ContactBusinessRelation.objects.filter(
            external_number__in=[r["external_number"] for r in raws],
            link_type__in=BS_LINK_TYPES,
        ).values_list("link_type", "external_number")
    )
    lookups = _lookups(raws)
    prepared, skipped, seen = [], 0, set()
    for i, raw in enumerate(raws):
        key = (raw["link_type"], raw["external_number"])
        if key in linked or key in seen:
            skipped += 1
            continue
        seen.add(key)
        row = _row_prepare(first_line + i, raw, lookups, setup, defaults=False)
        row.errors = errors_pre[i] + row.errors
        row.key = key
        prepared.append(row)
    valid = [r for r in prepared if r.is_valid]
    companies = _bulk_insert(valid)
    now = timezone.now()
    ContactBusinessRelation.objects.bulk_create(
        [
            ContactBusinessRelation(
                contact=company,
                business_relation_id=getattr(setup, f"{row.key[0]}_relation_id"),
                link_type=row.key[0],
                external_number=row.key[1],
                pickup_status=PickupStatus.ACKNOWLEDGED,
                acknowledged_at=now,
            )
            for row, company in zip(valid, companies, strict=True)
        ]
    )
    person_rows = []
    for row, company in zip(valid, companies, strict=True):
        name = single_line(raws[row.line - first_line].get("contact_person") or "").strip()[:100]
        if not name:
            continue
        company.company_id = company.pk
        first, middle, last = name_split(name)
        data = {
            "type": ContactType.PERSON,
            "name": name,
            "search_name": name.upper(),
            "first_name": first[:30],
            "middle_name": middle[:30],
            "surname": last[:30],
        }
        _inherit(data, company, setup)
        data["search_email"] = (data.get("email") or "").upper()
        person_rows.append(PreparedRow(line=row.line, data=data))
    persons = _bulk_insert(person_rows) if person_rows else []
    company_ids = [c.pk for c in companies]
    contact_duplicate_strings_rebuild(contact_ids=company_ids)
    contact_business_relation_summary_recompute(contact_ids=company_ids)
    return {
        "created": len(companies),
        "persons": len(persons),
        "skipped": skipped,
        "rejected": [r for r in prepared if r.errors],
        "contact_ids": company_ids,
    }


@transaction.atomic
def contact_import_from_business_system_start(
    *, records: list[dict], user=None, enqueue: bool = True
) -> BulkJob:
    """CON-58: start the import; a missing setup relation code fails before writing anything."""
    from .tasks import contact_import_from_business_system_task

    setup = MarketingSetup.load()
    _bs_setup_check([(r.get("link_type") or "").strip().lower() for r in records], setup)
    job = bulk_job_create(
        kind=BS_JOB_KIND, user=user, total=len(records), params={"records": records, "offset": 0}
    )
    if enqueue:
        contact_import_from_business_system_task.delay_on_commit(job.pk)
    return job


def contact_import_from_business_system_batch(
    *, job_id: int, batch_size: int = BS_IMPORT_BATCH_SIZE
) -> bool:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        records = job.params.get("records", [])
        offset = int(job.params.get("offset", 0))
        chunk = records[offset : offset + batch_size]
        try:
            out = _bs_import_rows(chunk, first_line=offset + 1)
        except ApplicationError as exc:
            transaction.set_rollback(True)
            error = exc.message
        else:
            error = ""
            result = _result_add(
                job.result, created=out["created"], skipped=out["skipped"], rejected=out["rejected"]
            )
            result["persons"] = int(result.get("persons", 0)) + out["persons"]
            result["failed"] = result["rejected"]
            result["duplicates_found"] = bool(result.get("duplicates_found")) or (
                Contact.objects.filter(pk__in=out["contact_ids"])
                .filter(
                    Q(duplicate_pairs__is_separate=False) | Q(duplicate_of_pairs__is_separate=False)
                )
                .exists()
            )
            done = offset + len(chunk)
            BulkJob.objects.filter(pk=job_id).update(
                params={**job.params, "offset": done}, result=result
            )
            bulk_job_progress(job_id=job_id, done=min(done, job.total))
            if done < len(records):
                return True
            bulk_job_finish(job_id=job_id, result=result)
            return False
    bulk_job_finish(job_id=job_id, error=error)
    return False


@transaction.atomic
def contact_create_from_business_system(
    *, link_type: str, external_number: str, data: dict, create_contact: bool = True
) -> Contact | None:
    """CON-59: the business system reports a new customer/vendor/bank account. With
    ``create_contact`` a linked company contact is created exactly as in CON-58."""
    if not create_contact:
        return None
    out = _bs_import_rows([{**data, "link_type": link_type, "external_number": external_number}])
    if out["rejected"]:
        raise ValidationError("; ".join(out["rejected"][0].errors))
    if not out["contact_ids"]:
        raise ApplicationError(
            _("%(kind)s %(number)s is already linked.")
            % {"kind": link_type, "number": external_number}
        )
    return Contact.objects.get(pk=out["contact_ids"][0])


def business_system_records_read(*, path: str) -> list[dict]:
    """Rows of a business-system CSV (header names = ``BS_COLUMNS``)."""
    header, rows = import_file_read(path=path)
    keys = [h.strip().lower() for h in header]
    return [{k: v for k, v in zip(keys, cells, strict=False) if k in BS_COLUMNS} for cells in rows]


# --------------------------------------------------------------------------------------------
# Export (CSV and vCard)
# --------------------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "number",
    "type",
    "name",
    "name_2",
    "company_name",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country",
    "phone",
    "mobile_phone",
    "email",
    "home_page",
    "vat_registration_number",
    "external_id",
    "salesperson",
)
EXPORT_CHUNK = 2000


def _export_value(contact: Contact, name: str) -> str:
    value = getattr(contact, name)
    if hasattr(value, "code"):
        return value.code
    return "" if value is None else str(value)


def contacts_csv_rows(queryset) -> Iterator[str]:
    """CSV lines of ``queryset``, streamed in chunks (the header uses the field names, so the
    file can be imported again)."""
    writer = SafeWriter()
    yield "\ufeff" + writer.writerow(EXPORT_FIELDS)
    qs = queryset.defer(None).select_related("country", "salesperson").order_by("pk")
    for contact in qs.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow([_export_value(contact, f) for f in EXPORT_FIELDS])


def _vcard_add(card, key: str, value, types: tuple[str, ...] = ()):
    prop = card.add(key)
    prop.value = value
    if types:
        prop.params["TYPE"] = list(types)
    return prop


def contact_vcard(contact: Contact) -> str:
    """One vCard 4.0 (RFC 6350) for a contact, written by vobject (escaping, folding at 75
    octets, CRLF line ends)."""
    card = vobject.vCard()
    _vcard_add(card, "version", "4.0")
    is_person = contact.type == ContactType.PERSON
    _vcard_add(card, "kind", "individual" if is_person else "org")
    _vcard_add(card, "fn", contact.name)
    if is_person:
        _vcard_add(
            card,
            "n",
            Name(
                family=contact.surname or "",
                given=contact.first_name or "",
                additional=contact.middle_name or "",
            ),
        )
        if contact.company_name:
            _vcard_add(card, "org", [contact.company_name])
        if contact.job_title:
            _vcard_add(card, "title", contact.job_title)
    else:
        _vcard_add(card, "n", Name())
        _vcard_add(card, "org", [contact.name])
    country = contact.country.name if contact.country_id else ""
    if any([contact.address, contact.address_2, contact.city, contact.post_code, country]):
        street = "\n".join(p for p in [contact.address, contact.address_2] if p)
        _vcard_add(
            card,
            "adr",
            Address(
                street=street,
                city=contact.city or "",
                region=contact.county or "",
                code=contact.post_code or "",
                country=country,
            ),
            ("work",),
        )
    if contact.phone:
        _vcard_add(card, "tel", contact.phone, ("work", "voice"))
    if contact.mobile_phone:
        _vcard_add(card, "tel", contact.mobile_phone, ("cell",))
    if contact.fax:
        _vcard_add(card, "tel", contact.fax, ("work", "fax"))
    for email in (contact.email, contact.email_2):
        if email:
            _vcard_add(card, "email", email, ("work",))
    if contact.home_page:
        _vcard_add(card, "url", contact.home_page)
    _vcard_add(card, "uid", f"crm-contact-{contact.number}")
    return card.serialize()


def contacts_vcard_stream(queryset) -> Iterator[str]:
    for contact in (
        queryset.select_related("country").order_by("pk").iterator(chunk_size=EXPORT_CHUNK)
    ):
        yield contact_vcard(contact)
