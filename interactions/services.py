"""Every write of the interactions area (SPEC 4)."""

import datetime as dt
import hashlib
import logging
import smtplib
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.concurrency import ensure_not_stale
from crm.models import BulkJob, BulkJobStatus
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
    model_update,
)
from setup.models import CorrespondenceType, Salesperson
from setup.services import salesperson_for_user, salesperson_validate_choosable

from .body_templates import email_body_context, email_body_render, email_body_validate
from .campaign_entries import campaign_entry_for_interaction
from .models import (
    DOCUMENT_SLOTS,
    NO_LANGUAGE_SLOTS,
    OTHER_SLOTS,
    Attachment,
    AttachmentMode,
    DeliveryStatus,
    Evaluation,
    InteractionGroup,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
)
from .signals import interaction_campaign_targets_changed

logger = logging.getLogger(__name__)

BULK_LOG_BATCH_SIZE = 5_000  # one committed INSERT … SELECT per batch (~0.3 s)
BULK_LOG_BATCHES_PER_MESSAGE = 100  # 500,000 rows per task message, inside the time limit
DELETE_CANCELED_BATCH_SIZE = 1_000  # SPEC 4.4

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


# -- groups and templates ---------------------------------------------------------------------

GROUP_FIELDS = ["code", "description"]
TEMPLATE_FIELDS = [
    "code",
    "description",
    "group",
    "unit_cost",
    "unit_duration_min",
    "information_flow",
    "initiated_by",
    "campaign",
    "is_campaign_target",
    "is_campaign_response",
    "correspondence_type",
    "ignore_contact_correspondence_type",
    "default_language",
    "attachment_mode",
]
TEMPLATE_LANGUAGE_FIELDS = [
    "description",
    "attachment",
    "email_subject",
    "email_body",
    "send_attachment_as_file",
]


