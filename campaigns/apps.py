from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from contacts.links import business_link_created, business_link_deleted
        from interactions.campaign_entries import (
            CampaignEntryProvider,
            register_campaign_entry_provider,
        )
        from interactions.signals import interaction_campaign_targets_changed
        from segments.signals import logged_segment_canceled, segment_campaign_targets_changed

        from .services import (
            business_link_created_receiver,
            business_link_deleted_receiver,
            campaign_entries_create_for_logged_segment,
            campaign_entry_create_for_interaction,
            interaction_targets_changed_receiver,
            logged_segment_canceled_receiver,
            segment_targets_changed_receiver,
        )

        # CMP-10 / SEG-41: interactions and segments store the campaign entries that campaigns
        # create, so they call this provider explicitly (decision 0009), not a signal.
        register_campaign_entry_provider(
            CampaignEntryProvider(
                for_interaction=campaign_entry_create_for_interaction,
                for_logged_segment=campaign_entries_create_for_logged_segment,
            )
        )
        # CMP-24: target rows follow the company's customer link.
        business_link_created.connect(
            business_link_created_receiver, dispatch_uid="campaigns_cmp24_created"
        )
        business_link_deleted.connect(
            business_link_deleted_receiver, dispatch_uid="campaigns_cmp24_deleted"
        )
        # CMP-23: interactions publish, campaigns (higher) react; nothing flows back
        # (decision 0004).
        interaction_campaign_targets_changed.connect(
            interaction_targets_changed_receiver, dispatch_uid="campaigns_cmp23_interactions"
        )
        # SEG-43 / CMP-23: segments publish, campaigns react (decision 0004).
        logged_segment_canceled.connect(
            logged_segment_canceled_receiver, dispatch_uid="campaigns_seg43_canceled"
        )
        segment_campaign_targets_changed.connect(
            segment_targets_changed_receiver, dispatch_uid="campaigns_cmp23_segments"
        )
