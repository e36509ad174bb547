"""The interaction wizard (INT-9..12), phone calls (INT-22) and meeting invitations (TSK-24)."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interactions.models import (
    Attachment,
    AttachmentMode,
    InteractionLogEntry,
    InteractionTemplateSetup,
)
from setup.models import CorrespondenceType
from setup.services import salesperson_validate_choosable

from .defaults import _language_row, _privacy_check, contact_email_on, interaction_defaults
from .delivery import interaction_deliver_enqueue
from .entries import _attachments_delete_orphans
from .messages import (
    MSG_DOCUMENT_TEMPLATE_LANGUAGES,
    MSG_EMAIL_NEEDS_ADDRESS,
    MSG_EMAIL_NEEDS_CONTENT,
    MSG_MUST_FILL,
    MSG_NO_ATTACHMENT_ROW,
    MSG_NO_CALL_TEMPLATE,
    MSG_NOT_POSTPONED,
    REQUIRED_LABELS,
)
from .notify import interaction_finish_notify

# -- the wizard ----------------------------------------------------------------------------------

WIZARD_FIELDS = [
    "contact",
    "template",
    "description",
    "salesperson",
    "language",
    "date",
    "time",
    "correspondence_type",
    "information_flow",
    "initiated_by",
    "subject",
    "email_body",
    "campaign",
    "is_campaign_target",
    "is_campaign_response",
    "opportunity",
    "task",
    "evaluation",
    "cost",
    "duration_min",
    "segment_number",
]


@transaction.atomic
def interaction_create(
    *,
    user,
    data: dict[str, Any],
    postpone: bool = False,
    entry: InteractionLogEntry | None = None,
) -> InteractionLogEntry:
    """Finish the wizard (INT-9/10/11), or save it for later (INT-12).

    ``entry`` is a postponed entry being resumed: finishing turns it into a regular one.
    ``data["is_successful"] = False`` stores ``attempt_failed`` (INT-11);
    ``data["attachment_file"]`` is an uploaded file (attachment mode upload).
    """
    if entry is not None and not entry.is_postponed:
        raise ValidationError(MSG_NOT_POSTPONED % {"entry_no": entry.entry_no})
    contact = data.get("contact")
    template = data.get("template")
    if not postpone:
        missing = {
            field: MSG_MUST_FILL % {"field": label}
            for field, label in REQUIRED_LABELS.items()
            if data.get(field) in (None, "")
        }
        if missing:
            raise ValidationError(missing, code="required")
    _privacy_check(contact)
    if entry is None or data.get("salesperson") != entry.salesperson:
        salesperson_validate_choosable(data.get("salesperson"))

    entry = entry or InteractionLogEntry(user=user)
    for field in WIZARD_FIELDS:
        if field in data and data[field] is not None and field != "language":
            setattr(entry, field, data[field])
    if template is not None:
        entry.group = template.group
    if "language" in data:
        language = data["language"]
        entry.language_id = getattr(language, "pk", language)
    entry.attempt_failed = not data.get("is_successful", True)
    entry.date = entry.date or timezone.localdate()
    if contact is not None:
        entry.contact_company_id = contact.company_id or contact.pk
        entry.contact_name_snapshot = (contact.name or "")[:100]
    entry.is_postponed = postpone

    upload = data.get("attachment_file")
    row = _language_row(template=template, language_id=entry.language_id)
    if upload:
        entry.attachment = Attachment.objects.create(file=upload, file_name=upload.name[:250])
    elif (
        entry.attachment_id is None
        and template is not None
        and template.attachment_mode == AttachmentMode.OPEN
        and row is not None
        and row.attachment
    ):
        entry.attachment = Attachment.objects.create(
            file=row.attachment.name,
            file_name=row.attachment.name.rsplit("/", 1)[-1][:250],
            is_read_only=True,
        )
    if not postpone:
        _delivery_checks(entry=entry, template=template, row=row, contact=contact)
        if entry.attachment_id and not entry.attachment.is_read_only:  # INT-14
            entry.attachment.is_read_only = True
            entry.attachment.save(update_fields=["is_read_only", "updated_at"])
    # A postponed entry may still lack its description (INT-12 saves "everything entered").
    entry.full_clean(exclude=["entry_no", "description"] if postpone else ["entry_no"])
    entry.save()
    if not postpone:
        interaction_finish_notify(entry=entry)
    if not postpone and entry.correspondence_type == CorrespondenceType.EMAIL:
        interaction_deliver_enqueue(entry=entry)
    return entry


def _delivery_checks(*, entry, template, row, contact) -> None:
    """INT-10."""
    if (
        template is not None
        and template.attachment_mode == AttachmentMode.OPEN
        and (row is None or not row.attachment)
    ):
        raise ValidationError(
            {
                "template": MSG_NO_ATTACHMENT_ROW
                % {
                    "language": row.language if row else _("(no language)"),
                    "code": template.code,
                }
            },
            code="open_without_attachment",
        )
    if entry.correspondence_type != CorrespondenceType.EMAIL:
        return
    if not entry.attachment_id and not entry.email_body.strip():
        raise ValidationError({"email_body": MSG_EMAIL_NEEDS_CONTENT}, code="email_no_content")
    alt_address, email = contact_email_on(contact=contact, on=entry.date)
    if not email:
        raise ValidationError(
            {"contact": MSG_EMAIL_NEEDS_ADDRESS % {"number": contact.number, "name": contact.name}},
            code="email_no_address",
        )
    entry.alt_address = alt_address
    entry.contact_via = email[:80]


def interaction_resume_values(*, entry: InteractionLogEntry) -> dict[str, Any]:
    """INT-12: the saved values of a postponed entry, dated today."""
    values = {field: getattr(entry, field) for field in WIZARD_FIELDS}
    values["language"] = entry.language_id
    values["is_successful"] = not entry.attempt_failed
    values["date"] = timezone.localdate()
    return values


@transaction.atomic
def interaction_postponed_delete(*, entry: InteractionLogEntry) -> None:
    if not entry.is_postponed:
        raise ValidationError(MSG_NOT_POSTPONED % {"entry_no": entry.entry_no})
    attachment_id = entry.attachment_id
    entry.delete()
    _attachments_delete_orphans(attachment_ids=[attachment_id] if attachment_id else [])


# -- phone calls (INT-22) ----------------------------------------------------------------------


@transaction.atomic
def interaction_log_phone_call(
    *,
    user,
    contact,
    phone: str,
    description: str = "",
    is_successful: bool = True,
    evaluation: str = "",
    duration_min: Decimal | None = None,
    cost: Decimal | None = None,
) -> InteractionLogEntry:
    template = InteractionTemplateSetup.load().outgoing_call
    if template is None:
        raise ValidationError(MSG_NO_CALL_TEMPLATE, code="no_call_template")
    if template.languages.exists():  # INT-4
        raise ValidationError(MSG_DOCUMENT_TEMPLATE_LANGUAGES % {"code": template.code})
    defaults = interaction_defaults(template=template, contact=contact, user=user)
    data = {
        **defaults,
        "contact": contact,
        "template": template,
        "description": description or defaults.get("description") or template.code,
        "is_successful": is_successful,
        "evaluation": evaluation,
        "correspondence_type": CorrespondenceType.BLANK,
        "language": None,
    }
    if duration_min is not None:
        data["duration_min"] = duration_min
    if cost is not None:
        data["cost"] = cost
    entry = interaction_create(user=user, data=data)
    entry.contact_via = phone[:80]
    entry.save(update_fields=["contact_via", "updated_at"])
    return entry


# -- meeting invitations (TSK-24) -----------------------------------------------------------------


@transaction.atomic
def interaction_log_for_task_invitation(*, task, contact) -> InteractionLogEntry | None:
    """TSK-24 / T-14: an invitation e-mailed to a contact attendee of ``task`` (an
    ``opportunities.Task``, a higher app: duck-typed) logs an interaction with the task's
    template, else the ``meeting_invitation`` slot; none set → nothing is logged.

    The invitation itself was sent by the opportunities area: no delivery is queued here.
    """
    template = task.template or InteractionTemplateSetup.load().meeting_invitation
    if template is None or contact is None:
        return None
    defaults = interaction_defaults(template=template, contact=contact)
    language_id = task.language_id or defaults.get("language")
    entry = InteractionLogEntry(
        contact=contact,
        contact_company_id=contact.company_id or contact.pk,
        contact_name_snapshot=(contact.name or "")[:100],
        date=timezone.localdate(),
        time=defaults["time"],
        description=(task.description or template.description or template.code)[:100],
        subject=(task.subject or defaults.get("subject") or "")[:100],
        information_flow=template.information_flow,
        initiated_by=template.initiated_by,
        cost=task.unit_cost or template.unit_cost,
        duration_min=task.unit_duration_min or template.unit_duration_min,
        salesperson=task.salesperson or defaults["salesperson"],
        group=template.group,
        template=template,
        language_id=language_id,
        campaign=task.campaign or template.campaign,
        is_campaign_target=template.is_campaign_target,
        is_campaign_response=template.is_campaign_response,
        segment_number=task.segment_number,
        opportunity_id=task.opportunity_id,
        task=task,
        correspondence_type=CorrespondenceType.EMAIL,
        contact_via=(contact.email or "")[:80],
    )
    entry.full_clean(exclude=["entry_no"])
    entry.save()
    interaction_finish_notify(entry=entry)
    return entry
