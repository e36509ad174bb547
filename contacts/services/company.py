"""A person's company (CON-20…26) and the company-to-persons ripple (CON-24)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Case, CharField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import (
    Contact,
)
from contacts.references import contact_references
from contacts.selectors import company_candidates
from setup.models import (
    ContactType,
    MarketingSetup,
)

from .fields import (
    ADDRESS_FIELDS,
    COMMUNICATION_FIELDS,
    COMPANY_AMBIGUOUS,
    COMPANY_NO_MATCH,
    COMPANY_NOT_COMPANY,
    INHERIT_SWITCHES,
    RIPPLE_COMMUNICATION_FIELDS,
    AmbiguousCompanyError,
)

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
    from contacts.tasks import contact_person_ripple_task

    contact_person_ripple_task.delay_on_commit(company.pk, changes)
    return 0
