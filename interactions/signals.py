"""Signals for the areas above interactions (docs/decisions/0004 and 0009).

Campaigns stand higher (STYLE 2): interactions cannot call their services, so they publish this
signal and campaigns connect to it from ``CampaignsConfig.ready()``. Nothing flows back: the
campaign entry of a finished interaction comes from ``interactions.campaign_entries`` (decision
0009), not from a receiver's return value.
"""

from django.dispatch import Signal

# CMP-23: entries that carry (or carried) a campaign with the campaign-target flag were
# created, finished, changed or deleted. ``pairs`` is a set of (campaign_id, contact_id),
# sent after the change inside its transaction.
interaction_campaign_targets_changed = Signal()
