from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from contacts.links import business_link_created

        from .receivers import quotes_on_customer_link

        business_link_created.connect(quotes_on_customer_link, dispatch_uid="opp_quotes_link")
