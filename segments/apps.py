from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from contacts.references import ContactReference, register_contact_reference

        # CON-25/35: lines exist only on unlogged segments (logging deletes them), so any line
        # blocks a person's company change and the contact's deletion.
        register_contact_reference(
            ContactReference(
                model="segments.SegmentLine",
                contact_field="contact",
                label=_("unlogged segment lines"),
                blocks_company_change=Q(),
                blocks_delete=Q(),
            )
        )
