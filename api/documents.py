"""Document events from the business system (SPEC 12.4 API-1…3, CMP-31).

This module resolves the event's parties (contact, campaign incl. CMP-31, salesperson,
opportunity) and maps outcomes to HTTP; the entry itself is written by
``interactions.services.interaction_log_document`` (slot template, INT-4, CON-52, template
defaults, API-3, CMP-10), shared with printed quotes (OPP-64). No e-mail delivery is queued.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignTargetGroup, TargetKind
from contacts.models import Contact, ContactBusinessRelation
from interactions.models import (
    DOCUMENT_SLOTS,
    InteractionLogEntry,
    InteractionTemplateSetup,
)
from interactions.services import interaction_log_document
from setup.models import LinkType, Salesperson

from .errors import ApiError


@dataclass
class DocumentEventResult:
    status: int
    body: dict


def party_link_type(kind: str) -> str:
    return LinkType.VENDOR if kind.startswith("purchase_") else LinkType.CUSTOMER


def _lock(*parts) -> None:
    """Serialize events with the same key (API-3) for the rest of the transaction."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {error.code for errors in exc.error_dict.values() for error in errors}
    return {error.code for error in exc.error_list}


def _not_logged(reason: str) -> DocumentEventResult:
    return DocumentEventResult(202, {"result": "not_logged", "reason": reason})


def _cmp31_campaign(*, external_number: str, on: dt.date) -> tuple[Campaign | None, bool]:
    """CMP-31: the lowest-numbered campaign targeting the customer; (campaign, date inside)."""
    campaign_ids = CampaignTargetGroup.objects.filter(
        kind=TargetKind.CUSTOMER, number=external_number
    ).values("campaign_id")
    campaign = Campaign.objects.filter(pk__in=campaign_ids).order_by("number").first()
    if campaign is None:
        return None, False
    inside = (campaign.starting_date is None or campaign.starting_date <= on) and (
        campaign.ending_date is None or on <= campaign.ending_date
    )
    return campaign, inside


@transaction.atomic
def document_event_log(*, data: dict, user=None) -> DocumentEventResult:
    """API-2/3: log one document interaction, or say why not."""
    kind = data["kind"]
    if kind not in DOCUMENT_SLOTS:
        raise ApiError(_("Unknown document kind."), field="kind", code="invalid_choice")
    number = data["document_number"]
    occurrence = data.get("occurrence") or 0
    version = data.get("version") or 1
    _lock("document-event", kind, number, occurrence, version)
    existing = InteractionLogEntry.objects.filter(
        document_kind=kind,
        document_number=number,
        document_occurrence=occurrence,
        document_version=version,
    ).first()
    if existing is not None:  # API-3
        return DocumentEventResult(200, {"result": "already_logged", "entry_no": existing.entry_no})

    external_number = (data.get("external_number") or "").strip().upper()
    link_type = party_link_type(kind)
    if data.get("contact_number"):
        contact = Contact.objects.filter(number=data["contact_number"]).first()
        if contact is None:
            raise ApiError(
                _("Contact %(number)s does not exist.") % {"number": data["contact_number"]},
                status_code=422,
                field="contact_number",
                code="does_not_exist",
            )
    else:
        link = (
            ContactBusinessRelation.objects.filter(
                link_type=link_type, external_number=external_number
            )
            .select_related("contact")
            .first()
            if external_number
            else None
        )
        if link is None:
            return _not_logged("no_linked_contact")
        contact = link.contact

    setup = InteractionTemplateSetup.load()
    template = getattr(setup, kind)
    on = data["date"]
    campaign = None
    if data.get("campaign_number"):
        campaign = Campaign.objects.filter(number=data["campaign_number"]).first()
        if campaign is None:
            raise ApiError(
                _("Campaign %(number)s does not exist.") % {"number": data["campaign_number"]},
                status_code=422,
                field="campaign_number",
                code="does_not_exist",
            )
    elif kind == "sales_invoice" and external_number:
        candidate, inside = _cmp31_campaign(external_number=external_number, on=on)
        if candidate is not None and inside:
            if template is None:
                raise ApiError(
                    _("Set a template for sales invoices."),
                    status_code=422,
                    field="kind",
                    code="kind_not_configured",
                )
            order_number = data.get("order_number") or ""
            if (
                order_number
                and InteractionLogEntry.objects.filter(
                    contact=contact,
                    document_kind="sales_invoice",
                    document_number=order_number,
                    group_id=template.group_id,
                ).exists()
            ):
                return _not_logged("already_logged_for_order")
            campaign = candidate
    salesperson = None
    if data.get("salesperson_code"):
        salesperson = Salesperson.objects.filter(code=data["salesperson_code"].upper()).first()
        if salesperson is None:
            raise ApiError(
                _("Salesperson %(code)s does not exist.") % {"code": data["salesperson_code"]},
                status_code=422,
                field="salesperson_code",
                code="does_not_exist",
            )
    opportunity = None
    if data.get("opportunity_number"):  # API-1
        from opportunities.models import Opportunity

        opportunity = Opportunity.objects.filter(number=data["opportunity_number"]).first()
        if opportunity is None:
            raise ApiError(
                _("Opportunity %(number)s does not exist.")
                % {"number": data["opportunity_number"]},
                status_code=422,
                field="opportunity_number",
                code="does_not_exist",
            )
    try:
        entry = interaction_log_document(
            kind=kind,
            document_number=number,
            contact=contact,
            user=user,
            date=on,
            time=data.get("time"),
            description=data.get("description") or "",
            salesperson=salesperson,
            opportunity=opportunity,
            campaign=campaign,
            occurrence=occurrence,
            version=version,
        )
    except ValidationError as exc:
        codes = _codes(exc)
        if "template_has_languages" in codes:
            raise ApiError(
                _("Template %(code)s has language rows and cannot log documents.")
                % {"code": template.code},
                status_code=422,
                field="kind",
                code="template_has_languages",
            ) from exc
        if "privacy_blocked" in codes:
            raise ApiError(
                _("Contact %(number)s %(name)s is blocked due to privacy.")
                % {"number": contact.number, "name": contact.name},
                status_code=409,
                field="contact_number",
                code="privacy_blocked",
            ) from exc
        raise
    if entry is None:
        return _not_logged("kind_not_configured")
    body = {"result": "logged", "entry_no": entry.entry_no, "contact_number": contact.number}
    if entry.campaign_entry_id is not None:  # CMP-10
        body["campaign_number"] = entry.campaign.number
        body["campaign_entry_no"] = entry.campaign_entry.entry_no
    return DocumentEventResult(201, body)
