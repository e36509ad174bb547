"""Documents (API-2/3, OPP-64) and cover sheets (INT-23)."""

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interactions.models import DOCUMENT_SLOTS, InteractionLogEntry, InteractionTemplateSetup
from setup.models import CorrespondenceType, Salesperson

from .defaults import _privacy_check, contact_is_privacy_blocked, interaction_defaults
from .messages import MSG_DOCUMENT_TEMPLATE_LANGUAGES, MSG_PRIVACY_BLOCKED
from .notify import interaction_finish_notify

# -- printed correspondence (INT-21 hard copy, INT-23 cover sheets) --------------------------

MSG_NO_COVER_SHEET_TEMPLATE = _(
    "Set up a template for cover sheets in the interaction template setup."
)


@transaction.atomic
def interaction_cover_sheets_log(
    *, user, contacts, date: dt.date | None = None, skip_blocked: bool = False
) -> list[InteractionLogEntry]:
    """INT-23 "log interaction": one entry per contact with the ``cover_sheet`` slot template
    and document kind cover_sheet. A privacy-blocked contact is refused (CON-52), or skipped
    with ``skip_blocked`` (lists from segments)."""
    from interactions.models import DocumentKind

    template = InteractionTemplateSetup.load().cover_sheet
    if template is None:
        raise ValidationError(MSG_NO_COVER_SHEET_TEMPLATE, code="no_cover_sheet_template")
    if template.languages.exists():  # INT-4
        raise ValidationError(MSG_DOCUMENT_TEMPLATE_LANGUAGES % {"code": template.code})
    entries = []
    for contact in contacts:
        if contact_is_privacy_blocked(contact):
            if skip_blocked:
                continue
            _privacy_check(contact)
        defaults = interaction_defaults(template=template, contact=contact, user=user)
        entry = InteractionLogEntry(
            user=user,
            contact=contact,
            contact_company_id=contact.company_id or contact.pk,
            contact_name_snapshot=(contact.name or "")[:100],
            date=date or defaults["date"],
            time=defaults["time"],
            description=(template.description or template.code)[:100],
            information_flow=template.information_flow,
            initiated_by=template.initiated_by,
            cost=template.unit_cost,
            duration_min=template.unit_duration_min,
            salesperson=defaults["salesperson"],
            group=template.group,
            template=template,
            campaign=template.campaign,
            is_campaign_target=template.is_campaign_target,
            is_campaign_response=template.is_campaign_response,
            correspondence_type=CorrespondenceType.HARD_COPY,
            document_kind=DocumentKind.COVER_SHEET,
            delivered_at=timezone.now(),  # printed with the sheet: not a letter to print
        )
        entry.full_clean(exclude=["entry_no"])
        entries.append(entry)
    InteractionLogEntry.objects.bulk_create(entries)
    if template.campaign_id:
        for entry in entries:
            interaction_finish_notify(entry=entry)
    return entries


# -- documents (API-2/3, OPP-64) -------------------------------------------------------------


def _document_lock(*parts) -> None:
    """Serialize loggers of the same document key (API-3) for the rest of the transaction."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


@transaction.atomic
def interaction_log_document(
    *,
    kind: str,
    document_number: str,
    contact,
    user,
    date: dt.date | None = None,
    salesperson: Salesperson | None = None,
    opportunity=None,
    campaign=None,
    occurrence: int = 1,
    version: int = 1,
    time: dt.time | None = None,
    description: str = "",
) -> InteractionLogEntry | None:
    """Log one document sent to ``contact`` (the shared part of API-2/3; OPP-64 prints).

    * The template is the ``kind`` slot of the interaction template setup; a blank slot means
      "do not log" and returns None.
    * A slot template with language rows is refused (INT-4), so is a privacy-blocked contact
      (CON-52): ``ValidationError`` with code ``template_has_languages`` / ``privacy_blocked``.
    * The entry takes the template's defaults (INT-5..8); ``date`` defaults to today, ``time``
      to now, the description to the template's, the salesperson to the contact's (else the
      user's) and the campaign to the template's.
    * The same (kind, number, occurrence, version) is logged once per contact (API-3): a
      repeat returns the existing entry. Callers serialize on the key with an advisory lock.
    * A campaign gets its campaign entry (CMP-10) through ``interaction_finish_notify``.
    No e-mail delivery is queued: the document was produced elsewhere.
    """
    if kind not in DOCUMENT_SLOTS:
        raise ValueError(f"unknown document kind: {kind}")
    _document_lock("document-event", kind, document_number, occurrence, version)
    existing = InteractionLogEntry.objects.filter(
        contact=contact,
        document_kind=kind,
        document_number=document_number,
        document_occurrence=occurrence,
        document_version=version,
    ).first()
    if existing is not None:  # API-3
        return existing
    template = getattr(InteractionTemplateSetup.load(), kind)
    if template is None:
        return None
    if template.languages.exists():  # INT-4
        raise ValidationError(
            MSG_DOCUMENT_TEMPLATE_LANGUAGES % {"code": template.code},
            code="template_has_languages",
        )
    if contact_is_privacy_blocked(contact):  # CON-52
        message = MSG_PRIVACY_BLOCKED % {"number": contact.number, "name": contact.name}
        raise ValidationError({"contact": ValidationError(message, code="privacy_blocked")})
    defaults = interaction_defaults(template=template, contact=contact, user=user)
    entry = InteractionLogEntry(
        opportunity=opportunity,
        contact=contact,
        contact_company_id=contact.company_id or contact.pk,
        contact_name_snapshot=(contact.name or "")[:100],
        date=date or defaults["date"],
        time=time or timezone.localtime().time().replace(microsecond=0),
        description=(description or template.description or kind)[:100],
        template=template,
        group=template.group,
        cost=defaults["cost"],
        duration_min=defaults["duration_min"],
        information_flow=defaults["information_flow"],
        initiated_by=defaults["initiated_by"],
        campaign=campaign or defaults["campaign"],
        is_campaign_target=defaults["is_campaign_target"],
        is_campaign_response=defaults["is_campaign_response"],
        correspondence_type=defaults["correspondence_type"],
        language_id=defaults["language"],
        salesperson=salesperson or defaults["salesperson"],
        user=user if getattr(user, "pk", None) else None,
        document_kind=kind,
        document_number=document_number,
        document_occurrence=occurrence,
        document_version=version,
    )
    entry.full_clean(exclude=["entry_no"])
    entry.save()
    entry.refresh_from_db(fields=["entry_no"])
    interaction_finish_notify(entry=entry)  # CMP-10 campaign entry, CMP-23 targets
    return entry
