"""What the sync contributes to the contact, opportunity and salesperson pages (SPEC 13.4 steps
2 and 4): the coupling status column and filter of the lists, the list actions, the coupling
panel of the cards and the salesperson admin's column, filter and actions.

Registered in ``crm.extensions`` from ``SyncConfig.ready()``, so ``contacts`` and
``opportunities`` render them without importing ``sync``. Everything is hidden unless the
external CRM is enabled, a mapping exists for the page's model and the user holds
``COUPLING_PERMISSION``. Whether the sync is enabled and which mappings exist comes from a
versioned cache (``crm.caching``, namespace "sync", bumped when the connection or a mapping
changes), so a list page pays no query for deciding it.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm import extensions
from crm.caching import cached

from .models import ExternalCrmConnection, LocalEntity, SyncCoupling, SyncResult, SyncTableMapping

NAMESPACE = "sync"  # sync.signals bumps it when the connection or a mapping changes
COUPLING_PERMISSION = "sync.change_synccoupling"
STATUS_FIELD = "sync_status"

COUPLED = "coupled"
FAILED = "failed"
NOT_COUPLED = "not_coupled"

# The list pages that show couplings: model label -> (URL key, the entities it maps to).
MODELS = {
    "contacts.contact": ("contact", [LocalEntity.COMPANY_CONTACT, LocalEntity.PERSON_CONTACT]),
    "opportunities.opportunity": ("opportunity", [LocalEntity.OPPORTUNITY]),
    "setup.salesperson": ("salesperson", [LocalEntity.SALESPERSON]),
}
MODEL_KEYS = {key: label for label, (key, _entities) in MODELS.items()}


def status_choices() -> list[tuple[str, str]]:
    return [
        (COUPLED, pgettext_lazy("coupling status", "Coupled")),
        (FAILED, pgettext_lazy("coupling status", "Failed")),
        (NOT_COUPLED, pgettext_lazy("coupling status", "Not coupled")),
    ]


def _state() -> dict:
    """{"enabled": bool, "mappings": {entity: [mapping id, …]}} (every mapping, enabled or
    not: a coupling of a paused mapping still shows)."""
    if not ExternalCrmConnection.objects.filter(is_enabled=True).exists():
        return {"enabled": False, "mappings": {}}
    mappings: dict[str, list[int]] = {}
    for pk, entity in SyncTableMapping.objects.order_by("pk").values_list("pk", "local_entity"):
        mappings.setdefault(entity, []).append(pk)
    return {"enabled": True, "mappings": mappings}


def ui_state() -> dict:
    return cached(NAMESPACE, "ui", _state, process=True)  # read, never changed, by callers


def mapping_ids(model_label: str) -> list[int]:
    state = ui_state()
    if not state["enabled"]:
        return []
    _key, entities = MODELS[model_label]
    return [pk for entity in entities for pk in state["mappings"].get(entity, [])]


def can_couple(user, model_label: str) -> bool:
    """The coupling UI shows: sync enabled, a mapping for the model, the permission."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_perm(COUPLING_PERMISSION) and bool(mapping_ids(model_label))


def entity_for(model_label: str, obj) -> str | None:
    """The mapping entity a record belongs to: a company contact to ACCOUNT, a person with a
    company to CONTACT (13.2); a person without a company is not synchronised."""
    if model_label == "contacts.contact":
        if obj.type == "company":
            return LocalEntity.COMPANY_CONTACT
        return LocalEntity.PERSON_CONTACT if obj.company_id else None
    return MODELS[model_label][1][0]


def _couplings(model_label: str) -> QuerySet:
    return SyncCoupling.objects.filter(
        mapping_id__in=mapping_ids(model_label), local_id=OuterRef("pk")
    )


FAILED_Q = Q(last_local_result=SyncResult.FAILURE) | Q(last_remote_result=SyncResult.FAILURE)


def status_annotate(queryset: QuerySet, model_label: str) -> QuerySet:
    """``sync_status`` ("coupled", "failed" or "not_coupled") as one scalar subquery per
    listed row, served by the (mapping, local_id) unique index of the couplings."""
    status = (
        _couplings(model_label)
        .annotate(status=Case(When(FAILED_Q, then=Value(FAILED)), default=Value(COUPLED)))
        .values("status")[:1]
    )
    return queryset.annotate(**{STATUS_FIELD: Coalesce(Subquery(status), Value(NOT_COUPLED))})


def status_filter(queryset: QuerySet, model_label: str, value: str) -> QuerySet:
    couplings = _couplings(model_label)
    if value == COUPLED:
        return queryset.filter(Exists(couplings.exclude(FAILED_Q)))
    if value == FAILED:
        return queryset.filter(Exists(couplings.filter(FAILED_Q)))
    if value == NOT_COUPLED:
        return queryset.exclude(Exists(couplings))
    return queryset


BADGES = {COUPLED: "text-bg-success", FAILED: "text-bg-danger", NOT_COUPLED: "text-bg-light"}


def status_badge(status: str | None) -> str:
    status = status or NOT_COUPLED
    label = dict(status_choices())[status]
    return format_html(
        '<span class="badge sync-status {}" data-sync-status="{}">{}</span>',
        BADGES[status],
        status,
        label,
    )