@transaction.atomic
def interaction_group_create(*, data: dict[str, Any]) -> InteractionGroup:
    group = InteractionGroup(**{f: data[f] for f in GROUP_FIELDS if f in data})
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def interaction_group_update(
    *, group: InteractionGroup, data: dict[str, Any], expected_version: str | None = None
) -> InteractionGroup:
    """``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    group = InteractionGroup.objects.select_for_update().get(pk=group.pk)
    edited = [f for f in GROUP_FIELDS if f in data]
    ensure_not_stale(instance=group, expected_version=expected_version, fields=edited, data=data)
    data = {**data, "code": (data.get("code") or group.code).strip().upper()}
    group, _changed = model_update(instance=group, fields=GROUP_FIELDS, data=data)
    return group


def _template_validate(template: InteractionTemplate) -> None:
    """INT-1 (model constraints), INT-2 and INT-3 (upload vs. default-language body)."""
    template.code = (template.code or "").strip().upper()
    errors: dict[str, list] = {}
    if template.pk is None:
        if template.default_language_id is not None:
            errors["default_language"] = [
                _("Add a language row for %(language)s before making it the default.")
                % {"language": template.default_language}
            ]
    else:
        rows = {r.language_id: r for r in template.languages.all()}
        if template.default_language_id and template.default_language_id not in rows:
            errors["default_language"] = [
                _("The default language must have a language row on this template.")
            ]
        default_row = rows.get(template.default_language_id)
        if (
            template.attachment_mode == AttachmentMode.UPLOAD
            and default_row is not None
            and default_row.email_body
        ):
            errors["attachment_mode"] = [
                _("Upload is not allowed when the default language row has an e-mail body.")
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def interaction_template_create(*, data: dict[str, Any]) -> InteractionTemplate:
    template = InteractionTemplate(**{f: data[f] for f in TEMPLATE_FIELDS if f in data})
    _template_validate(template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def interaction_template_update(
    *, template: InteractionTemplate, data: dict[str, Any], expected_version: str | None = None
) -> InteractionTemplate:
    """``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    template = InteractionTemplate.objects.select_for_update().get(pk=template.pk)
    edited = [f for f in TEMPLATE_FIELDS if f in data]
    ensure_not_stale(instance=template, expected_version=expected_version, fields=edited, data=data)
    for field in TEMPLATE_FIELDS:
        if field in data:
            setattr(template, field, data[field])
    _template_validate(template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def interaction_template_language_save(
    *,
    template: InteractionTemplate,
    language,
    data: dict[str, Any],
    row: InteractionTemplateLanguage | None = None,
    expected_version: str | None = None,
) -> InteractionTemplateLanguage:
    """Create or update a language row; a body with a syntax error is refused (I-17).
    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    if row is not None:
        row = InteractionTemplateLanguage.objects.select_for_update().get(pk=row.pk)
        edited = [f for f in TEMPLATE_LANGUAGE_FIELDS if data.get(f, "") is not None]
        edited = [f for f in edited if f in data]
        ensure_not_stale(instance=row, expected_version=expected_version, fields=edited, data=data)
    email_body_validate(data.get("email_body", row.email_body if row else ""))
    if row is None:
        row = InteractionTemplateLanguage(template=template, language=language)
    else:
        row.language = language
    for field in TEMPLATE_LANGUAGE_FIELDS:
        if field in data and not (field == "attachment" and data[field] is None):
            setattr(row, field, data[field])
    row.full_clean()
    row.save()
    if (
        template.attachment_mode == AttachmentMode.UPLOAD
        and row.email_body
        and (template.default_language_id == row.language_id)
    ):
        raise ValidationError(
            {
                "email_body": _(
                    "Upload templates cannot have an e-mail body on the default language row."
                )
            }
        )
    return row


@transaction.atomic
def interaction_template_language_delete(*, row: InteractionTemplateLanguage) -> None:
    """INT-2: deleting the default language's row clears ``default_language``."""
    InteractionTemplate.objects.filter(
        pk=row.template_id, default_language_id=row.language_id
    ).update(default_language=None, updated_at=timezone.now())
    row.delete()


# -- defaults (INT-5..8) ------------------------------------------------------------------------


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


def _target_pairs(entries) -> set[tuple[int, int]]:
    """(campaign, contact) of the entries that make their company a campaign target."""
    return {
        (e.campaign_id, e.contact_id)
        for e in entries
        if e.campaign_id and e.contact_id and e.is_campaign_target and not e.is_postponed
    }


def interaction_targets_notify(pairs) -> None:
    """CMP-23: tell the campaigns area which (campaign, contact) pairs may have changed."""
    pairs = {(c, k) for c, k in pairs if c and k}
    if pairs:
        interaction_campaign_targets_changed.send(sender=InteractionLogEntry, pairs=pairs)


def interaction_finish_notify(*, entry: InteractionLogEntry) -> None:
    """After a single interaction is finished: its campaign entry (CMP-10, created by the
    campaigns area through ``interactions.campaign_entries``) and the campaign target group
    (CMP-23)."""
    if entry.campaign_id and entry.campaign_entry_id is None:
        campaign_entry = campaign_entry_for_interaction(entry=entry)  # decision 0008
        if campaign_entry is not None:
            entry.campaign_entry = campaign_entry
            entry.save(update_fields=["campaign_entry", "updated_at"])
    interaction_targets_notify(_target_pairs([entry]))


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


# -- managing entries (INT-15..17) ---------------------------------------------------------------


def _attachments_delete_orphans(*, attachment_ids) -> int:
    orphans = Attachment.objects.filter(pk__in=list(attachment_ids), entries__isnull=True)
    files = [a.file for a in orphans if a.file and not a.is_read_only]
    deleted, _detail = orphans.delete()
    for file in files:
        if not InteractionTemplateLanguage.objects.filter(attachment=file.name).exists():
            file.storage.delete(file.name)
    return deleted


@transaction.atomic
def interactions_cancel(
    *, entry_ids: list[int], cancel: bool = True, delete_attachments: bool = False
) -> int:
    """INT-15: toggle ``is_canceled``; optionally delete attachments no other entry uses.

    Un-canceling is refused while an entry's logged segment or campaign entry is canceled.
    """
    entries = InteractionLogEntry.objects.filter(pk__in=entry_ids, is_postponed=False)
    if not cancel:
        blocked = (
            entries.filter(is_canceled=True)
            .filter(
                models.Q(campaign_entry__is_canceled=True)
                | models.Q(logged_segment__is_canceled=True)
            )
            .values("entry_no", "campaign_entry__is_canceled")
            .order_by("entry_no")
            .first()
        )
        if blocked is not None:
            what = (
                _("campaign entry")
                if blocked["campaign_entry__is_canceled"]
                else _("logged segment")
            )
            raise ValidationError(
                MSG_UNCANCEL_REFUSED % {"entry_no": blocked["entry_no"], "what": what},
                code="uncancel_refused",
            )
    count = entries.exclude(is_canceled=cancel).update(
        is_canceled=cancel, updated_at=timezone.now()
    )
    if cancel and delete_attachments:
        attachment_ids = set(
            entries.exclude(attachment=None).values_list("attachment_id", flat=True)
        )
        shared = set(
            InteractionLogEntry.objects.filter(attachment_id__in=attachment_ids)
            .exclude(pk__in=entry_ids)
            .values_list("attachment_id", flat=True)
        )
        own = attachment_ids - shared
        entries.filter(attachment_id__in=own).update(attachment=None)
        _attachments_delete_orphans(attachment_ids=own)
    return count


@transaction.atomic
def interactions_evaluate(*, entry_ids: list[int], evaluation: str) -> int:
    """INT-17."""
    if evaluation not in Evaluation.values:
        raise ValidationError({"evaluation": _("Choose a valid evaluation.")})
    return InteractionLogEntry.objects.filter(pk__in=entry_ids, is_postponed=False).update(
        evaluation=evaluation, updated_at=timezone.now()
    )


DELETE_FILTERS = {
    "date_from": "date__gte",
    "date_to": "date__lte",
    "contact": "contact_id",
    "template": "template_id",
    "salesperson": "salesperson_id",
}


@transaction.atomic
def interactions_delete_canceled_start(*, user, filters: dict[str, Any]) -> BulkJob:
    """INT-16: start the background job deleting canceled entries matching ``filters``."""
    from .tasks import interactions_delete_canceled_task

    params = {
        k: (v.isoformat() if isinstance(v, dt.date) else getattr(v, "pk", v))
        for k, v in filters.items()
        if k in DELETE_FILTERS and v not in (None, "")
    }
    job = bulk_job_create(kind="interactions_delete_canceled", user=user, params=params)
    interactions_delete_canceled_task.delay_on_commit(job.pk)
    return job


def interactions_delete_canceled(
    *, job_id: int, batch_size: int = DELETE_CANCELED_BATCH_SIZE
) -> int:
    """INT-16 in batches, each committed; a rerun deletes what is left (idempotent)."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return job.result.get("deleted", 0)
    lookups = {DELETE_FILTERS[k]: v for k, v in job.params.items() if k in DELETE_FILTERS}
    canceled = InteractionLogEntry.objects.filter(is_canceled=True, **lookups)
    bulk_job_start(job_id=job_id, total=canceled.count() + job.done)
    deleted = job.done
    while True:
        with transaction.atomic():
            ids = list(canceled.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            attachment_ids = set(
                InteractionLogEntry.objects.filter(pk__in=ids)
                .exclude(attachment=None)
                .values_list("attachment_id", flat=True)
            )
            pairs = set(
                InteractionLogEntry.objects.filter(
                    pk__in=ids, campaign__isnull=False, is_campaign_target=True
                ).values_list("campaign_id", "contact_id")
            )
            InteractionLogEntryComment.objects.filter(entry_id__in=ids).delete()
            InteractionLogEntry.objects.filter(pk__in=ids, is_canceled=True).delete()
            interaction_targets_notify(pairs)  # CMP-23
            _attachments_delete_orphans(attachment_ids=attachment_ids)
            deleted += len(ids)
            bulk_job_progress(job_id=job_id, done=deleted)
    bulk_job_finish(job_id=job_id, result={"deleted": deleted})
    return deleted


# -- delivery (INT-20/21) -----------------------------------------------------------------------


def interaction_deliver_enqueue(*, entry: InteractionLogEntry) -> None:
    from .tasks import interaction_deliver_task

    InteractionLogEntry.objects.filter(pk=entry.pk).update(
        delivery_status=DeliveryStatus.IN_PROGRESS, delivery_error="", delivered_at=None
    )
    entry.delivery_status = DeliveryStatus.IN_PROGRESS
    interaction_deliver_task.delay_on_commit(entry.pk)


class TransientDeliveryError(Exception):
    """A temporary SMTP failure: the task retries with backoff (SPEC 4.4)."""


def delivery_error_is_transient(exc: Exception) -> bool:
    """4xx replies, dropped connections and network errors are worth retrying; 5xx are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError)


