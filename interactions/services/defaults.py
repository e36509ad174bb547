"""The wizard's defaults (INT-5..8), the privacy check (CON-52) and the e-mail on a date
(CON-41)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from interactions.body_templates import email_body_context, email_body_render
from interactions.models import AttachmentMode, InteractionTemplate, InteractionTemplateLanguage
from setup.services import salesperson_for_user

from .messages import MSG_PRIVACY_BLOCKED


def contact_is_privacy_blocked(contact) -> bool:
    if contact.is_privacy_blocked:
        return True
    company = contact.company if contact.company_id and contact.company_id != contact.pk else None
    return bool(company and company.is_privacy_blocked)


def _privacy_check(contact, *, field: str = "contact") -> None:
    """CON-52: an interaction for a privacy-blocked contact (or its company) is refused."""
    if contact is not None and contact_is_privacy_blocked(contact):
        raise ValidationError(
            {field: MSG_PRIVACY_BLOCKED % {"number": contact.number, "name": contact.name}},
            code="privacy_blocked",
        )


def interaction_language_id(*, template: InteractionTemplate, contact) -> int | None:
    """INT-6: the contact's language when the template has a row for it, else the default."""
    language_ids = {row.language_id for row in template.languages.all()}
    if contact is not None and contact.language_id in language_ids:
        return contact.language_id
    return template.default_language_id


def interaction_correspondence_type(*, template: InteractionTemplate, contact) -> str:
    """INT-7."""
    if (
        template.ignore_contact_correspondence_type
        or contact is None
        or not contact.correspondence_type
    ):
        return template.correspondence_type
    return contact.correspondence_type


def next_full_minute(now: dt.datetime | None = None) -> dt.time:
    """INT-8: now, rounded up to the next full minute (installation time zone)."""
    now = timezone.localtime(now)
    rounded = now.replace(second=0, microsecond=0)
    if rounded != now:
        rounded += dt.timedelta(minutes=1)
    return rounded.time()


def interaction_defaults(
    *, template: InteractionTemplate | None, contact=None, user=None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The wizard's initial values (INT-5..8)."""
    values: dict[str, Any] = {
        "date": timezone.localdate(now),
        "time": next_full_minute(now),
        "salesperson": (
            contact.salesperson
            if contact is not None and contact.salesperson_id
            else salesperson_for_user(user)
        ),
        "is_successful": True,
    }
    if template is None:
        return values
    values.update(
        group=template.group,
        description=template.description,
        cost=template.unit_cost,
        duration_min=template.unit_duration_min,
        information_flow=template.information_flow,
        initiated_by=template.initiated_by,
        campaign=template.campaign,
        is_campaign_target=template.is_campaign_target,
        is_campaign_response=template.is_campaign_response,
        correspondence_type=interaction_correspondence_type(template=template, contact=contact),
        language=interaction_language_id(template=template, contact=contact),
    )
    row = _language_row(template=template, language_id=values["language"])
    if row is not None and template.attachment_mode == AttachmentMode.MERGE:
        context = email_body_context(
            contact=contact, salesperson=values["salesperson"], campaign=template.campaign
        )
        values["subject"] = row.email_subject
        values["email_body"] = email_body_render(row.email_body, context)
    elif row is not None:
        values["subject"] = row.email_subject
    return values


def _language_row(
    *, template: InteractionTemplate | None, language_id: int | None
) -> InteractionTemplateLanguage | None:
    if template is None or language_id is None:
        return None
    return next((r for r in template.languages.all() if r.language_id == language_id), None)


def contact_email_on(*, contact, on: dt.date):
    """CON-41: the e-mail of the active alternate address on ``on``, else the contact's."""
    from contacts.models import ContactAltAddressDateRange

    date_range = (
        ContactAltAddressDateRange.objects.filter(contact=contact, starting_date__lte=on)
        .filter(models.Q(ending_date__isnull=True) | models.Q(ending_date__gte=on))
        .select_related("alt_address")
        .order_by("-starting_date")
        .first()
    )
    if date_range is not None and date_range.alt_address.email:
        return date_range.alt_address, date_range.alt_address.email
    return None, contact.email
