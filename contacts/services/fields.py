"""Field groups, messages and the small checks every contacts service shares."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.models import (
    Contact,
)

# -- field groups ------------------------------------------------------------------------------

ADDRESS_FIELDS = ["address", "address_2", "post_code", "city", "county"]
COMMUNICATION_FIELDS = [
    "phone",
    "fax",
    "email",
    "home_page",
    "extension",
    "mobile_phone",
    "pager",
    "correspondence_type",
]
# CON-24: correspondence type is not rippled from the company to its persons.
RIPPLE_COMMUNICATION_FIELDS = [f for f in COMMUNICATION_FIELDS if f != "correspondence_type"]
INHERIT_SWITCHES = {
    "salesperson": "inherit_salesperson",
    "territory": "inherit_territory",
    "country": "inherit_country",
    "language": "inherit_language",
}
NAME_PART_FIELDS = ["first_name", "middle_name", "surname"]
# CON-16: only persons carry these.
PERSON_ONLY_FIELDS = [*NAME_PART_FIELDS, "initials", "job_title", "organizational_level"]
PHONE_FIELDS = ["phone", "mobile_phone"]

CONTACT_EDIT_FIELDS = [
    "name",
    "name_2",
    "search_name",
    *PERSON_ONLY_FIELDS,
    "salesperson",
    "salutation",
    "correspondence_type",
    "language",
    "territory",
    "currency",
    "country",
    "vat_registration_number",
    "registration_number",
    "external_id",
    *ADDRESS_FIELDS,
    "phone",
    "mobile_phone",
    "fax",
    "pager",
    "extension",
    "email",
    "email_2",
    "home_page",
    "exclude_from_segment",
    "is_privacy_blocked",
    "is_minor",
    "has_parental_consent",
]

# -- messages (kept as constants for tests) -----------------------------------------------------

PHONE_INVALID = gettext_noop("%(field)s may contain digits, spaces and + - ( ) / . only.")
COMPANY_NOT_COMPANY = gettext_noop("Contact %(number)s is not a company.")
COMPANY_AMBIGUOUS = gettext_noop("Ambiguous company name %(text)s: pick the company from the list.")
COMPANY_NO_MATCH = gettext_noop("No company matches %(text)s.")
PERSON_ONLY = gettext_noop("Only persons can have %(field)s.")
COMPANY_ONLY = gettext_noop("Only companies can have %(what)s.")
CONSENT_NOT_MINOR = gettext_noop("Parental consent can only be recorded for a minor.")
BLOCK_NEEDS_CONSENT = gettext_noop(
    "Privacy block cannot be cleared until parental consent is recorded."
)

_PHONE_RE = re.compile(r"^[0-9 +\-()/.]*$")


class AmbiguousCompanyError(ValidationError):
    """CON-20: several companies match the typed name; ``candidates`` feeds the pick list."""

    def __init__(self, message, *, candidates: list[Contact]):
        super().__init__({"company_text": [message]}, code="ambiguous_company")
        self.candidates = candidates


# -- pure helpers --------------------------------------------------------------------------------


def _validate_phones(values: dict[str, Any]) -> None:
    errors = {}
    for name in PHONE_FIELDS:
        value = values.get(name) or ""
        if value and not _PHONE_RE.match(value):
            label = Contact._meta.get_field(name).verbose_name
            errors[name] = _(PHONE_INVALID) % {"field": str(label).capitalize()}
    if errors:
        raise ValidationError(errors, code="phone_invalid")


def _touch(contact_id: int) -> None:
    """CON-15: the contact changed (directly or through a satellite row)."""
    Contact.objects.filter(pk=contact_id).update(last_modified_at=timezone.now())
