from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from contacts.links import business_link_created, business_link_deleted

        from .services import business_link_created_receiver, business_link_deleted_receiver

        # CMP-24: target rows follow the company's customer link.
        business_link_created.connect(
            business_link_created_receiver, dispatch_uid="campaigns_cmp24_created"
        )
        business_link_deleted.connect(
            business_link_deleted_receiver, dispatch_uid="campaigns_cmp24_deleted"
        )