def interaction_deliver(*, entry_id: int, final_attempt: bool = True) -> None:
    """Send one entry's e-mail (INT-21); idempotent.

    Skips entries not waiting for delivery or already delivered for this attempt (enqueueing
    clears ``delivered_at``); the row is locked while sending so a duplicated message does
    not send twice. A transient failure raises ``TransientDeliveryError`` (the task retries)
    unless ``final_attempt``; any other failure stores status error with the message.
    """
    with transaction.atomic():
        entry = (
            InteractionLogEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("attachment", "contact", "template")
            .filter(
                pk=entry_id, delivery_status=DeliveryStatus.IN_PROGRESS, delivered_at__isnull=True
            )
            .first()
        )
        if entry is None:
            return
        _deliver_locked(entry=entry, final_attempt=final_attempt)


def _deliver_locked(*, entry: InteractionLogEntry, final_attempt: bool) -> None:
    row = (
        _language_row(template=entry.template, language_id=entry.language_id)
        if (entry.template_id)
        else None
    )
    to = entry.contact_via or (entry.contact.email if entry.contact else "")
    message = EmailMessage(
        subject=(row.email_subject if row and row.email_subject else entry.subject)
        or entry.description,
        body=entry.email_body,
        to=[to],
    )
    if entry.attachment and entry.attachment.file and (row is None or row.send_attachment_as_file):
        with entry.attachment.file.open("rb") as handle:
            message.attach(entry.attachment.file_name or "attachment", handle.read())
    try:
        message.send()
    except Exception as exc:
        if delivery_error_is_transient(exc) and not final_attempt:
            logger.info("interaction %s delivery will be retried: %s", entry.entry_no, exc)
            raise TransientDeliveryError(str(exc)) from exc
        logger.warning("interaction %s delivery failed: %s", entry.entry_no, exc)
        InteractionLogEntry.objects.filter(pk=entry.pk).update(
            delivery_status=DeliveryStatus.ERROR,
            delivery_error=(str(exc) or exc.__class__.__name__)[:250],
            updated_at=timezone.now(),
        )
        return
    now = timezone.now()
    InteractionLogEntry.objects.filter(pk=entry.pk).update(
        delivery_status=DeliveryStatus.BLANK, delivery_error="", delivered_at=now, updated_at=now
    )


