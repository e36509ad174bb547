"""Create, update, type change and deletion of a contact (CON-1…4, 10…16, 30…39, 50…55)."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.models import (
    CommentLine,
    CommentTargetKind,
    Contact,
    ContactBusinessRelation,
    DeletedContactTombstone,
)
from contacts.names import name_join, name_split
from contacts.references import contact_references
from crm.concurrency import ensure_not_stale
from crm.history import field_changes_record
from setup.models import (
    ContactType,
    LinkType,
    MarketingSetup,
    NumberSeries,
)
from setup.services import number_assign, salesperson_for_user, salesperson_validate_choosable

from .company import (
    _check_company_change_allowed,
    _company_from_data,
    _drop_blocked_default_salesperson,
    _inherit_from_company,
    _repoint_history,
    _ripple_to_persons,
)
from .fields import (
    BLOCK_NEEDS_CONSENT,
    COMPANY_ONLY,
    CONSENT_NOT_MINOR,
    CONTACT_EDIT_FIELDS,
    NAME_PART_FIELDS,
    PERSON_ONLY,
    PERSON_ONLY_FIELDS,
    _touch,
    _validate_phones,
)

# -- create / update ------------------------------------------------------------------------------


def _normalize(contact: Contact) -> None:
    contact.search_name = (contact.search_name or "").strip().upper()
    contact.search_email = (contact.email or "").upper()
    contact.vat_registration_number = (contact.vat_registration_number or "").upper()


def _check_type_fields(contact: Contact) -> None:
    """CON-16: person-only fields stay empty on companies."""
    if contact.type != ContactType.COMPANY:
        return
    errors = {}
    for name in PERSON_ONLY_FIELDS:
        attname = Contact._meta.get_field(name).attname
        if getattr(contact, attname):
            label = Contact._meta.get_field(name).verbose_name
            errors[name] = _(PERSON_ONLY) % {"field": label}
    if errors:
        raise ValidationError(errors, code="person_only")


def _apply_gdpr(contact: Contact, *, was_minor: bool) -> None:
    """CON-50/51."""
    if contact.is_minor and not was_minor:
        contact.is_privacy_blocked = True  # CON-50
    if contact.has_parental_consent and not contact.is_minor:
        raise ValidationError(
            {"has_parental_consent": _(CONSENT_NOT_MINOR)}, code="consent_not_minor"
        )
    if contact.is_minor and not contact.has_parental_consent and not contact.is_privacy_blocked:
        raise ValidationError(
            {"is_privacy_blocked": _(BLOCK_NEEDS_CONSENT)}, code="block_needs_consent"
        )


def _full_clean(contact: Contact) -> None:
    """Field validation: choices, lengths, formats, foreign keys, the unique number.

    The table's CHECK constraints are not queried one by one (Django runs a SAVEPOINT, a
    SELECT and a RELEASE per constraint, 21 statements per save): their rules are applied
    just before by ``_check_type_fields`` and ``_apply_gdpr`` with the user's messages, and
    the database enforces them at INSERT/UPDATE anyway."""
    contact.full_clean(validate_constraints=False)


@transaction.atomic
def contact_create(
    *,
    user: AbstractBaseUser | None,
    data: dict[str, Any],
    number: str = "",
    number_series: NumberSeries | None = None,
    apply_defaults: bool = True,
) -> Contact:
    """Create a company or person (CON-1…4, CON-10…16, CON-20…23, CON-50/51).

    ``data`` holds model fields (instances for references) plus optionally ``company_text``
    (CON-20). ``apply_defaults=False`` is for imports/API paths that skip setup defaults (CON-58).
    """
    setup = MarketingSetup.load()
    data = dict(data)
    contact = Contact(type=data.pop("type", None) or ContactType.COMPANY)
    given, company = _company_from_data(data, None)
    data.pop("company_text", None)
    data.pop("company", None)
    for name, value in data.items():
        if name in CONTACT_EDIT_FIELDS:
            setattr(contact, name, value if value is not None or name not in _TEXT else "")
    if data.get("image"):
        contact.image = data["image"]
    if contact.salesperson_id:
        salesperson_validate_choosable(contact.salesperson)
    _validate_phones(data)

    if apply_defaults:  # CON-2, CON-3
        for field in ("salesperson", "territory", "country", "language"):
            if getattr(contact, f"{field}_id") is None:
                setattr(contact, f"{field}_id", getattr(setup, f"default_{field}_id"))
        if not contact.correspondence_type:
            contact.correspondence_type = setup.default_correspondence_type or ""
        mine = salesperson_for_user(user)
        if mine is not None and "salesperson" not in {k for k, v in data.items() if v}:
            contact.salesperson = mine
        if contact.salutation_id is None:
            contact.salutation_id = (
                setup.default_company_salutation_id
                if contact.type == ContactType.COMPANY
                else setup.default_person_salutation_id
            )

    if contact.type == ContactType.PERSON:  # CON-10 / CON-11
        parts = [getattr(contact, f) for f in NAME_PART_FIELDS]
        if any(parts) and not contact.name:
            contact.name = name_join(*parts)
        elif contact.name:
            contact.first_name, contact.middle_name, contact.surname = name_split(contact.name)
        if given and company is not None:
            _inherit_from_company(contact, company=company, previous=None, setup=setup)
            contact.company = company
    elif given and company is not None:
        raise ValidationError(
            {"company_text": _(COMPANY_ONLY) % {"what": _("another company")}},
            code="company_only",
        )
    if not contact.search_name:
        contact.search_name = contact.name  # CON-12
    if contact.type == ContactType.COMPANY:
        contact.company_name = contact.name  # CON-4 / CON-13
    _normalize(contact)
    _check_type_fields(contact)
    _apply_gdpr(contact, was_minor=False)
    if contact.salesperson_id and not data.get("salesperson"):
        _drop_blocked_default_salesperson(contact)

    issued = number_assign(
        setup_field="contact_series",
        model=Contact,
        typed_number=number,
        chosen_series=number_series,
    )
    contact.number = issued.number
    contact.number_series = issued.series
    contact.last_modified_at = timezone.now()
    _full_clean(contact)
    contact.save()
    if contact.type == ContactType.COMPANY:  # CON-4: a company is its own company
        Contact.objects.filter(pk=contact.pk).update(company=contact.pk)
        contact.company_id = contact.pk
        contact.duplicates_found = _rebuild_duplicates(contact)  # CON-63
    contact.number_warning = issued.warning
    return contact


def _rebuild_duplicates(contact: Contact) -> bool:
    """CON-63: rebuild the company's duplicate strings; True when the prompt should show."""
    from contacts.dedupe import contact_duplicates_rebuild

    return contact_duplicates_rebuild(contact_id=contact.pk)


