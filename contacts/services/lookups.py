"""The "+ New" code next to a code lookup on the contact forms (SPEC 2.4)."""

from django.db import transaction

from crm.models import normalize_code
from setup.models import (
    BusinessRelation,
    Country,
    Currency,
    IndustryGroup,
    JobResponsibility,
    Language,
    MailingGroup,
    OrganizationalLevel,
    Territory,
)

# -- "+ New" next to a code lookup on the contact forms (SPEC 2.4) ---------------------------------

# Form field → the setup code table it looks up (code + description; name for country/language).
LOOKUP_CODE_MODELS = {
    "industry_group": IndustryGroup,
    "mailing_group": MailingGroup,
    "job_responsibility": JobResponsibility,
    "business_relation": BusinessRelation,
    "territory": Territory,
    "organizational_level": OrganizationalLevel,
    "language": Language,
    "currency": Currency,
    "country": Country,
}


@transaction.atomic
def contact_lookup_code_create(*, field: str, code: str, description: str = ""):
    """Create a code from a contact form's "+ New" (SET-30: trimmed, upper-cased, not blank)."""
    model = LOOKUP_CODE_MODELS[field]
    row = model(code=normalize_code(code), description=(description or "").strip())
    if hasattr(row, "name") and not row.name:
        row.name = row.description[: model._meta.get_field("name").max_length]
    row.full_clean()
    row.save()
    return row
