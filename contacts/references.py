"""Rows of other areas that point at contacts, as the contacts rules need them (CON-25/26,
CON-30, CON-35, CON-37/38).

Higher apps (interactions, opportunities, segments, campaigns) import contacts, never the
reverse (STYLE §2). So each of them *registers* its references here from its
``AppConfig.ready()``::

    from contacts.references import ContactReference, register_contact_reference

    register_contact_reference(ContactReference(
        model="opportunities.Task", contact_field="contact", company_field="contact_company",
        blocks_type_change=True, blocks_delete=Q(status="open"),
        on_company_delete="clear", name_field="contact_name",
    ))

and the contacts services run the checks and the set-based re-pointing through the registry.
Until an area registers, its checks are no-ops (its models do not exist yet).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class ContactReference:
    model: str  # "app_label.ModelName"
    contact_field: str = "contact"
    # Field holding the contact's company on the row (CON-26 "contact_company"), if any.
    company_field: str | None = None
    # What the row is called in refusals ("interaction", "open task", "segment line" …).
    label: str = ""
    # CON-30: any row refuses a type change.
    blocks_type_change: bool = False
    # CON-35: rows matching this condition refuse deletion (None: never).
    blocks_delete: Q | None = None
    # CON-25: rows matching this condition refuse a person's company change (None: never).
    blocks_company_change: Q | None = None
    # CON-26: rows of a person move to the old company when the person changes company.
    repoint_on_company_change: bool = False
    # CON-37/38 when the contact is deleted: "repoint" persons' rows to their company, and
    # "clear" the reference (keeping the name as text in ``name_field``) for deleted companies.
    on_company_delete: str = "clear"
    name_field: str | None = None
    # Optional: a field whose value names the blocking row in messages (e.g. "number").
    describe_field: str | None = None
    extra: dict = field(default_factory=dict)

    def model_class(self) -> type[Model] | None:
        try:
            return apps.get_model(self.model)
        except LookupError:
            return None

    def rows(self, contact_ids: Iterable[int]) -> QuerySet | None:
        model = self.model_class()
        if model is None:
            return None
        return model._default_manager.filter(**{f"{self.contact_field}__in": list(contact_ids)})


_REGISTRY: list[ContactReference] = []


def register_contact_reference(reference: ContactReference) -> None:
    if reference not in _REGISTRY:
        _REGISTRY.append(reference)


def unregister_contact_reference(reference: ContactReference) -> None:
    if reference in _REGISTRY:
        _REGISTRY.remove(reference)


def contact_references() -> list[ContactReference]:
    return list(_REGISTRY)