_TEXT = {
    f.name
    for f in Contact._meta.concrete_fields
    if f.get_internal_type() in {"CharField", "EmailField"}
}


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    user: AbstractBaseUser | None,
    data: dict[str, Any],
    expected_version: str | None = None,
) -> Contact:
    """Edit a contact (CON-10…16, CON-20…26, CON-50/51). Type changes: ``contact_change_type``.

    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused.
    """
    setup = MarketingSetup.load()
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    old = {
        f.attname: getattr(contact, f.attname)
        for f in Contact._meta.concrete_fields
        if not f.generated  # computed by the database, re-read only on demand
    }
    data = {k: ("" if v is None and k in _TEXT else v) for k, v in data.items()}
    values = {k: v for k, v in data.items() if k in CONTACT_EDIT_FIELDS}
    ensure_not_stale(
        instance=contact, expected_version=expected_version, fields=list(values), data=values
    )
    given, company = _company_from_data(data, contact.company if contact.company_id else None)
    _validate_phones(values)
    for name, value in values.items():
        setattr(contact, name, value)
    if "image" in data:  # a new upload, or "" to remove the image
        contact.image = data["image"] or ""
    if contact.salesperson_id and contact.salesperson_id != old["salesperson_id"]:
        salesperson_validate_choosable(contact.salesperson)

    if contact.type == ContactType.PERSON:
        parts = [getattr(contact, f) for f in NAME_PART_FIELDS]
        old_parts = [old[f] for f in NAME_PART_FIELDS]
        if parts != old_parts:
            contact.name = name_join(*parts)  # CON-11
        elif contact.name != old["name"]:
            contact.first_name, contact.middle_name, contact.surname = name_split(contact.name)
    if contact.name != old["name"]:  # CON-12
        typed_search = (values.get("search_name") or "").strip().upper()
        if typed_search and typed_search != old["search_name"]:
            contact.search_name = typed_search
        elif not old["search_name"] or old["search_name"] == old["name"].upper():
            contact.search_name = contact.name.upper()
    if contact.type == ContactType.COMPANY:
        contact.company_name = contact.name  # CON-13
        if given and company is not None and company.pk != contact.pk:
            raise ValidationError(
                {"company_text": _(COMPANY_ONLY) % {"what": _("another company")}},
                code="company_only",
            )
    elif given and (company.pk if company else None) != old["company_id"]:
        _check_company_change_allowed(contact)  # CON-25
        previous = (
            Contact.objects.filter(pk=old["company_id"]).first() if old["company_id"] else None
        )
        if company is not None:
            _inherit_from_company(contact, company=company, previous=previous, setup=setup)
        else:
            contact.company_name = ""
        contact.company = company
        _repoint_history(contact, previous=previous, company=company)  # CON-26
    _normalize(contact)
    _check_type_fields(contact)
    _apply_gdpr(contact, was_minor=old["is_minor"])

    changed = [
        f.attname
        for f in Contact._meta.concrete_fields
        if not f.generated and getattr(contact, f.attname) != old[f.attname]
    ]
    if not changed:
        return contact
    contact.last_modified_at = timezone.now()  # CON-15
    _full_clean(contact)
    contact.save()
    field_changes_record(instance=contact, before=old, user=user)
    if contact.type == ContactType.COMPANY:
        _ripple_to_persons(contact, old=old, setup=setup)  # CON-24
        from contacts.dedupe import DUPLICATE_TRIGGER_FIELDS

        if DUPLICATE_TRIGGER_FIELDS.intersection(changed):
            contact.duplicates_found = _rebuild_duplicates(contact)  # CON-63
    return contact


