"""The local side of each table mapping (SPEC 13.1 ``local_entity``): which rows, which fields,
how a record is created or written by the sync.

Field kinds: ``text`` (empty string for nothing), ``decimal``, ``date``, ``int``, ``code`` (a
foreign key to a code table, travelling as its code) and ``coupled`` (a foreign key to another
synced entity, travelling as the remote id of its coupling, resolved by the engine).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import LocalEntity


@dataclass(frozen=True)
class LocalField:
    kind: str = "text"
    target: str = ""  # code: "app.Model"; coupled: a LocalEntity value (or "contact")
    max_length: int | None = None


@dataclass(frozen=True)
class Entity:
    key: str
    model_label: str
    fields: dict[str, LocalField]
    queryset: Callable[[], QuerySet]
    create: Callable[[dict, Any, bool], Any]
    update: Callable[[Any, dict, Any, bool], Any]
    parent: str = ""  # SYN-8: the coupled field that must be coupled first
    label: Callable[[Any], str] = str
    search: str = "name__icontains"
    extra: dict = field(default_factory=dict)

    @property
    def model(self):
        return apps.get_model(self.model_label)


def _modified(qs: QuerySet) -> QuerySet:
    return qs.annotate(sync_modified=F("updated_at"))


def _clean(kind: LocalField, value: Any) -> Any:
    """A remote value as the local field's Python value (ValidationError when it cannot be)."""
    if kind.kind == "text":
        text = "" if value in (None, False) else str(value)
        if kind.max_length and len(text) > kind.max_length:
            raise ValidationError(
                _("value too long (%(length)s characters, at most %(max)s)")
                % {"length": len(text), "max": kind.max_length}
            )
        return text
    if kind.kind == "decimal":
        try:
            return Decimal(str(value or 0))
        except InvalidOperation as exc:
            raise ValidationError(_("not a number: %(value)s") % {"value": value}) from exc
    if kind.kind == "int":
        try:
            return int(Decimal(str(value or 0)))
        except InvalidOperation as exc:
            raise ValidationError(_("not a number: %(value)s") % {"value": value}) from exc
    if kind.kind == "date":
        if value in ("", None):
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError(_("not a date: %(value)s") % {"value": value}) from exc
    return value


def _save_raw(obj, values: dict) -> Any:
    """Store values without the service's validation (SYN-7 validate_on_write off); database
    constraints still apply."""
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean(
        exclude=[n for n in values if n not in {f.name for f in obj._meta.fields}],
        validate_unique=False,
        validate_constraints=False,
    )
    obj.save()
    return obj


# ---- contacts ---------------------------------------------------------------------------------

CONTACT_TEXT = {
    "name": 100,
    "first_name": 30,
    "middle_name": 30,
    "surname": 30,
    "job_title": 30,
    "address": 100,
    "address_2": 50,
    "city": 30,
    "post_code": 20,
    "county": 30,
    "phone": 30,
    "mobile_phone": 30,
    "fax": 30,
    "pager": 30,
    "email": 80,
    "home_page": 80,
}


def _contact_fields(person: bool) -> dict[str, LocalField]:
    fields = {name: LocalField("text", max_length=size) for name, size in CONTACT_TEXT.items()}
    fields["country"] = LocalField("code", "setup.Country")
    fields["currency"] = LocalField("coupled", LocalEntity.CURRENCY)
    fields["salesperson"] = LocalField("coupled", LocalEntity.SALESPERSON)
    if person:
        fields["company"] = LocalField("coupled", LocalEntity.COMPANY_CONTACT)
    else:
        for name in ("first_name", "middle_name", "surname", "job_title"):
            fields.pop(name)
    return fields


def _contacts(person: bool) -> QuerySet:
    from contacts.models import Contact, ContactType

    qs = Contact.objects.filter(type=ContactType.PERSON if person else ContactType.COMPANY)
    if person:
        qs = qs.filter(company__isnull=False)
    return _modified(qs)


def _contact_create(person: bool):
    def create(values: dict, user, validate: bool):
        from contacts.models import Contact, ContactType
        from contacts.services import contact_create

        data = {**values, "type": ContactType.PERSON if person else ContactType.COMPANY}
        if validate:
            return contact_create(user=user, data=data, apply_defaults=False)
        contact = contact_create(
            user=user, data={"type": data["type"], "name": data.get("name")}, apply_defaults=False
        )
        return _save_raw(Contact.objects.get(pk=contact.pk), values)

    return create


def _contact_update(contact, values: dict, user, validate: bool):
    from contacts.services import contact_update

    if validate:
        return contact_update(contact=contact, user=user, data=values)
    return _save_raw(contact, values)


