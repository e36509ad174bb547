"""Where other areas point at campaigns, discovered at run time.

Interactions, segments and opportunities add their ``campaign`` / ``campaign_entry`` foreign
keys in their own issues. Campaign services use a source only once its field exists, so the
rules (CMP-2, CMP-11/12, CMP-20/23, statistics 10.4) switch on without touching this app.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet


def model_with_fields(label: str, *fields: str) -> type[Model] | None:
    """The model ``label`` if it exists and has all ``fields``, else None."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    for name in fields:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
    return model


def interaction_model() -> type[Model] | None:
    """Interactions carrying a campaign (10.4, CMP-20)."""
    return model_with_fields(
        "interactions.InteractionLogEntry", "campaign", "is_campaign_target", "contact"
    )


def interaction_entry_model() -> type[Model] | None:
    """Interactions carrying their campaign entry (CMP-11/12)."""
    return model_with_fields("interactions.InteractionLogEntry", "campaign_entry")


def segment_line_model() -> type[Model] | None:
    """Segment lines carrying a campaign and the campaign-target flag (CMP-20/23)."""
    return model_with_fields("segments.SegmentLine", "campaign", "is_campaign_target", "contact")


def opportunity_entry_model() -> type[Model] | None:
    """Opportunity entries carrying a campaign (10.4)."""
    return model_with_fields(
        "opportunities.OpportunityEntry",
        "campaign",
        "is_active",
        "estimated_value",
        "calculated_current_value",
    )


@dataclass(frozen=True)
class TargetSource:
    """Rows that make their contact's company a campaign target (CMP-20)."""

    label: str
    model: type[Model]
    condition: Q

    def rows(self, campaign_ids) -> QuerySet:
        return self.model._default_manager.filter(
            self.condition, campaign_id__in=list(campaign_ids), contact__isnull=False
        )

    def sql(self, campaign_ids, contact_ids=None) -> tuple[str, tuple]:
        """``SELECT campaign_id, contact_id`` of the qualifying rows."""
        rows = self.rows(campaign_ids)
        if contact_ids is not None:
            rows = rows.filter(contact_id__in=list(contact_ids))
        return rows.order_by().values_list("campaign_id", "contact_id").query.sql_with_params()


def target_sources() -> list:
    """Sources of CMP-20; each has ``label`` and ``sql(campaign_ids, contact_ids=None)``."""
    sources = []
    lines = segment_line_model()
    if lines is not None:
        # Segment lines belong to unlogged segments (logging moves them to the logged segment).
        sources.append(TargetSource("segment line", lines, Q(is_campaign_target=True)))
    interactions = interaction_model()
    if interactions is not None:
        sources.append(
            TargetSource(
                "interaction", interactions, Q(is_campaign_target=True, is_postponed=False)
            )
        )
    return sources


OWN_CHILDREN = {
    "campaigns.campaignentry",
    "campaigns.campaigntargetgroup",
    "campaigns.campaignpriceline",
}
# CMP-2: logged segments keep their history and do not block deletion.
NON_BLOCKING = {"segments.loggedsegment"}


def segment_model() -> type[Model] | None:
    """Segment headers carrying a campaign (shown on the campaign card)."""
    return model_with_fields("segments.Segment", "campaign", "number")
