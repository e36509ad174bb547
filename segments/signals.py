"""Narrow entry points for the areas above segments (docs/decisions/0004).

Campaigns stand higher (STYLE 2): segments cannot call their services, so they publish these
signals and campaigns connects to them from ``CampaignsConfig.ready()``. All are sent
synchronously inside the caller's transaction.
"""

from django.dispatch import Signal

# SEG-41 / CMP-10: the campaign entries of a logged segment come from
# ``interactions.campaign_entries.campaign_entries_for_logged_segment`` (decision 0009).

# SEG-43: a logged segment was canceled or un-canceled (``logged_segment``, ``is_canceled``);
# its campaign entries follow.
logged_segment_canceled = Signal()

# CMP-23: segment lines with a campaign and the target flag may have been inserted, changed or
# deleted. ``campaign_ids`` and ``contact_ids`` are sets: every pair of them may have changed.
segment_campaign_targets_changed = Signal()
