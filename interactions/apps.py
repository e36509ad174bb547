from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from contacts.references import ContactReference, register_contact_reference

        from .profile_sources import register as register_profile_sources

        register_profile_sources()  # PRF-10 interaction figures (contacts cannot import us)

        # CON-26/30/37/38: interactions follow the contacts rules through the registry.
        # ``contact_name_snapshot`` is written when an entry is created, so clearing the
        # reference of a deleted company keeps the name (no name_field needed).
        register_contact_reference(
            ContactReference(
                model="interactions.InteractionLogEntry",
                contact_field="contact",
                company_field="contact_company",
                label=_("interactions"),
                blocks_type_change=True,
                repoint_on_company_change=True,
                on_company_delete="clear",
            )
        )