@transaction.atomic
def interaction_resend(*, entry: InteractionLogEntry) -> None:
    """INT-20: deliver again; only delivery fields change."""
    if entry.correspondence_type != CorrespondenceType.EMAIL or not (
        entry.attachment_id or entry.email_body
    ):
        raise ValidationError(
            _("Only e-mail interactions with an attachment or a body can be resent.")
        )
    interaction_deliver_enqueue(entry=entry)


# -- bulk logging --------------------------------------------------------------------------------


@transaction.atomic
def interactions_bulk_log_start(
    *,
    user,
    template: InteractionTemplate,
    contact_ids: list[int] | None = None,
    contact_queryset: models.QuerySet | None = None,
    description: str = "",
    salesperson=None,
    date: dt.date | None = None,
    segment_number: str = "",
    queue: str | None = None,
) -> BulkJob:
    """Create the BulkJob and enqueue the logging after commit (used by segments, imports).

    Give either ``contact_ids`` or a ``contact_queryset`` of contacts (stored as SQL).
    """
    from .tasks import interactions_bulk_log_task

    params: dict[str, Any] = {
        "template_id": template.pk,
        "description": description or template.description,
        "salesperson_id": getattr(salesperson, "pk", None),
        "user_id": getattr(user, "pk", None),
        "date": (date or timezone.localdate()).isoformat(),
        "segment_number": segment_number,
    }
    if contact_queryset is not None:
        sql, sql_params = contact_queryset.values("pk").query.sql_with_params()
        params["contact_sql"] = sql
        params["contact_sql_params"] = list(sql_params)
    else:
        params["contact_ids"] = sorted(set(contact_ids or []))
    job = bulk_job_create(kind="interactions_bulk_log", user=user, params=params)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: interactions_bulk_log_task.apply_async(args=[job.pk], **options))
    return job


def _bulk_source(params: dict) -> tuple[str, list]:
    if "contact_sql" in params:
        return f"c.id IN ({params['contact_sql']})", list(params["contact_sql_params"])
    return "c.id = ANY(%s)", [params.get("contact_ids", [])]