# -- type change (CON-30…33) ----------------------------------------------------------------------

TYPE_CHANGE_HAS_HISTORY = gettext_noop("The type cannot be changed: the contact has %(what)s.")
TO_COMPANY_REFUSED = gettext_noop("A person with %(what)s cannot become a company.")
TO_PERSON_REFUSED = gettext_noop("A company with %(what)s cannot become a person.")


@transaction.atomic
def contact_change_type(*, contact: Contact, user: AbstractBaseUser | None) -> Contact:
    """Turn a person into a company or a company into a person (CON-30…32, CON-55)."""
    setup = MarketingSetup.load()
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    for ref in contact_references():  # CON-30
        if ref.blocks_type_change:
            rows = ref.rows([contact.pk])
            if rows is not None and rows.exists():
                raise ValidationError(
                    _(TYPE_CHANGE_HAS_HISTORY) % {"what": ref.label or ref.model},
                    code="type_change_history",
                )
    if contact.type == ContactType.PERSON:  # CON-31
        if contact.organizational_level_id is not None:
            raise ValidationError(
                _(TO_COMPANY_REFUSED) % {"what": _("an organizational level")},
                code="to_company_refused",
            )
        if contact.job_responsibilities.exists():
            raise ValidationError(
                _(TO_COMPANY_REFUSED) % {"what": _("job responsibilities")},
                code="to_company_refused",
            )
        contact.type = ContactType.COMPANY
        contact.first_name = contact.middle_name = contact.surname = ""
        contact.initials = contact.job_title = ""
        contact.company_id = contact.pk
        contact.company_name = contact.name
        contact.salutation_id = setup.default_company_salutation_id
    else:  # CON-32
        refusals = [
            (Contact.objects.filter(company=contact).exclude(pk=contact.pk).exists(), _("persons")),
            (contact.business_relations.exists(), _("business relations")),
            (contact.industry_groups.exists(), _("industry groups")),
            (contact.currency_id is not None, _("a currency")),
            (bool(contact.vat_registration_number), _("a VAT registration number")),
        ]
        for refused, what in refusals:
            if refused:
                raise ValidationError(
                    _(TO_PERSON_REFUSED) % {"what": what}, code="to_person_refused"
                )
        contact.type = ContactType.PERSON
        contact.company = None
        contact.company_name = ""
        contact.salutation_id = setup.default_person_salutation_id
        contact.first_name, contact.middle_name, contact.surname = name_split(contact.name)
        contact.duplicate_search_strings.all().delete()
        contact.duplicate_pairs.all().delete()
        contact.duplicate_of_pairs.all().delete()
        contact.web_sources.all().delete()
    contact.last_modified_at = timezone.now()
    contact.full_clean()
    contact.save()
    if contact.type == ContactType.COMPANY:
        contact.duplicates_found = _rebuild_duplicates(contact)  # CON-31 / CON-63
    return contact


