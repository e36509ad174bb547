"""Writes of the contacts area (SPEC 3.3): create, update, link, type change, delete and the
satellite rows of a contact.

Links to the business system ("create as", "link with existing") live in ``links.py``.
"""

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, CharField, F, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.concurrency import ensure_not_stale
from crm.history import field_changes_record
from crm.models import normalize_code
from crm.services import model_update
from setup.models import (
    BusinessRelation,
    ContactType,
    Country,
    Currency,
    IndustryGroup,
    JobResponsibility,
    Language,
    LinkType,
    MailingGroup,
    MarketingSetup,
    NumberSeries,
    OrganizationalLevel,
    Territory,
    WebSource,
)
from setup.services import number_assign, salesperson_for_user, salesperson_validate_choosable

from .models import (
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
    DeletedContactTombstone,
)
from .names import name_join, name_split
from .references import contact_references
from .selectors import company_candidates

# -- field groups ------------------------------------------------------------------------------

ADDRESS_FIELDS = ["address", "address_2", "post_code", "city", "county"]
COMMUNICATION_FIELDS = [
    "phone",
    "fax",
    "email",
    "home_page",
    "extension",
    "mobile_phone",
    "pager",
    "correspondence_type",
]
# CON-24: correspondence type is not rippled from the company to its persons.
RIPPLE_COMMUNICATION_FIELDS = [f for f in COMMUNICATION_FIELDS if f != "correspondence_type"]
INHERIT_SWITCHES = {
    "salesperson": "inherit_salesperson",
    "territory": "inherit_territory",
    "country": "inherit_country",
    "language": "inherit_language",
}
NAME_PART_FIELDS = ["first_name", "middle_name", "surname"]
# CON-16: only persons carry these.
PERSON_ONLY_FIELDS = [*NAME_PART_FIELDS, "initials", "job_title", "organizational_level"]
PHONE_FIELDS = ["phone", "mobile_phone"]

CONTACT_EDIT_FIELDS = [
    "name",
    "name_2",
    "search_name",
    *PERSON_ONLY_FIELDS,
    "salesperson",
    "salutation",
    "correspondence_type",
    "language",
    "territory",
    "currency",
    "country",
    "vat_registration_number",
    "registration_number",
    "external_id",
    *ADDRESS_FIELDS,
    "phone",
    "mobile_phone",
    "fax",
    "pager",
    "extension",
    "email",
    "email_2",
    "home_page",
    "exclude_from_segment",
    "is_privacy_blocked",
    "is_minor",
    "has_parental_consent",
]

# -- messages (kept as constants for tests) -----------------------------------------------------

PHONE_INVALID = gettext_noop("%(field)s may contain digits, spaces and + - ( ) / . only.")
COMPANY_NOT_COMPANY = gettext_noop("Contact %(number)s is not a company.")
COMPANY_AMBIGUOUS = gettext_noop("Ambiguous company name %(text)s: pick the company from the list.")
COMPANY_NO_MATCH = gettext_noop("No company matches %(text)s.")
PERSON_ONLY = gettext_noop("Only persons can have %(field)s.")
COMPANY_ONLY = gettext_noop("Only companies can have %(what)s.")
CONSENT_NOT_MINOR = gettext_noop("Parental consent can only be recorded for a minor.")
BLOCK_NEEDS_CONSENT = gettext_noop(
    "Privacy block cannot be cleared until parental consent is recorded."
)

_PHONE_RE = re.compile(r"^[0-9 +\-()/.]*$")


class AmbiguousCompanyError(ValidationError):
    """CON-20: several companies match the typed name; ``candidates`` feeds the pick list."""

    def __init__(self, message, *, candidates: list[Contact]):
        super().__init__({"company_text": [message]}, code="ambiguous_company")
        self.candidates = candidates


# -- pure helpers --------------------------------------------------------------------------------


def _validate_phones(values: dict[str, Any]) -> None:
    errors = {}
    for name in PHONE_FIELDS:
        value = values.get(name) or ""
        if value and not _PHONE_RE.match(value):
            label = Contact._meta.get_field(name).verbose_name
            errors[name] = _(PHONE_INVALID) % {"field": str(label).capitalize()}
    if errors:
        raise ValidationError(errors, code="phone_invalid")


def _touch(contact_id: int) -> None:
    """CON-15: the contact changed (directly or through a satellite row)."""
    Contact.objects.filter(pk=contact_id).update(last_modified_at=timezone.now())


# -- company link (CON-20) ------------------------------------------------------------------------


