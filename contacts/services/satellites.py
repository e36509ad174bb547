"""Satellite rows of a contact (CON-15, CON-16, CON-40, CON-41, CON-44): groups, relations,
web sources, alternate addresses and their date ranges, comments."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.models import (
    BusinessRelationSummary,
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
from crm.concurrency import ensure_not_stale
from crm.services import model_update
from setup.models import (
    ContactType,
    IndustryGroup,
    JobResponsibility,
    LinkType,
    MailingGroup,
    MarketingSetup,
    WebSource,
)

from .fields import ADDRESS_FIELDS, COMPANY_ONLY, PERSON_ONLY, _touch, _validate_phones

# -- business relation summary (CON-44) ----------------------------------------------------------


def _summary(rows: list[tuple[int, str]], link_relation_ids: set[int]) -> str:
    if not rows:
        return BusinessRelationSummary.NONE
    links = [lt for rel, lt in rows if lt and rel in link_relation_ids]
    if not links:
        return BusinessRelationSummary.OTHER if len(rows) == 1 else BusinessRelationSummary.MULTIPLE
    return links[0] if len(rows) == 1 else BusinessRelationSummary.MULTIPLE


def contact_business_relation_summary_refresh(*, contact: Contact) -> None:
    """CON-44 for a contact's company and all its persons (persons see their company's rows)."""
    setup = MarketingSetup.load()
    link_relation_ids = {
        pk
        for pk in (
            setup.customer_relation_id,
            setup.vendor_relation_id,
            setup.bank_account_relation_id,
            setup.employee_relation_id,
        )
        if pk
    }
    company_id = contact.company_id or contact.pk
    company_rows = list(
        ContactBusinessRelation.objects.filter(contact_id=company_id).values_list(
            "business_relation_id", "link_type"
        )
    )
    company_summary = _summary(company_rows, link_relation_ids)
    Contact.objects.filter(pk=company_id).update(business_relation_summary=company_summary)
    persons = Contact.objects.filter(company_id=company_id, type=ContactType.PERSON)
    with_rows = ContactBusinessRelation.objects.filter(contact__in=persons)
    person_ids = set(with_rows.values_list("contact_id", flat=True))
    persons.exclude(pk__in=person_ids).update(business_relation_summary=company_summary)
    own: dict[int, list[tuple[int, str]]] = {}
    for contact_id, rel, lt in with_rows.values_list(
        "contact_id", "business_relation_id", "link_type"
    ):
        own.setdefault(contact_id, []).append((rel, lt))
    for person_id, rows in own.items():  # few: persons with their own (system) links
        Contact.objects.filter(pk=person_id).update(
            business_relation_summary=_summary(company_rows + rows, link_relation_ids)
        )
    if contact.type == ContactType.PERSON and contact.company_id is None:
        rows = list(
            ContactBusinessRelation.objects.filter(contact=contact).values_list(
                "business_relation_id", "link_type"
            )
        )
        Contact.objects.filter(pk=contact.pk).update(
            business_relation_summary=_summary(rows, link_relation_ids)
        )


# -- satellite rows (CON-15, CON-16) ------------------------------------------------------------

ALREADY_ASSIGNED = gettext_noop("%(code)s is already assigned to this contact.")
RESERVED_RELATION = gettext_noop("Code %(code)s is reserved for links to %(kind)s.")


# CON-16: the card sections only one contact type holds. A person shows its company's industry
# groups and business relations read-only (CON-40): it can neither add nor remove them.
SECTION_CONTACT_TYPE = {
    "industry-groups": ContactType.COMPANY,
    "business-relations": ContactType.COMPANY,
    "web-sources": ContactType.COMPANY,
    "job-responsibilities": ContactType.PERSON,
}


def contact_section_is_writable(*, contact: Contact, section: str) -> bool:
    """CON-16/CON-40: whether ``contact`` may add or remove rows of the card ``section``."""
    return SECTION_CONTACT_TYPE.get(section, contact.type) == contact.type


def _require_type(contact: Contact, contact_type: str, what: str) -> None:
    if contact.type != contact_type:
        message = PERSON_ONLY if contact_type == ContactType.PERSON else COMPANY_ONLY
        raise ValidationError(_(message) % {"field": what, "what": what}, code="wrong_type")


def _pair_add(model, *, contact: Contact, field: str, value, **extra):
    try:
        with transaction.atomic():
            row = model.objects.create(contact=contact, **{field: value}, **extra)
    except IntegrityError as exc:
        raise ValidationError(
            {field: _(ALREADY_ASSIGNED) % {"code": value.code}}, code="already_assigned"
        ) from exc
    _touch(contact.pk)
    return row


def _pair_remove(model, *, contact: Contact, pk: int) -> None:
    model.objects.filter(contact=contact, pk=pk).delete()
    _touch(contact.pk)


@transaction.atomic
def contact_industry_group_add(*, contact: Contact, industry_group: IndustryGroup):
    _require_type(contact, ContactType.COMPANY, _("industry groups"))
    return _pair_add(
        ContactIndustryGroup, contact=contact, field="industry_group", value=industry_group
    )


@transaction.atomic
def contact_industry_group_remove(*, contact: Contact, pk: int) -> None:
    _require_type(contact, ContactType.COMPANY, _("industry groups"))  # CON-40: read-only
    _pair_remove(ContactIndustryGroup, contact=contact, pk=pk)


@transaction.atomic
def contact_mailing_group_add(*, contact: Contact, mailing_group: MailingGroup):
    return _pair_add(
        ContactMailingGroup, contact=contact, field="mailing_group", value=mailing_group
    )


@transaction.atomic
def contact_mailing_group_remove(*, contact: Contact, pk: int) -> None:
    _pair_remove(ContactMailingGroup, contact=contact, pk=pk)


@transaction.atomic
def contact_job_responsibility_add(*, contact: Contact, job_responsibility: JobResponsibility):
    _require_type(contact, ContactType.PERSON, _("job responsibilities"))
    return _pair_add(
        ContactJobResponsibility,
        contact=contact,
        field="job_responsibility",
        value=job_responsibility,
    )


@transaction.atomic
def contact_job_responsibility_remove(*, contact: Contact, pk: int) -> None:
    _require_type(contact, ContactType.PERSON, _("job responsibilities"))
    _pair_remove(ContactJobResponsibility, contact=contact, pk=pk)


@transaction.atomic
def contact_web_source_add(*, contact: Contact, web_source: WebSource, search_word: str = ""):
    _require_type(contact, ContactType.COMPANY, _("web sources"))
    return _pair_add(
        ContactWebSource,
        contact=contact,
        field="web_source",
        value=web_source,
        search_word=search_word.strip(),
    )


@transaction.atomic
def contact_web_source_remove(*, contact: Contact, pk: int) -> None:
    _require_type(contact, ContactType.COMPANY, _("web sources"))
    _pair_remove(ContactWebSource, contact=contact, pk=pk)


@transaction.atomic
def contact_business_relation_add(
    *, contact: Contact, business_relation
) -> ContactBusinessRelation:
    """A plain relation row (CON-16, CON-45); links are made in ``links.py``."""
    _require_type(contact, ContactType.COMPANY, _("business relations"))
    setup = MarketingSetup.load()
    for kind in ("customer", "vendor", "bank_account", "employee"):
        if getattr(setup, f"{kind}_relation_id") == business_relation.pk:
            raise ValidationError(
                {
                    "business_relation": _(RESERVED_RELATION)
                    % {"code": business_relation.code, "kind": LinkType(kind).label.lower()}
                },
                code="reserved_relation",
            )
    row = _pair_add(
        ContactBusinessRelation,
        contact=contact,
        field="business_relation",
        value=business_relation,
    )
    contact_business_relation_summary_refresh(contact=contact)
    return row


@transaction.atomic
def contact_business_relation_remove(*, contact: Contact, pk: int) -> None:
    """Remove a plain relation row (link rows are removed through ``links.py``); a person's
    relations are its company's, read-only (CON-40)."""
    _require_type(contact, ContactType.COMPANY, _("business relations"))
    ContactBusinessRelation.objects.filter(contact=contact, pk=pk, link_type=LinkType.NONE).delete()
    _touch(contact.pk)
    contact_business_relation_summary_refresh(contact=contact)