def _bulk_insert_sql(*, job: BulkJob, template: InteractionTemplate) -> tuple[str, list, list]:
    """Columns and SELECT expressions of INSERT … SELECT; every other column gets its default."""
    p = job.params
    user_salesperson = None
    if p.get("user_id"):
        user_salesperson = (
            Salesperson.objects.filter(user_id=p["user_id"]).values_list("pk", flat=True).first()
        )
    language_ids = [row.language_id for row in template.languages.all()]
    explicit: dict[str, tuple[str, list]] = {
        "contact_id": ("b.id", []),
        "contact_company_id": ("COALESCE(b.company_id, b.id)", []),
        "contact_name_snapshot": ("LEFT(b.name, 100)", []),
        "date": ("%s::date", [p["date"]]),
        "description": ("%s", [p["description"][:100]]),
        "information_flow": ("%s", [template.information_flow]),
        "initiated_by": ("%s", [template.initiated_by]),
        "cost": ("%s", [template.unit_cost]),
        "duration_min": ("%s", [template.unit_duration_min]),
        "user_id": ("%s::integer", [p.get("user_id")]),
        "salesperson_id": (
            "COALESCE(%s::bigint, b.salesperson_id, %s::bigint)",
            [p.get("salesperson_id"), user_salesperson],
        ),
        "group_id": ("%s::bigint", [template.group_id]),
        "template_id": ("%s::bigint", [template.pk]),
        "language_id": (
            "CASE WHEN b.language_id = ANY(%s::bigint[]) THEN b.language_id ELSE %s::bigint END",
            [language_ids, template.default_language_id],
        ),
        "is_campaign_target": ("%s", [template.is_campaign_target]),
        "is_campaign_response": ("%s", [template.is_campaign_response]),
        "correspondence_type": (
            "CASE WHEN %s OR b.correspondence_type = '' THEN %s ELSE b.correspondence_type END",
            [template.ignore_contact_correspondence_type, template.correspondence_type],
        ),
        "segment_number": ("%s", [p.get("segment_number", "")[:20]]),
        "bulk_job_id": ("%s::bigint", [job.pk]),
        "created_at": ("now()", []),
        "updated_at": ("now()", []),
    }
    columns, expressions, params = [], [], []
    for field in InteractionLogEntry._meta.concrete_fields:
        if field.primary_key or field.attname == "entry_no":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in explicit:
            expression, expression_params = explicit[field.attname]
        else:
            expression = "%s"
            expression_params = [field.get_db_prep_save(field.get_default(), connection)]
        expressions.append(expression)
        params.extend(expression_params)
    return ", ".join(columns), ", ".join(expressions), params


def interactions_bulk_log(
    *, job_id: int, batch_size: int = BULK_LOG_BATCH_SIZE, max_batches: int | None = None
) -> bool:
    """Log one entry per contact of the job, set-based, one committed batch at a time.

    Idempotent and resumable: batches walk the contacts in id order, each commits its rows
    and the job's progress together, and ``(bulk_job, contact)`` is unique, so a restarted
    or duplicated run starts after the last contact logged and inserts nothing twice
    (``ON CONFLICT DO NOTHING``). Privacy-blocked contacts are skipped (CON-52/54).
    Returns True when more batches remain (the task enqueues the next message).
    """
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return False
    template = InteractionTemplate.objects.prefetch_related("languages").get(
        pk=job.params["template_id"]
    )
    source, source_params = _bulk_source(job.params)
    entries = InteractionLogEntry.objects.filter(bulk_job_id=job_id)
    # The contact set is read once per run into a temporary table, so each batch is a range
    # scan on its key instead of a re-evaluation of the whole source.
    temp = f"interactions_bulk_source_{int(job_id)}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} AS "  # noqa: S608
            f"SELECT c.id FROM contacts_contact c WHERE {source}",
            source_params,
        )
        cursor.execute(f"ALTER TABLE {temp} ADD PRIMARY KEY (id)")
        cursor.execute(f"ANALYZE {temp}")
        cursor.execute(f"SELECT count(*) FROM {temp}")  # noqa: S608
        total = cursor.fetchone()[0]
        last_id = entries.aggregate(last=models.Max("contact_id"))["last"] or 0
        cursor.execute(f"SELECT count(*) FROM {temp} WHERE id <= %s", [last_id])  # noqa: S608
        processed = cursor.fetchone()[0]
    try:
        return _bulk_log_batches(
            job=job,
            template=template,
            temp=temp,
            total=total,
            processed=processed,
            last_id=last_id,
            batch_size=batch_size,
            max_batches=max_batches,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")


def _bulk_log_batches(
    *,
    job: BulkJob,
    template,
    temp: str,
    total: int,
    processed: int,
    last_id: int,
    batch_size: int,
    max_batches: int | None,
) -> bool:
    job_id = job.pk
    entries = InteractionLogEntry.objects.filter(bulk_job_id=job_id)
    bulk_job_start(job_id=job_id, total=total)
    columns, expressions, insert_params = _bulk_insert_sql(job=job, template=template)
    sql = f"""
        WITH batch AS (
            SELECT c.id, c.company_id, c.name, c.salesperson_id, c.language_id,
                   c.correspondence_type,
                   (c.is_privacy_blocked OR COALESCE(co.is_privacy_blocked, false)) AS blocked
            FROM (SELECT id FROM {temp} WHERE id > %s ORDER BY id LIMIT %s) s
            JOIN contacts_contact c ON c.id = s.id
            LEFT JOIN contacts_contact co ON co.id = c.company_id AND co.id <> c.id
        ), inserted AS (
            INSERT INTO {InteractionLogEntry._meta.db_table} ({columns})
            SELECT {expressions} FROM batch b WHERE NOT b.blocked
            ON CONFLICT (bulk_job_id, contact_id) WHERE bulk_job_id IS NOT NULL DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM batch),
               (SELECT count(*) FROM inserted)
    """  # noqa: S608
    batches = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [last_id, batch_size, *insert_params])
            max_id, count, _inserted = cursor.fetchone()
            if not count:
                break
            processed += count
            bulk_job_progress(job_id=job_id, done=min(processed, total))
        last_id = max_id
        batches += 1
        if max_batches is not None and batches >= max_batches:
            return True
    logged = entries.count()
    bulk_job_finish(job_id=job_id, result={"logged": logged, "skipped": total - logged})
    return False