def contact_company_resolve(*, text: str, chosen: Contact | None = None) -> Contact:
    """CON-20: the company the user meant by ``text`` (exact, then starts-with, then contains).

    ``chosen`` is the company the user picked from the pick list; it wins when it is among the
    matches of the first level that has any.
    """
    text = (text or "").strip()
    if chosen is not None and chosen.type != ContactType.COMPANY:
        raise ValidationError(
            {"company_text": _(COMPANY_NOT_COMPANY) % {"number": chosen.number}},
            code="company_not_company",
        )
    if chosen is not None and text.lower() in {chosen.name.lower(), chosen.number.lower()}:
        return chosen
    for level in company_candidates(text=text):
        hits = list(level[:51])
        if not hits:
            continue
        if chosen is not None and any(hit.pk == chosen.pk for hit in hits):
            return chosen
        if len(hits) == 1:
            return hits[0]
        raise AmbiguousCompanyError(_(COMPANY_AMBIGUOUS) % {"text": text}, candidates=hits[:50])
    raise ValidationError(
        {"company_text": _(COMPANY_NO_MATCH) % {"text": text}}, code="company_no_match"
    )


def _company_from_data(data: dict[str, Any], current: Contact | None) -> tuple[bool, Any]:
    """Which company the data asks for: (given?, company-or-None)."""
    if "company_text" in data:
        text = (data.get("company_text") or "").strip()
        if not text:
            return True, None
        chosen = data.get("company") or current
        return True, contact_company_resolve(text=text, chosen=chosen)
    if "company" in data:
        company = data["company"]
        if company is not None and company.type != ContactType.COMPANY:
            raise ValidationError(
                {"company": _(COMPANY_NOT_COMPANY) % {"number": company.number}},
                code="company_not_company",
            )
        return True, company
    return False, None


def _drop_blocked_default_salesperson(contact: Contact) -> None:
    """SET-21/22: a default salesperson (setup, the user's, the company's) that is blocked or
    privacy-blocked is not applied to a new contact; the contact is left without one."""
    salesperson = contact.salesperson
    if salesperson.is_blocked or salesperson.is_privacy_blocked:
        contact.salesperson = None


def _inherit_from_company(
    person: Contact, *, company: Contact, previous: Contact | None, setup: MarketingSetup
) -> None:
    """CON-21…23 on one person (in memory): the person joins ``company`` (from ``previous``)."""
    person.company_name = company.name
    for field, switch in INHERIT_SWITCHES.items():
        if getattr(setup, switch):
            setattr(person, f"{field}_id", getattr(company, f"{field}_id"))
    if setup.inherit_address:
        block = [getattr(person, f) for f in ADDRESS_FIELDS]
        old_block = [getattr(previous, f) for f in ADDRESS_FIELDS] if previous else None
        if not any(block) or block == old_block:
            for f in ADDRESS_FIELDS:
                setattr(person, f, getattr(company, f))
    if setup.inherit_communication:
        for f in COMMUNICATION_FIELDS:
            value = getattr(person, f)
            if not value or (previous is not None and value == getattr(previous, f)):
                setattr(person, f, getattr(company, f))


def _check_company_change_allowed(person: Contact) -> None:
    """CON-25: not while the person is on a line of an unlogged segment."""
    for ref in contact_references():
        if ref.blocks_company_change is None:
            continue
        rows = ref.rows([person.pk])
        if rows is not None and rows.filter(ref.blocks_company_change).exists():
            raise ValidationError(
                {
                    "company_text": _("Remove the contact from %(what)s first.")
                    % {"what": ref.label or ref.model}
                },
                code="company_change_blocked",
            )


def _repoint_history(person: Contact, *, previous: Contact | None, company: Contact | None):
    """CON-26: history of a person stays with its old employer (set-based per model)."""
    for ref in contact_references():
        if not ref.repoint_on_company_change or not ref.company_field:
            continue
        rows = ref.rows([person.pk])
        if rows is None:
            continue
        if previous is not None:
            rows.update(**{ref.contact_field: previous.pk, ref.company_field: previous.pk})
        elif company is not None:
            rows.update(**{ref.company_field: company.pk})


def _output(attname: str):
    return BigIntegerField() if attname.endswith("_id") else CharField()


# -- CON-24 ripple --------------------------------------------------------------------------------


# CON-24 / SPEC 3.7: up to this many persons the ripple runs inside the company save; above it,
# a task started on commit applies the same UPDATE with the captured previous values.
RIPPLE_INLINE_MAX_PERSONS = 500


def _ripple_changes(company: Contact, *, old: dict[str, Any], setup: MarketingSetup) -> dict:
    """What CON-24 moves, as plain JSON: ``{"fields": {attname: [old, new]}, "address":
    [old_block, new_block] | None, "name": [old, new] | None}`` (only what changed)."""
    fields: list[str] = [f"{f}_id" for f, s in INHERIT_SWITCHES.items() if getattr(setup, s)]
    if setup.inherit_communication:
        fields += RIPPLE_COMMUNICATION_FIELDS
    changes: dict[str, Any] = {"fields": {}, "address": None, "name": None}
    for attname in fields:
        new = getattr(company, attname)
        if old[attname] != new:
            changes["fields"][attname] = [old[attname], new]
    if setup.inherit_address:
        new_block = [getattr(company, f) for f in ADDRESS_FIELDS]
        old_block = [old[f] for f in ADDRESS_FIELDS]
        if new_block != old_block:
            changes["address"] = [old_block, new_block]
    if old["name"] != company.name:
        changes["name"] = [old["name"], company.name]
    return changes


