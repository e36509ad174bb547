from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from contacts.links import business_link_created

        from .receivers import quotes_on_customer_link

        business_link_created.connect(quotes_on_customer_link, dispatch_uid="opp_quotes_link")
        self._register_contact_references()

        from .profile_sources import register as register_profile_sources

        register_profile_sources()  # PRF-10 opportunities won % (contacts cannot import us)

    @staticmethod
    def _register_contact_references() -> None:
        """CON-26/30/35/37/38 for opportunities, their entries, tasks and local quotes."""
        from contacts.references import ContactReference, register_contact_reference

        from .models import OpportunityStatus

        history = {
            "contact_field": "contact",
            "company_field": "contact_company",
            "blocks_type_change": True,
            "repoint_on_company_change": True,
            "on_company_delete": "clear",
        }
        for reference in (
            ContactReference(
                model="opportunities.Opportunity", label=_("opportunities"), **history
            ),
            ContactReference(
                model="opportunities.OpportunityEntry", label=_("opportunity entries"), **history
            ),
            ContactReference(model="opportunities.Task", label=_("tasks"), **history),
            # CON-35: the blocking rows, named precisely in the refusal.
            ContactReference(
                model="opportunities.Task",
                company_field="contact_company",
                label=_("an open task"),
                blocks_delete=Q(is_closed=False),
            ),
            ContactReference(
                model="opportunities.Opportunity",
                company_field="contact_company",
                label=_("an open opportunity"),
                blocks_delete=Q(
                    status__in=[OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS]
                ),
            ),
            # A quote needs its contact (not null): CON-26 moves a person's quotes to the old
            # company (the quote has no company column, so the contact column is used), and a
            # contact with quotes is not deleted.
            ContactReference(
                model="opportunities.SalesQuote",
                contact_field="contact",
                company_field="contact",
                label=_("sales quotes"),
                blocks_delete=Q(),
                repoint_on_company_change=True,
            ),
        ):
            register_contact_reference(reference)