def interactions_bulk_log_failed(*, job_id: int, error: str) -> None:
    if BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.SUCCEEDED).exists():
        return
    bulk_job_finish(job_id=job_id, error=error[:1000])


# -- template setup (INT-4) ----------------------------------------------------------------------

SETUP_SLOTS = [*DOCUMENT_SLOTS, *OTHER_SLOTS]


@transaction.atomic
def interaction_template_setup_update(*, data: dict[str, Any]) -> InteractionTemplateSetup:
    """INT-4: document, e-mail logging, cover sheet and outgoing call slots take only
    templates without language rows."""
    setup = InteractionTemplateSetup.load()
    errors = {}
    for slot in NO_LANGUAGE_SLOTS:
        template = data.get(slot)
        if template is not None and template.languages.exists():
            errors[slot] = MSG_DOCUMENT_TEMPLATE_LANGUAGES % {"code": template.code}
    if errors:
        raise ValidationError(errors)
    setup, _changed = model_update(instance=setup, fields=SETUP_SLOTS, data=data)
    return setup


# -- printed correspondence (INT-21 hard copy, INT-23 cover sheets) --------------------------

MSG_NO_COVER_SHEET_TEMPLATE = _(
    "Set up a template for cover sheets in the interaction template setup."
)


@transaction.atomic
def interaction_letters_mark_printed(*, entry_ids: list[int]) -> int:
    """INT-21: printed hard-copy letters leave *Letters to print* (delivery fields only)."""
    now = timezone.now()
    return InteractionLogEntry.objects.filter(
        pk__in=entry_ids,
        correspondence_type=CorrespondenceType.HARD_COPY,
        delivered_at__isnull=True,
        is_postponed=False,
    ).update(
        delivered_at=now, delivery_status=DeliveryStatus.BLANK, delivery_error="", updated_at=now
    )


@transaction.atomic
def interaction_cover_sheets_log(
    *, user, contacts, date: dt.date | None = None, skip_blocked: bool = False
) -> list[InteractionLogEntry]:
    """INT-23 "log interaction": one entry per contact with the ``cover_sheet`` slot template
    and document kind cover_sheet. A privacy-blocked contact is refused (CON-52), or skipped
    with ``skip_blocked`` (lists from segments)."""
    from .models import DocumentKind

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


# -- comments and the INT-14 whitelist -----------------------------------------------------------

# INT-14: after finishing, only these fields of an entry change (plus comments).
FINISHED_CHANGEABLE_FIELDS = [
    "evaluation",
    "is_canceled",
    "opportunity",
    "delivery_status",
    "delivery_error",
    "delivered_at",
]