def _ripple_is_empty(changes: dict) -> bool:
    return not changes["fields"] and changes["address"] is None and changes["name"] is None


@transaction.atomic
def contact_person_ripple(*, company_id: int, changes: dict) -> int:
    """CON-24 with one UPDATE: each inherited field moves on persons still holding the old value.

    ``changes`` comes from ``_ripple_changes`` (captured at the company save). Idempotent: a
    second run with the same values finds no person still holding an old value (and none with
    another company name), so it changes nothing.
    """
    updates: dict[str, Any] = {}
    changed_conditions: list[Q] = []

    def same(attname: str, value: Any) -> Q:
        return Q(**{f"{attname}__isnull": True}) if value is None else Q(**{attname: value})

    for attname, (old_value, new_value) in changes["fields"].items():
        condition = same(attname, old_value)
        updates[attname] = Case(
            When(condition, then=Value(new_value)),
            default=F(attname),
            output_field=_output(attname),
        )
        changed_conditions.append(condition)
    if changes["address"] is not None:
        old_block, new_block = changes["address"]
        condition = Q(**dict(zip(ADDRESS_FIELDS, old_block, strict=True)))
        for f, value in zip(ADDRESS_FIELDS, new_block, strict=True):
            updates[f] = Case(
                When(condition, then=Value(value)), default=F(f), output_field=CharField()
            )
        changed_conditions.append(condition)
    if changes["name"] is not None:
        updates["company_name"] = Value(changes["name"][1])
        changed_conditions.append(~Q(company_name=changes["name"][1]))
    if not updates:
        return 0
    where = Q()
    for condition in changed_conditions:
        where |= condition
    now = timezone.now()
    return (
        Contact.objects.filter(company_id=company_id, type=ContactType.PERSON)
        .filter(where)
        .update(**updates, last_modified_at=now, updated_at=now)
    )


def _ripple_to_persons(company: Contact, *, old: dict[str, Any], setup: MarketingSetup) -> int:
    """CON-24: inline for up to ``RIPPLE_INLINE_MAX_PERSONS`` persons, else a task on commit.

    Returns the number of persons updated inline (0 when the task was queued).
    """
    changes = _ripple_changes(company, old=old, setup=setup)
    if _ripple_is_empty(changes):
        return 0
    persons = Contact.objects.filter(company_id=company.pk, type=ContactType.PERSON)
    if persons[: RIPPLE_INLINE_MAX_PERSONS + 1].count() <= RIPPLE_INLINE_MAX_PERSONS:
        return contact_person_ripple(company_id=company.pk, changes=changes)
    from .tasks import contact_person_ripple_task

    contact_person_ripple_task.delay_on_commit(company.pk, changes)
    return 0


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
    from .dedupe import contact_duplicates_rebuild

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
    old = {f.attname: getattr(contact, f.attname) for f in Contact._meta.concrete_fields}
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
        if getattr(contact, f.attname) != old[f.attname]
    ]
    if not changed:
        return contact
    contact.last_modified_at = timezone.now()  # CON-15
    _full_clean(contact)
    contact.save()
    field_changes_record(instance=contact, before=old, user=user)
    if contact.type == ContactType.COMPANY:
        _ripple_to_persons(contact, old=old, setup=setup)  # CON-24
        from .dedupe import DUPLICATE_TRIGGER_FIELDS

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


# -- "+ New" next to a code lookup on the contact forms (SPEC 2.4) ---------------------------------

# Form field → the setup code table it looks up (code + description; name for country/language).
LOOKUP_CODE_MODELS = {
    "industry_group": IndustryGroup,
    "mailing_group": MailingGroup,
    "job_responsibility": JobResponsibility,
    "business_relation": BusinessRelation,
    "territory": Territory,
    "organizational_level": OrganizationalLevel,
    "language": Language,
    "currency": Currency,
    "country": Country,
}


@transaction.atomic
def contact_lookup_code_create(*, field: str, code: str, description: str = ""):
    """Create a code from a contact form's "+ New" (SET-30: trimmed, upper-cased, not blank)."""
    model = LOOKUP_CODE_MODELS[field]
    row = model(code=normalize_code(code), description=(description or "").strip())
    if hasattr(row, "name") and not row.name:
        row.name = row.description[: model._meta.get_field("name").max_length]
    row.full_clean()
    row.save()
    return row
