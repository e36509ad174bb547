"""Business relations and links to the business system (SPEC 3.4, CON-43…49, CON-56…59).

Higher apps react to links through the two signals below (campaign target groups CMP-24, quote
customer numbers OPP-63): they are sent inside the writing transaction, so a receiver's writes
commit or roll back with the link.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from setup.models import (
    BusinessRelation,
    ContactType,
    CustomerTemplate,
    LinkType,
    MarketingSetup,
)
from setup.services import number_series_issue

from .models import (
    BusinessRelationSummary,
    Contact,
    ContactBusinessRelation,
    DeletedContactTombstone,
    MasterSide,
    PickupStatus,
)

# Sent inside the transaction after a link is created / removed. Arguments: link (the row;
# after deletion its pk is None), contact.
business_link_created = Signal()
business_link_deleted = Signal()

LINK_KINDS = (LinkType.CUSTOMER, LinkType.VENDOR, LinkType.BANK_ACCOUNT, LinkType.EMPLOYEE)
TEMPLATE_KINDS = (LinkType.CUSTOMER, LinkType.VENDOR, LinkType.EMPLOYEE)

# CON-57: fields shared with the business system.
SHARED_FIELDS = (
    "name",
    "name_2",
    "search_name",
    "address",
    "address_2",
    "city",
    "post_code",
    "county",
    "country",
    "phone",
    "mobile_phone",
    "fax",
    "email",
    "home_page",
    "territory",
    "currency",
    "language",
    "salesperson",
    "vat_registration_number",
    "registration_number",
)
EMPLOYEE_SHARED_FIELDS = ("first_name", "middle_name", "surname", "initials", "job_title")


class TemplateChoiceRequired(ApplicationError):
    """CON-47 step 4: several templates match; the user must pick one (``templates``)."""

    def __init__(self, templates: list[CustomerTemplate]) -> None:
        super().__init__(_("Choose a template."), extra={"templates": templates})
        self.templates = templates


def _setup_fields(link_type: str) -> tuple[str, str]:
    return f"{link_type}_relation", f"{link_type}_series"


def _kind_label(link_type: str) -> str:
    return str(LinkType(link_type).label).lower()


def _setup_field_label(name: str) -> str:
    return str(MarketingSetup._meta.get_field(name).verbose_name)


def link_relation_codes(setup: MarketingSetup | None = None) -> dict[int, str]:
    """business_relation_id -> link type, for the four setup link codes."""
    setup = setup or MarketingSetup.load()
    out: dict[int, str] = {}
    for kind in LINK_KINDS:
        rel_id = getattr(setup, f"{kind}_relation_id")
        if rel_id:
            out[rel_id] = kind
    return out


# --------------------------------------------------------------------------------------------
# Summary (CON-44)
# --------------------------------------------------------------------------------------------


def _summary(rows: list[tuple[int, str]], link_codes: dict[int, str]) -> str:
    if not rows:
        return BusinessRelationSummary.NONE
    real = [lt for rel_id, lt in rows if lt and rel_id in link_codes]
    if not real:
        return BusinessRelationSummary.OTHER if len(rows) == 1 else BusinessRelationSummary.MULTIPLE
    if len(rows) == 1:
        return real[0]
    return BusinessRelationSummary.MULTIPLE


def contact_business_relation_summary_recompute(*, contact_ids: Iterable[int]) -> None:
    """CON-44: recompute the summary of these contacts and of the persons of those that are
    companies; set-based (one read of the rows, one UPDATE per resulting value)."""
    ids = {int(pk) for pk in contact_ids}
    if not ids:
        return
    ids |= set(
        Contact.objects.filter(company_id__in=ids)
        .exclude(company_id=None)
        .values_list("pk", flat=True)
    )
    contacts = list(Contact.objects.filter(pk__in=ids).values_list("pk", "type", "company_id"))
    source_ids = ids | {c for _pk, _t, c in contacts if c}
    rows: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for contact_id, rel_id, link_type in ContactBusinessRelation.objects.filter(
        contact_id__in=source_ids
    ).values_list("contact_id", "business_relation_id", "link_type"):
        rows[contact_id].append((rel_id, link_type))
    codes = link_relation_codes()
    by_value: dict[str, list[int]] = defaultdict(list)
    for pk, ctype, company_id in contacts:
        own = list(rows.get(pk, []))
        if ctype == ContactType.PERSON and company_id and company_id != pk:
            own += rows.get(company_id, [])
        by_value[_summary(own, codes)].append(pk)
    for value, pks in by_value.items():
        Contact.objects.filter(pk__in=pks).exclude(business_relation_summary=value).update(
            business_relation_summary=value
        )


def _touch(contact: Contact) -> None:
    """CON-15/CON-57: the contact changed (also makes it appear in the changed-since feed)."""
    now = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(last_modified_at=now, updated_at=now)


# --------------------------------------------------------------------------------------------
# Plain relations (CON-45)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def contact_business_relation_add(
    *, contact: Contact, business_relation: BusinessRelation
) -> ContactBusinessRelation:
    """Add a plain business relation by hand (CON-16, CON-45)."""
    codes = link_relation_codes()
    if business_relation.pk in codes:
        raise ValidationError(
            {
                "business_relation": _("Code %(code)s is reserved for links to %(kind)s.")
                % {"code": business_relation.code, "kind": _kind_label(codes[business_relation.pk])}
            },
            code="reserved",
        )
    if contact.type != ContactType.COMPANY:
        raise ValidationError(
            {"business_relation": _("Business relations can only be set on companies.")},
            code="company_only",
        )
    row = ContactBusinessRelation(
        contact=contact,
        business_relation=business_relation,
        link_type=LinkType.NONE,
        pickup_status=PickupStatus.ACKNOWLEDGED,
    )
    row.full_clean()
    row.save()
    _touch(contact)
    contact_business_relation_summary_recompute(contact_ids=[contact.pk])
    return row


# --------------------------------------------------------------------------------------------
# Create as / link with existing (CON-47, CON-49)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkTarget:
    source: Contact  # the contact the action started from
    target: Contact  # the contact that receives the link


def _privacy_check(contact: Contact) -> None:
    """CON-52: neither the contact nor its company may be privacy-blocked."""
    blocked = contact.is_privacy_blocked or (
        contact.company_id
        and contact.company_id != contact.pk
        and Contact.objects.filter(pk=contact.company_id, is_privacy_blocked=True).exists()
    )
    if blocked:
        raise ApplicationError(
            _("Contact %(number)s %(name)s is blocked due to privacy.")
            % {"number": contact.number, "name": contact.name}
        )


def _setup_check(link_type: str, setup: MarketingSetup) -> None:
    """CON-47 step 1: the setup relation code and number series must be set."""
    for name in _setup_fields(link_type):
        if getattr(setup, f"{name}_id") is None:
            raise ApplicationError(
                _("Set %(field)s in Marketing setup.") % {"field": _setup_field_label(name)}
            )


def link_target_resolve(*, contact: Contact, link_type: str) -> LinkTarget:
    """CON-47 step 2: which contact receives a link of ``link_type``."""
    if link_type not in LINK_KINDS:
        raise ApplicationError(_("Unknown link type."))
    has_company = contact.company_id is not None and contact.company_id != contact.pk
    if link_type == LinkType.EMPLOYEE:
        if contact.type != ContactType.PERSON:
            raise ApplicationError(_("Only persons can be created as employees."))
        return LinkTarget(source=contact, target=contact)
    if contact.type == ContactType.PERSON:
        if has_company:
            return LinkTarget(source=contact, target=contact.company)
        if link_type in (LinkType.VENDOR, LinkType.BANK_ACCOUNT):
            raise ApplicationError(
                _("A person without a company cannot be created as or linked to a %(kind)s.")
                % {"kind": _kind_label(link_type)}
            )
    return LinkTarget(source=contact, target=contact)


def _already_linked_check(target: Contact, link_type: str) -> None:
    """CON-47 step 3 / CON-43: at most one link per type on the contact (or its company)."""
    holders = [target.pk]
    if target.type == ContactType.PERSON and target.company_id:
        holders.append(target.company_id)
    existing = (
        ContactBusinessRelation.objects.filter(contact_id__in=holders, link_type=link_type)
        .select_related("contact")
        .first()
    )
    if existing is not None:
        raise ApplicationError(
            _("Contact %(number)s is already linked to %(kind)s %(external)s.")
            % {
                "number": existing.contact.number,
                "kind": _kind_label(link_type),
                "external": existing.external_number,
            }
        )


def _external_number_free_check(link_type: str, external_number: str) -> None:
    """CON-43: one external record is linked to at most one contact."""
    other = (
        ContactBusinessRelation.objects.filter(link_type=link_type, external_number=external_number)
        .select_related("contact")
        .first()
    )
    if other is not None:
        raise ApplicationError(
            _("%(kind)s %(external)s is already linked to contact %(number)s.")
            % {
                "kind": str(LinkType(link_type).label),
                "external": external_number,
                "number": other.contact.number,
            }
        )


def create_as_templates(*, contact: Contact, link_type: str) -> list[CustomerTemplate]:
    """CON-47 step 4: templates of that link type whose contact type is the source's type."""
    if link_type not in TEMPLATE_KINDS:
        return []
    return list(
        CustomerTemplate.objects.filter(link_type=link_type, contact_type=contact.type)
        .select_related("number_series", "currency", "country")
        .order_by("code")
    )