@transaction.atomic
def interaction_entry_update(*, entry: InteractionLogEntry, data: dict[str, Any]):
    """INT-14: a finished entry changes only in ``FINISHED_CHANGEABLE_FIELDS``."""
    refused = sorted(set(data) - set(FINISHED_CHANGEABLE_FIELDS))
    if refused and not entry.is_postponed:
        raise ValidationError(
            _("A finished interaction cannot change: %(fields)s.") % {"fields": ", ".join(refused)},
            code="finished_entry",
        )
    entry, _changed = model_update(instance=entry, fields=list(data), data=data)
    return entry


@transaction.atomic
def interaction_comment_add(
    *, entry: InteractionLogEntry, comment: str, date: dt.date | None = None
) -> InteractionLogEntryComment:
    """Comments may be added to finished entries (INT-14); line numbers grow by 10,000."""
    InteractionLogEntry.objects.select_for_update().filter(pk=entry.pk).values("pk").first()
    last = entry.comments.aggregate(last=models.Max("line_no"))["last"] or 0
    row = InteractionLogEntryComment(
        entry=entry,
        line_no=last + 10_000,
        date=date or timezone.localdate(),
        comment=(comment or "").strip(),
    )
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def interaction_comment_delete(*, entry: InteractionLogEntry, comment_id: int) -> int:
    deleted, _detail = InteractionLogEntryComment.objects.filter(
        entry=entry, pk=comment_id
    ).delete()
    return deleted


# -- bulk logging from rows (segments, SEG-41) ---------------------------------------------------


def interactions_bulk_log_from_rows(
    *,
    rows_sql: str,
    rows_params: list,
    columns: list[str],
    job_id: int | None = None,
) -> int:
    """Insert one entry per row of ``rows_sql``, set-based (one ``INSERT … SELECT``), in the
    caller's transaction; returns the number of entries inserted.

    ``rows_sql`` is a SELECT whose output columns are the entry attnames listed in ``columns``
    (``contact_id``, ``date``, ``template_id``, …); every other column gets its model default.
    Idempotent like ``interactions_bulk_log``: with ``job_id`` every entry carries the job and
    ``(bulk_job, contact)`` is unique, so replaying the same rows inserts nothing twice
    (``ON CONFLICT DO NOTHING``); without it the caller's transaction is the unit of work
    (segments delete the lines they log in the same transaction, so a replay finds nothing).
    """
    fields = {
        f.attname: f
        for f in InteractionLogEntry._meta.concrete_fields
        if not f.primary_key and f.attname != "entry_no"
    }
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"unknown interaction columns: {sorted(unknown)}")
    given = dict.fromkeys(columns)
    if job_id is not None:
        given.pop("bulk_job_id", None)
    names, expressions, params = [], [], []
    for attname, field in fields.items():
        names.append(connection.ops.quote_name(field.column))
        if attname in given:
            expressions.append(f"r.{connection.ops.quote_name(attname)}")
        elif attname == "bulk_job_id" and job_id is not None:
            expressions.append("%s::bigint")
            params.append(job_id)
        elif attname in {"created_at", "updated_at"}:
            expressions.append("now()")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    conflict = (
        "ON CONFLICT (bulk_job_id, contact_id) WHERE bulk_job_id IS NOT NULL DO NOTHING"
        if job_id is not None
        else ""
    )
    sql = f"""
        INSERT INTO {InteractionLogEntry._meta.db_table} ({", ".join(names)})
        SELECT {", ".join(expressions)} FROM ({rows_sql}) r
        {conflict}
    """  # noqa: S608
    with connection.cursor() as cursor:
        # Params in textual order: the outer SELECT list, then the rows subquery.
        cursor.execute(sql, [*params, *rows_params])
        return cursor.rowcount


def interactions_deliver_enqueue_many(*, entries: models.QuerySet) -> int:
    """INT-20/21 for many entries at once: e-mail entries are marked in progress in one
    UPDATE and one delivery task per entry is queued after commit."""
    from .tasks import interaction_deliver_task

    entries = entries.filter(correspondence_type=CorrespondenceType.EMAIL, is_postponed=False)
    ids = list(entries.values_list("pk", flat=True))
    InteractionLogEntry.objects.filter(pk__in=ids).update(
        delivery_status=DeliveryStatus.IN_PROGRESS,
        delivery_error="",
        delivered_at=None,
        updated_at=timezone.now(),
    )
    for pk in ids:
        interaction_deliver_task.delay_on_commit(pk)
    return len(ids)
