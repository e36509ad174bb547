"""SYN-11 wake-up and SYN-12 event sync, connected in SyncConfig.ready().

Every save of a contact, opportunity, salesperson or currency passes here, so the state it
needs (is the sync enabled, which entities have a mapping on hold or with event sync) is read
from a versioned cache (crm.caching), bumped whenever the connection or a mapping changes:
a save costs no query while nothing waits for it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from crm.caching import bump, cached

from .models import (
    ExternalCrmConnection,
    LocalEntity,
    ScheduleStatus,
    SyncCoupling,
    SyncTableMapping,
)

NAMESPACE = "sync"
MODEL_ENTITIES = {
    "contacts.contact": [LocalEntity.COMPANY_CONTACT, LocalEntity.PERSON_CONTACT],
    "opportunities.opportunity": [LocalEntity.OPPORTUNITY],
    "setup.salesperson": [LocalEntity.SALESPERSON],
    "setup.currency": [LocalEntity.CURRENCY],
}


def _state() -> dict[str, tuple[bool, bool]]:
    """{entity: (a mapping is on hold, a mapping has event sync)} when the sync is enabled."""
    if not ExternalCrmConnection.objects.filter(is_enabled=True).exists():
        return {}
    state: dict[str, tuple[bool, bool]] = {}
    for entity, status, event in SyncTableMapping.objects.filter(is_enabled=True).values_list(
        "local_entity", "schedule_status", "is_event_sync"
    ):
        on_hold, has_event = state.get(entity, (False, False))
        state[entity] = (on_hold or status == ScheduleStatus.ON_HOLD_INACTIVE, has_event or event)
    return state


def sync_state() -> dict[str, tuple[bool, bool]]:
    return cached(NAMESPACE, "state", _state, process=True)  # read, never changed, by callers


@receiver(post_save, sender=ExternalCrmConnection, dispatch_uid="sync-state-connection")
@receiver(post_save, sender=SyncTableMapping, dispatch_uid="sync-state-mapping")
@receiver(post_delete, sender=SyncTableMapping, dispatch_uid="sync-state-mapping-delete")
def _state_changed(**kwargs):
    bump(NAMESPACE)


@receiver(post_save, dispatch_uid="sync-local-change")
def local_change(sender, instance, raw=False, **kwargs):
    entities = MODEL_ENTITIES.get(sender._meta.label_lower)
    if raw or not entities or sender.__module__ == "__fake__":  # fixtures, data migrations
        return
    state = sync_state()
    flags = [state[e] for e in entities if e in state]
    if not flags:
        return
    if any(on_hold for on_hold, _event in flags):  # SYN-11: a local change wakes it up
        SyncTableMapping.objects.filter(
            local_entity__in=entities, schedule_status=ScheduleStatus.ON_HOLD_INACTIVE
        ).update(schedule_status=ScheduleStatus.ACTIVE, last_change_at=None)
        bump(NAMESPACE)
    if any(event for _on_hold, event in flags):  # SYN-12
        mapping_ids = list(
            SyncCoupling.objects.filter(
                local_id=instance.pk,
                mapping__local_entity__in=entities,
                mapping__is_event_sync=True,
                mapping__is_enabled=True,
            ).values_list("mapping_id", flat=True)
        )
        if mapping_ids:
            from .tasks import sync_record_push

            for mapping_id in mapping_ids:
                transaction.on_commit(lambda m=mapping_id: sync_record_push.delay(m, [instance.pk]))
