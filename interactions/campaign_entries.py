"""CMP-10: the one entry point through which logged interactions get their campaign entries.

Campaigns stand higher than interactions and segments (STYLE 2), so neither may import the
campaigns services; yet both must store the campaign entry that campaigns create on the
interactions they log. Decision 0009 (docs/decisions) replaces the signals whose receivers
*returned* those entries with this registry: the campaigns area registers one
``CampaignEntryProvider`` from ``CampaignsConfig.ready()``, interactions and segments call the
two functions below and write what they return. The contract is visible to imports, typed, and
has exactly one implementation; without campaigns installed nothing is registered and no
campaign entry is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class ForInteraction(Protocol):
    def __call__(self, *, entry: Any) -> Any | None: ...


class ForLoggedSegment(Protocol):
    def __call__(
        self,
        *,
        logged_segment: Any,
        campaign_ids: set[int],
        description: str,
        date: dt.date | None,
        user: Any,
        salesperson: Any,
    ) -> dict[int, Any]: ...


@dataclass(frozen=True)
class CampaignEntryProvider:
    """What the campaigns area offers: create the campaign entry of one finished interaction
    (or None), and one entry per campaign of a logged segment (``{campaign_id: entry}``)."""

    for_interaction: ForInteraction | Callable[..., Any]
    for_logged_segment: ForLoggedSegment | Callable[..., dict[int, Any]]


_provider: CampaignEntryProvider | None = None


def register_campaign_entry_provider(provider: CampaignEntryProvider | None) -> None:
    """Set the provider (``CampaignsConfig.ready()``); ``None`` removes it."""
    global _provider
    _provider = provider


def campaign_entry_provider() -> CampaignEntryProvider | None:
    return _provider


def campaign_entry_for_interaction(*, entry) -> Any | None:
    """CMP-10: the campaign entry created for a finished single interaction, or None (no
    campaign on the entry, or no provider registered)."""
    if _provider is None or not entry.campaign_id:
        return None
    return _provider.for_interaction(entry=entry)


def campaign_entries_for_logged_segment(
    *,
    logged_segment,
    campaign_ids: set[int],
    description: str = "",
    date: dt.date | None = None,
    user=None,
    salesperson=None,
) -> dict[int, Any]:
    """SEG-41 / CMP-10: ``{campaign_id: campaign entry}`` for the campaigns on a logged
    segment's lines; empty without campaigns or without a provider."""
    if _provider is None or not campaign_ids:
        return {}
    return _provider.for_logged_segment(
        logged_segment=logged_segment,
        campaign_ids=set(campaign_ids),
        description=description,
        date=date,
        user=user,
        salesperson=salesperson,
    )
