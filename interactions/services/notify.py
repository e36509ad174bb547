"""What the areas above interactions hear about finished and changed entries (CMP-10/23,
docs/decisions/0004 and 0009)."""

from interactions.campaign_entries import campaign_entry_for_interaction
from interactions.models import InteractionLogEntry
from interactions.signals import interaction_campaign_targets_changed


def _target_pairs(entries) -> set[tuple[int, int]]:
    """(campaign, contact) of the entries that make their company a campaign target."""
    return {
        (e.campaign_id, e.contact_id)
        for e in entries
        if e.campaign_id and e.contact_id and e.is_campaign_target and not e.is_postponed
    }


def interaction_targets_notify(pairs) -> None:
    """CMP-23: tell the campaigns area which (campaign, contact) pairs may have changed."""
    pairs = {(c, k) for c, k in pairs if c and k}
    if pairs:
        interaction_campaign_targets_changed.send(sender=InteractionLogEntry, pairs=pairs)


def interaction_finish_notify(*, entry: InteractionLogEntry) -> None:
    """After a single interaction is finished: its campaign entry (CMP-10, created by the
    campaigns area through ``interactions.campaign_entries``) and the campaign target group
    (CMP-23)."""
    if entry.campaign_id and entry.campaign_entry_id is None:
        campaign_entry = campaign_entry_for_interaction(entry=entry)  # decision 0009
        if campaign_entry is not None:
            entry.campaign_entry = campaign_entry
            entry.save(update_fields=["campaign_entry", "updated_at"])
    interaction_targets_notify(_target_pairs([entry]))