# -- alternate addresses (CON-41) -----------------------------------------------------------------

ALT_ADDRESS_FIELDS = [
    "code",
    "company_name",
    "company_name_2",
    *ADDRESS_FIELDS,
    "country",
    "phone",
    "mobile_phone",
    "fax",
    "pager",
    "extension",
    "email",
    "home_page",
]
RANGE_START_TAKEN = gettext_noop(
    "A date range starting on %(date)s already exists for this contact."
)
RANGE_END_BEFORE_START = gettext_noop("The ending date must be on or after the starting date.")


@transaction.atomic
def contact_alt_address_create(*, contact: Contact, data: dict[str, Any]) -> ContactAltAddress:
    values = {k: ("" if v is None and k != "country" else v) for k, v in data.items()}
    _validate_phones(values)
    address = ContactAltAddress(
        contact=contact, **{k: v for k, v in values.items() if k in ALT_ADDRESS_FIELDS}
    )
    address.code = (address.code or "").strip().upper()
    address.search_email = (address.email or "").upper()
    address.last_modified_at = timezone.now()
    address.full_clean()
    address.save()
    _touch(contact.pk)
    return address


@transaction.atomic
def contact_alt_address_update(
    *, address: ContactAltAddress, data: dict[str, Any], expected_version: str | None = None
) -> ContactAltAddress:
    """Edit an alternate address; ``expected_version`` (crm.concurrency) refuses a stale save."""
    address = ContactAltAddress.objects.select_for_update().get(pk=address.pk)
    data = {k: ("" if v is None and k != "country" else v) for k, v in data.items()}
    edited = [k for k in data if k in ALT_ADDRESS_FIELDS]
    ensure_not_stale(instance=address, expected_version=expected_version, fields=edited, data=data)
    _validate_phones(data)
    if "code" in data:
        data["code"] = (data["code"] or "").strip().upper()
    if "email" in data:
        data["search_email"] = (data["email"] or "").upper()
    data["last_modified_at"] = timezone.now()
    address, _changed = model_update(
        instance=address,
        fields=[*ALT_ADDRESS_FIELDS, "search_email", "last_modified_at"],
        data=data,
    )
    _touch(address.contact_id)
    return address


