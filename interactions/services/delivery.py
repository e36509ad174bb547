"""E-mail delivery (INT-20/21) and printed letters (INT-21 hard copy)."""

import logging
import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interactions.models import DeliveryStatus, InteractionLogEntry
from setup.models import CorrespondenceType

from .defaults import _language_row

logger = logging.getLogger(__name__)

# -- delivery (INT-20/21) -----------------------------------------------------------------------


def interaction_deliver_enqueue(*, entry: InteractionLogEntry) -> None:
    from interactions.tasks import interaction_deliver_task

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


def interactions_deliver_enqueue_many(*, entries: models.QuerySet) -> int:
    """INT-20/21 for many entries at once: e-mail entries are marked in progress in one
    UPDATE and one delivery task per entry is queued after commit."""
    from interactions.tasks import interaction_deliver_task

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
