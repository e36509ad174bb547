"""Contact export: CSV rows (the header uses the import field names, so the file can be
imported again) and vCard 4.0, both streamed in chunks."""

from collections.abc import Iterator

import vobject
from vobject.vcard import Address, Name

from contacts.models import Contact
from crm.csv_export import SafeWriter
from setup.models import ContactType

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
