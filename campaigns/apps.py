from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from contacts.links import business_link_created, business_link_deleted
        from interactions.signals import (
            interaction_campaign_targets_changed,
            interaction_finished,
        )
        from segments.signals import (
            logged_segment_canceled,
            segment_campaign_targets_changed,
            segment_logged,
        )

        from .services import (
            business_link_created_receiver,
            business_link_deleted_receiver,
            interaction_finished_receiver,
            interaction_targets_changed_receiver,
            logged_segment_canceled_receiver,
            segment_logged_receiver,
            segment_targets_changed_receiver,
        )

        # CMP-24: target rows follow the company's customer link.
        business_link_created.connect(
            business_link_created_receiver, dispatch_uid="campaigns_cmp24_created"
        )
        business_link_deleted.connect(
            business_link_deleted_receiver, dispatch_uid="campaigns_cmp24_deleted"
        )
        # CMP-10 / CMP-23: interactions publish, campaigns (higher) react (decision 0004).
        interaction_finished.connect(
            interaction_finished_receiver, dispatch_uid="campaigns_cmp10_interaction"
        )
        interaction_campaign_targets_changed.connect(
            interaction_targets_changed_receiver, dispatch_uid="campaigns_cmp23_interactions"
        )
        # SEG-41 / SEG-43 / CMP-23: segments publish, campaigns react (decision 0004).
        segment_logged.connect(segment_logged_receiver, dispatch_uid="campaigns_seg41_logged")
        logged_segment_canceled.connect(
            logged_segment_canceled_receiver, dispatch_uid="campaigns_seg43_canceled"
        )
        segment_campaign_targets_changed.connect(
            segment_targets_changed_receiver, dispatch_uid="campaigns_cmp23_segments"
        )
