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

        from .services import (
            business_link_created_receiver,
            business_link_deleted_receiver,
            interaction_finished_receiver,
            interaction_targets_changed_receiver,
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