def bulk_actions() -> list[tuple[str, str]]:
    """SYN-13/14 on the rows ticked in a list."""
    return [
        ("sync_local", _("Synchronise now: this CRM wins")),
        ("sync_remote", _("Synchronise now: the external CRM wins")),
        ("match", _("Match-based coupling…")),
        ("remove", _("Remove coupling")),
    ]


def _register_lists() -> None:
    for model_label, (key, _entities) in MODELS.items():

        def visible(user, model_label=model_label):
            return can_couple(user, model_label)

        if model_label == "setup.salesperson":
            continue  # administered in the Django admin (below)
        extensions.column_register(
            model_label,
            extensions.ListColumn(
                name=STATUS_FIELD,
                label=_("External CRM"),
                annotate=lambda qs, user, m=model_label: status_annotate(qs, m),
                render=lambda obj: status_badge(getattr(obj, STATUS_FIELD, None)),
                visible=visible,
            ),
        )
        extensions.filter_register(
            model_label,
            extensions.ListFilter(
                name=STATUS_FIELD,
                label=_("External CRM coupling"),
                choices=status_choices,
                apply=lambda qs, value, m=model_label: status_filter(qs, m, value),
                visible=visible,
            ),
        )
        extensions.action_register(
            model_label,
            extensions.ListAction(
                label=_("Create from external CRM"),
                url=lambda key=key: reverse("sync:create-from-remote", args=[key]),
                visible=visible,
            ),
        )
        extensions.action_register(
            model_label,
            extensions.ListAction(
                label=_("Match-based coupling"),
                url=lambda key=key: reverse("sync:match", args=[key]),
                visible=visible,
            ),
        )
        extensions.bulk_register(
            model_label,
            extensions.BulkActions(
                url=lambda key=key: reverse("sync:bulk", args=[key]),
                actions=bulk_actions,
                select_label=_("Select for the external CRM actions"),
                visible=visible,
            ),
        )
        extensions.panel_register(
            model_label,
            extensions.CardPanel(
                name="sync",
                url=lambda obj, key=key, m=model_label: (
                    reverse("sync:record-panel", args=[key, obj.pk]) if entity_for(m, obj) else None
                ),
                visible=visible,
            ),
        )


# ---- salesperson admin ------------------------------------------------------------------------

SALESPERSON = "setup.salesperson"


@admin.display(description=_("External CRM"), ordering=STATUS_FIELD)
def salesperson_sync_status(obj) -> str:
    return status_badge(getattr(obj, STATUS_FIELD, None))


class SalespersonCouplingFilter(admin.SimpleListFilter):
    title = _("External CRM coupling")
    parameter_name = STATUS_FIELD

    def lookups(self, request, model_admin):
        return status_choices()

    def queryset(self, request, queryset):
        if self.value():
            return status_filter(queryset, SALESPERSON, self.value())
        return queryset


def _salesperson_mapping():
    ids = mapping_ids(SALESPERSON)
    return SyncTableMapping.objects.filter(pk__in=ids).order_by("pk").first()


@admin.action(description=_("Synchronise now with the external CRM"))
def salesperson_sync_now(modeladmin, request, queryset):
    from .services import records_sync

    mapping = _salesperson_mapping()
    ids = list(queryset.values_list("pk", flat=True))
    records_sync(mapping=mapping, local_ids=ids, winner="remote")
    modeladmin.message_user(request, gettext("The selected records are being synchronised."))


@admin.action(description=_("Remove the external CRM coupling"))
def salesperson_uncouple(modeladmin, request, queryset):
    from .services import coupling_remove

    count = coupling_remove(
        mapping=_salesperson_mapping(), local_ids=list(queryset.values_list("pk", flat=True))
    )
    modeladmin.message_user(request, gettext("%(count)s couplings removed.") % {"count": count})


@admin.action(description=_("Match-based coupling with the external CRM (background job)"))
def salesperson_match(modeladmin, request, queryset):
    from .services import couple_match_start

    mapping = _salesperson_mapping()
    fields = list(mapping.fields.filter(use_for_matching=True).values_list("pk", flat=True))
    if not fields:
        fields = list(
            mapping.fields.filter(is_enabled=True, remote_field="name").values_list("pk", flat=True)
        )
    try:
        job = couple_match_start(
            mapping=mapping,
            local_ids=list(queryset.values_list("pk", flat=True)),
            match_fields=fields,
            user=request.user,
        )
    except ValidationError as exc:  # "no matching criteria"
        modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
    else:
        modeladmin.message_user(
            request, gettext("Match-based coupling started (job %(job)s).") % {"job": job.pk}
        )


def _register_admin() -> None:
    extensions.admin_register(
        SALESPERSON,
        extensions.AdminExtension(
            annotate=lambda qs: status_annotate(qs, SALESPERSON),
            list_display=(salesperson_sync_status,),
            list_filter=(SalespersonCouplingFilter,),
            actions=(salesperson_sync_now, salesperson_uncouple, salesperson_match),
            visible=lambda user: can_couple(user, SALESPERSON),
        ),
    )


def register() -> None:
    _register_lists()
    _register_admin()
