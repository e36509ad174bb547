"""Data builders for the links / dedupe / import tests (kept apart from tests/factories/contacts.py,
which another area owns)."""

import itertools

from contacts.models import Contact, DuplicateSearchStringSetup
from setup.models import ContactType, CustomerTemplate, MarketingSetup
from tests.factories.setup import BusinessRelationFactory, series_with_line

_seq = itertools.count(1)


def company(name="Acme", **fields) -> Contact:
    number = fields.pop("number", f"TC{next(_seq):06d}")
    contact = Contact.objects.create(
        number=number,
        type=ContactType.COMPANY,
        name=name,
        search_name=name.upper(),
        company_name=name,
        **fields,
    )
    Contact.objects.filter(pk=contact.pk).update(company=contact)
    contact.company_id = contact.pk
    return contact


def person(name="Jane Doe", company_contact=None, **fields) -> Contact:
    number = fields.pop("number", f"TP{next(_seq):06d}")
    return Contact.objects.create(
        number=number,
        type=ContactType.PERSON,
        name=name,
        search_name=name.upper(),
        company=company_contact,
        company_name=company_contact.name if company_contact else "",
        **fields,
    )


def link_setup(*kinds: str, series: bool = True) -> MarketingSetup:
    """Give the setup a relation code (and series) for each link kind."""
    setup = MarketingSetup.load()
    prefixes = {"customer": "C", "vendor": "V", "bank_account": "B", "employee": "E"}
    for kind in kinds:
        setattr(setup, f"{kind}_relation", BusinessRelationFactory(code=kind.upper()[:10]))
        if series:
            code = f"{kind.upper()[:6]}-EXT"
            setattr(setup, f"{kind}_series", series_with_line(code, f"{prefixes[kind]}0001"))
    setup.save()
    return setup


def template(code, link_type="customer", contact_type=ContactType.COMPANY, **fields):
    return CustomerTemplate.objects.create(
        code=code, link_type=link_type, contact_type=contact_type, **fields
    )


def default_duplicate_setup() -> None:
    """SPEC 3.5: the 16 shipped rows (the data migration ships them; make sure they exist)."""
    for f in [
        "name",
        "address",
        "city",
        "phone",
        "vat_registration_number",
        "post_code",
        "email",
        "mobile_phone",
    ]:
        for part in ("first", "last"):
            DuplicateSearchStringSetup.objects.get_or_create(
                field=f, part=part, defaults={"length": 5}
            )