def _choose_template(
    *, contact: Contact, link_type: str, template: CustomerTemplate | None
) -> CustomerTemplate | None:
    choices = create_as_templates(contact=contact, link_type=link_type)
    if template is not None:
        if template.pk not in {t.pk for t in choices}:
            raise ApplicationError(
                _("Template %(code)s cannot be used for this contact.") % {"code": template.code}
            )
        return template
    if link_type == LinkType.BANK_ACCOUNT:
        return None
    if len(choices) == 1:
        return choices[0]
    if len(choices) > 1:
        raise TemplateChoiceRequired(choices)
    if link_type == LinkType.EMPLOYEE:
        return None  # employee templates are optional
    raise ApplicationError(
        _(
            "No %(kind)s template exists for %(type)s contacts: add one in Setup → Customer "
            "templates."
        )
        % {"kind": _kind_label(link_type), "type": str(ContactType(contact.type).label).lower()}
    )


def _create_link(
    *,
    target: Contact,
    link_type: str,
    external_number: str,
    setup: MarketingSetup,
    template: CustomerTemplate | None = None,
    master_side: str = MasterSide.CONTACT,
    pickup_status: str = PickupStatus.PENDING,
) -> ContactBusinessRelation:
    relation_id = getattr(setup, f"{link_type}_relation_id")
    # CON-45: a real link replaces a plain row of the same code on that contact.
    ContactBusinessRelation.objects.filter(
        contact=target, business_relation_id=relation_id, link_type=LinkType.NONE
    ).delete()
    row = ContactBusinessRelation(
        contact=target,
        business_relation_id=relation_id,
        link_type=link_type,
        external_number=external_number,
        template=template,
        master_side=master_side,
        pickup_status=pickup_status,
        acknowledged_at=timezone.now() if pickup_status == PickupStatus.ACKNOWLEDGED else None,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("%(kind)s %(external)s is already linked.")
            % {"kind": str(LinkType(link_type).label), "external": external_number}
        ) from exc
    _touch(target)
    contact_business_relation_summary_recompute(contact_ids=[target.pk])
    business_link_created.send(sender=ContactBusinessRelation, link=row, contact=target)
    return row


