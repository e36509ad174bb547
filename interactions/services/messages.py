"""Messages and required-field labels shared by the interactions services."""

from django.utils.translation import gettext_lazy as _

REQUIRED_LABELS = {
    "contact": _("contact"),
    "template": _("interaction template"),
    "salesperson": _("salesperson"),
    "date": _("date"),
    "description": _("description"),
}
MSG_MUST_FILL = _("You must fill in %(field)s.")
MSG_PRIVACY_BLOCKED = _("Contact %(number)s %(name)s is blocked due to privacy.")
MSG_NO_ATTACHMENT_ROW = _(
    "The %(language)s row of template %(code)s has no attachment (attachment mode open)."
)
MSG_EMAIL_NEEDS_CONTENT = _("An e-mail interaction needs an attachment or an e-mail body.")
MSG_EMAIL_NEEDS_ADDRESS = _("Contact %(number)s %(name)s has no e-mail address.")
MSG_NO_CALL_TEMPLATE = _("Set up a template for outgoing calls in the interaction template setup.")
MSG_DOCUMENT_TEMPLATE_LANGUAGES = _(
    "Template %(code)s is used to log documents and must not have languages."
)
MSG_ONLY_CANCELED = _("Only canceled interactions can be deleted.")
MSG_NOT_POSTPONED = _("Interaction %(entry_no)s is not postponed.")
MSG_UNCANCEL_REFUSED = _(
    "Interaction %(entry_no)s cannot be un-canceled: its %(what)s is canceled."
)
