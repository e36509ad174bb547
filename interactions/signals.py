"""Narrow entry points for the areas above interactions (docs/decisions/0004).

Campaigns stand higher (STYLE 2): interactions cannot call their services, so they publish
these signals and campaigns connects to them from ``CampaignsConfig.ready()``.
"""

from django.dispatch import Signal

# CMP-10: a single interaction with a campaign was finished. Sent inside the finishing
# transaction with ``entry``; a receiver returns the ``CampaignEntry`` it created (or None),
# and interactions stores it on the entry.
interaction_finished = Signal()

# CMP-23: entries that carry (or carried) a campaign with the campaign-target flag were
# created, finished, changed or deleted. ``pairs`` is a set of (campaign_id, contact_id),
# sent after the change inside its transaction.
interaction_campaign_targets_changed = Signal()