@transaction.atomic
def contact_create_as(
    *, contact: Contact, link_type: str, template: CustomerTemplate | None = None, user=None
) -> ContactBusinessRelation:
    """CON-47: issue an external number and create a pending link ("Create as …").

    Raises ``TemplateChoiceRequired`` when several templates match and none was given.
    """
    setup = MarketingSetup.load()
    _setup_check(link_type, setup)
    _privacy_check(contact)
    resolved = link_target_resolve(contact=contact, link_type=link_type)
    target = Contact.objects.select_for_update().get(pk=resolved.target.pk)
    _already_linked_check(target, link_type)
    chosen = _choose_template(contact=contact, link_type=link_type, template=template)
    series = (chosen.number_series if chosen and chosen.number_series_id else None) or getattr(
        setup, f"{link_type}_series"
    )
    issued = number_series_issue(series=series)
    _external_number_free_check(link_type, issued.number)
    link = _create_link(
        target=target,
        link_type=link_type,
        external_number=issued.number,
        setup=setup,
        template=chosen,
    )
    if chosen is not None:  # SET-50: only an empty currency / country is filled
        updates = {}
        if target.currency_id is None and chosen.currency_id:
            updates["currency_id"] = chosen.currency_id
        if target.country_id is None and chosen.country_id:
            updates["country_id"] = chosen.country_id
        if updates:
            Contact.objects.filter(pk=target.pk).update(**updates)
    link.warning = issued.warning  # type: ignore[attr-defined]
    return link


@transaction.atomic
def contact_link_existing(
    *,
    contact: Contact,
    link_type: str,
    external_number: str,
    master_side: str = MasterSide.CONTACT,
    user=None,
) -> ContactBusinessRelation:
    """CON-49: link the contact with an existing business-system record (pending pickup)."""
    external_number = (external_number or "").strip().upper()
    if not external_number:
        raise ValidationError({"external_number": _("Enter the external number.")})
    if master_side not in MasterSide.values:
        raise ValidationError({"master_side": _("Choose the master side.")})
    setup = MarketingSetup.load()
    _setup_check(link_type, setup)
    _privacy_check(contact)
    resolved = link_target_resolve(contact=contact, link_type=link_type)
    target = Contact.objects.select_for_update().get(pk=resolved.target.pk)
    _already_linked_check(target, link_type)
    _external_number_free_check(link_type, external_number)
    return _create_link(
        target=target,
        link_type=link_type,
        external_number=external_number,
        setup=setup,
        master_side=master_side,
    )


