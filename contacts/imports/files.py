"""Import files: an upload checked and kept in storage, read back as a header and rows, and
the mapping guess that pre-selects an import field for each column.

A vCard file (3.0 or 4.0, parsed with ``vobject``) becomes, at upload, a CSV table whose
columns are import fields (``VCARD_COLUMNS``), so it goes through the same mapping, dry run and
job as a CSV file.
"""

import csv
import hashlib
import io
import uuid
from collections.abc import Iterable

import vobject
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from vobject.vcard import Address, Name

from crm.exceptions import ApplicationError
from setup.models import ContactType, Country

from .rows import IMPORT_FIELDS

IMPORT_MAX_BYTES = 5 * 1024 * 1024


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