# ---- salespeople, currencies, opportunities ---------------------------------------------------


def _salesperson_create(values: dict, user, validate: bool):
    from setup.models import Salesperson

    remote_id = values.pop("_remote_id", "")
    salesperson = Salesperson(code=f"EXT{remote_id}"[:20])
    return _save_raw(salesperson, values)


def _currency_create(values: dict, user, validate: bool):
    from setup.models import Currency

    return _save_raw(Currency(), values)


def _opportunities() -> QuerySet:
    from opportunities.models import Opportunity, OpportunityEntry, OpportunityStatus

    active = OpportunityEntry.objects.filter(opportunity=OuterRef("pk"), is_active=True)
    return (
        Opportunity.objects.filter(
            status__in=[OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS]
        )
        .annotate(
            estimated_value=Coalesce(Subquery(active.values("estimated_value")[:1]), Decimal(0)),
            estimated_close_date=Subquery(active.values("estimated_close_date")[:1]),
            entry_updated_at=Subquery(active.values("updated_at")[:1]),
        )
        .annotate(
            sync_modified=Greatest(
                "updated_at",
                Coalesce("entry_updated_at", "updated_at", output_field=DateTimeField()),
            )
        )
    )


def _opportunity_create(values: dict, user, validate: bool):
    from opportunities.services import opportunity_create

    return opportunity_create(
        description=values.get("description") or "",
        contact=values.get("contact"),
        salesperson=values.get("salesperson"),
        user=user,
        estimated_value=values.get("estimated_value") or Decimal(0),
        estimated_close_date=values.get("estimated_close_date"),
    )


def _opportunity_update(opportunity, values: dict, user, validate: bool):
    own = {k: v for k, v in values.items() if k in ("description", "salesperson", "contact")}
    return _save_raw(opportunity, own)


def _model_update(obj, values: dict, user, validate: bool):
    return _save_raw(obj, values)


ENTITIES: dict[str, Entity] = {
    LocalEntity.COMPANY_CONTACT: Entity(
        key=LocalEntity.COMPANY_CONTACT,
        model_label="contacts.Contact",
        fields=_contact_fields(person=False),
        queryset=lambda: _contacts(person=False),
        create=_contact_create(person=False),
        update=_contact_update,
        label=lambda c: f"{c.number} {c.name}",
        search="search_name__contains",
    ),
    LocalEntity.PERSON_CONTACT: Entity(
        key=LocalEntity.PERSON_CONTACT,
        model_label="contacts.Contact",
        fields=_contact_fields(person=True),
        queryset=lambda: _contacts(person=True),
        create=_contact_create(person=True),
        update=_contact_update,
        parent="company",
        label=lambda c: f"{c.number} {c.name}",
        search="search_name__contains",
    ),
    LocalEntity.SALESPERSON: Entity(
        key=LocalEntity.SALESPERSON,
        model_label="setup.Salesperson",
        fields={
            "name": LocalField("text", max_length=50),
            "email": LocalField("text", max_length=80),
            "phone": LocalField("text", max_length=30),
            "job_title": LocalField("text", max_length=30),
        },
        queryset=lambda: _modified(apps.get_model("setup.Salesperson").objects.all()),
        create=_salesperson_create,
        update=_model_update,
        label=lambda s: f"{s.code} {s.name}",
    ),
    LocalEntity.CURRENCY: Entity(
        key=LocalEntity.CURRENCY,
        model_label="setup.Currency",
        fields={
            "code": LocalField("text", max_length=10),
            "description": LocalField("text", max_length=100),
        },
        queryset=lambda: _modified(apps.get_model("setup.Currency").objects.all()),
        create=_currency_create,
        update=_model_update,
        label=lambda c: c.code,
        search="code__icontains",
    ),
    LocalEntity.OPPORTUNITY: Entity(
        key=LocalEntity.OPPORTUNITY,
        model_label="opportunities.Opportunity",
        fields={
            "description": LocalField("text", max_length=100),
            "contact": LocalField("coupled", "contact"),
            "salesperson": LocalField("coupled", LocalEntity.SALESPERSON),
            "estimated_value": LocalField("decimal"),
            "estimated_close_date": LocalField("date"),
            "status": LocalField("text"),
        },
        queryset=_opportunities,
        create=_opportunity_create,
        update=_opportunity_update,
        parent="contact",
        label=lambda o: f"{o.number} {o.description}",
        search="description__icontains",
    ),
}


def entity(key: str) -> Entity:
    return ENTITIES[key]


def clean_value(spec: LocalField, value: Any) -> Any:
    return _clean(spec, value)


def now() -> dt.datetime:
    return timezone.now()