@transaction.atomic
def contact_alt_address_delete(*, contact: Contact, pk: int) -> None:
    """Deleting an alternate address deletes its date ranges (CON-41)."""
    ContactAltAddress.objects.filter(contact=contact, pk=pk).delete()
    _touch(contact.pk)


@transaction.atomic
def contact_alt_address_date_range_create(
    *,
    contact: Contact,
    alt_address: ContactAltAddress,
    starting_date: dt.date,
    ending_date: dt.date | None = None,
) -> ContactAltAddressDateRange:
    """CON-41: start required, end ≥ start, one range per start date per contact."""
    if ending_date is not None and ending_date < starting_date:
        raise ValidationError({"ending_date": _(RANGE_END_BEFORE_START)}, code="range_order")
    if ContactAltAddressDateRange.objects.filter(
        contact=contact, starting_date=starting_date
    ).exists():
        raise ValidationError(
            {"starting_date": _(RANGE_START_TAKEN) % {"date": starting_date.isoformat()}},
            code="range_start_taken",
        )
    row = ContactAltAddressDateRange(
        contact=contact,
        alt_address=alt_address,
        starting_date=starting_date,
        ending_date=ending_date,
    )
    row.full_clean()
    row.save()
    _touch(contact.pk)
    return row


@transaction.atomic
def contact_alt_address_date_range_delete(*, contact: Contact, pk: int) -> None:
    ContactAltAddressDateRange.objects.filter(contact=contact, pk=pk).delete()
    _touch(contact.pk)


# -- comments --------------------------------------------------------------------------------

COMMENT_LINE_STEP = 10000


@transaction.atomic
def contact_comment_add(
    *, contact: Contact, comment: str, code: str = "", date: dt.date | None = None
) -> CommentLine:
    last = (
        CommentLine.objects.select_for_update()
        .filter(target_kind=CommentTargetKind.CONTACT, target_id=contact.pk, sub_id=0)
        .aggregate(m=Max("line_no"))["m"]
    )
    line = CommentLine(
        target_kind=CommentTargetKind.CONTACT,
        target_id=contact.pk,
        line_no=(last or 0) + COMMENT_LINE_STEP,
        date=date or timezone.localdate(),
        code=code,
        comment=comment,
    )
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def contact_comment_delete(*, contact: Contact, pk: int) -> None:
    CommentLine.objects.filter(
        target_kind=CommentTargetKind.CONTACT, target_id=contact.pk, pk=pk
    ).delete()