# --------------------------------------------------------------------------------------------
# Unlink (CON-46, CON-56) and pickup (12.3)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def contact_business_relation_delete(*, relation: ContactBusinessRelation, user=None) -> None:
    """CON-46/56: remove a relation row; a link's removal is reported in the API feed."""
    contact = Contact.objects.select_for_update().get(pk=relation.contact_id)
    if relation.is_link:
        # The feed reports the removed link as a tombstone row carrying the live contact's id.
        DeletedContactTombstone.objects.create(
            contact_id=None,
            number=contact.number,
            name=contact.name,
            link_rows=[
                {
                    "link_type": relation.link_type,
                    "external_number": relation.external_number,
                    "business_relation": relation.business_relation.code,
                    "contact_id": contact.pk,
                    "link_only": True,
                }
            ],
        )
    relation.delete()
    _touch(contact)
    contact_business_relation_summary_recompute(contact_ids=[contact.pk])
    if relation.link_type:
        business_link_deleted.send(sender=ContactBusinessRelation, link=relation, contact=contact)


@transaction.atomic
def business_link_delete_external(*, link_type: str, external_number: str) -> None:
    """12.3 ``DELETE business-links/{type}/{number}``: the external record is gone (CON-56)."""
    link = (
        ContactBusinessRelation.objects.filter(
            link_type=link_type, external_number=external_number.strip().upper()
        )
        .select_related("business_relation")
        .first()
    )
    if link is None:
        raise ApplicationError(
            _("No link %(type)s %(number)s.") % {"type": link_type, "number": external_number}
        )
    contact_business_relation_delete(relation=link)


@transaction.atomic
def business_link_acknowledge(*, link: ContactBusinessRelation) -> None:
    """12.3: the business system picked the link up."""
    ContactBusinessRelation.objects.filter(pk=link.pk, pickup_status=PickupStatus.PENDING).update(
        pickup_status=PickupStatus.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
        updated_at=timezone.now(),
    )


@transaction.atomic
def business_link_set_master_side(*, link: ContactBusinessRelation, master_side: str) -> None:
    """CON-46: ``master_side`` is the only editable part of a link, and only while pending."""
    if link.pickup_status != PickupStatus.PENDING:
        raise ApplicationError(_("The master side can only be changed while the link is pending."))
    if master_side not in MasterSide.values:
        raise ValidationError({"master_side": _("Choose the master side.")})
    ContactBusinessRelation.objects.filter(pk=link.pk).update(master_side=master_side)


def business_links_pending():
    """12.3 ``GET business-links?status=pending`` rows (with what the payload reads)."""
    return (
        ContactBusinessRelation.objects.filter(pickup_status=PickupStatus.PENDING)
        .exclude(link_type=LinkType.NONE)
        .select_related(
            "contact",
            "contact__country",
            "contact__territory",
            "contact__currency",
            "contact__language",
            "contact__salesperson",
            "template",
            "template__currency",
            "template__country",
            "business_relation",
        )
        .order_by("id")
    )


def _shared_value(contact: Contact, name: str):
    field = Contact._meta.get_field(name)
    if field.is_relation:
        related = getattr(contact, name)
        return related.code if related is not None else ""
    return getattr(contact, name)


def business_link_payload(*, link: ContactBusinessRelation) -> dict:
    """12.3 pending-link payload: the contact's shared fields plus the template defaults
    (SET-50) and the master side (CON-49)."""
    contact = link.contact
    fields = SHARED_FIELDS + (EMPLOYEE_SHARED_FIELDS if link.link_type == LinkType.EMPLOYEE else ())
    template = link.template
    return {
        "id": link.pk,
        "link_type": link.link_type,
        "external_number": link.external_number,
        "business_relation": link.business_relation.code,
        "contact_number": contact.number,
        "contact_type": contact.type,
        "master_side": link.master_side,
        "pickup_status": link.pickup_status,
        "created_at": link.created_at.isoformat() if link.created_at else None,
        "shared_fields": {name: _shared_value(contact, name) for name in fields},
        "template": None
        if template is None
        else {
            "code": template.code,
            "payment_terms_code": template.payment_terms_code,
            "currency": template.currency.code if template.currency_id else "",
            "country": template.country.code if template.country_id else "",
            "extra_defaults": [list(pair) for pair in template.extra_defaults or []],
        },
    }


def contact_links(*, contact: Contact):
    """The relation rows shown on a card: its own plus, for a person, its company's (CON-40)."""
    holders = [contact.pk]
    if contact.company_id and contact.company_id != contact.pk:
        holders.append(contact.company_id)
    return (
        ContactBusinessRelation.objects.filter(Q(contact_id__in=holders))
        .select_related("business_relation", "template", "contact")
        .order_by("contact_id", "business_relation__code", "id")
    )