# -- deletion (CON-35…39) -------------------------------------------------------------------------

DELETE_REFUSED = gettext_noop("Contact %(number)s %(name)s cannot be deleted: it has %(what)s.")


@transaction.atomic
def contact_delete(*, contact: Contact, user: AbstractBaseUser | None) -> int:
    """Delete a contact (and, for a company, its persons) or refuse with nothing deleted.

    Returns the number of contacts deleted.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    targets = [contact]
    if contact.type == ContactType.COMPANY:  # CON-37: persons go too
        targets += list(
            Contact.objects.select_for_update()
            .filter(company=contact, type=ContactType.PERSON)
            .order_by("pk")
        )
    ids = [c.pk for c in targets]
    by_id = {c.pk: c for c in targets}
    for ref in contact_references():  # CON-35
        if ref.blocks_delete is None:
            continue
        rows = ref.rows(ids)
        if rows is None:
            continue
        blocking = rows.filter(ref.blocks_delete).values_list(ref.contact_field, flat=True)[:1]
        for contact_id in blocking:
            blocked = by_id[contact_id]
            raise ValidationError(
                _(DELETE_REFUSED)
                % {"number": blocked.number, "name": blocked.name, "what": ref.label or ref.model},
                code="delete_refused",
            )
    for ref in contact_references():  # CON-37 / CON-38
        rows = ref.rows(ids)
        if rows is None:
            continue
        if contact.type == ContactType.PERSON and contact.company_id:
            update = {ref.contact_field: contact.company_id}
            if ref.company_field:
                update[ref.company_field] = contact.company_id
            rows.update(**update)
        else:
            update = {ref.contact_field: None}
            if ref.name_field:
                update[ref.name_field] = F(f"{ref.contact_field}__name")
            rows.update(**update)
    # CON-39: what the business system needs to clear its side.
    links = {}
    for row in (
        ContactBusinessRelation.objects.filter(contact_id__in=ids)
        .exclude(link_type=LinkType.NONE)
        .select_related("business_relation")
    ):
        links.setdefault(row.contact_id, []).append(
            {
                "link_type": row.link_type,
                "external_number": row.external_number,
                "business_relation": row.business_relation.code,
            }
        )
    DeletedContactTombstone.objects.bulk_create(
        DeletedContactTombstone(
            contact_id=c.pk, number=c.number, name=c.name, link_rows=links.get(c.pk, [])
        )
        for c in targets
    )
    CommentLine.objects.filter(target_kind=CommentTargetKind.CONTACT, target_id__in=ids).delete()
    if contact.type == ContactType.PERSON and contact.company_id:
        company_id = contact.company_id
    else:
        company_id = None
    # CON-36/37: satellites cascade; persons and company go in one statement set.
    Contact.objects.filter(pk__in=ids).delete()
    if company_id:
        _touch(company_id)
    return len(ids)
