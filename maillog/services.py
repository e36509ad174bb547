"""E-mail logging (SPEC 11, EML-1…9): setup, connection test and the poll run."""

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import imaplib
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactAltAddress
from crm.exceptions import ApplicationError
from crm.services import model_update
from interactions.models import Attachment, InteractionLogEntry, InteractionTemplateSetup
from interactions.services import contact_is_privacy_blocked, interaction_defaults
from setup.models import CorrespondenceType, Salesperson

from .crypto import secret_encrypt
from .imap import ImapConnectionError, Mailbox
from .models import EmailLoggingSetup, EmailLogMessage, Outcome

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # EML-9
POLL_LOCK_KEY = 0x6D61696C6C6F67  # "maillog"
CONNECTION_FIELDS = (
    "imap_host",
    "imap_port",
    "security",
    "username",
    "inbox_folder",
    "archive_folder",
    "skipped_folder",
)
SETUP_FIELDS = (*CONNECTION_FIELDS, "batch_size", "poll_interval_min")


# -- setup (EML-1) -----------------------------------------------------------------------------


@transaction.atomic
def email_logging_setup_update(*, data: dict, password: str | None = None) -> EmailLoggingSetup:
    """Save the setup; a changed connection field (or password) turns logging off until the
    connection is tested again (EML-1)."""
    setup = EmailLoggingSetup.objects.select_for_update().get(pk=EmailLoggingSetup.load().pk)
    changed = any(k in data and data[k] != getattr(setup, k) for k in CONNECTION_FIELDS)
    setup, _changed = model_update(instance=setup, fields=list(SETUP_FIELDS), data=data)
    extra = {}
    if password:
        extra["password_encrypted"] = secret_encrypt(password)
        changed = True
    if changed:
        extra.update(is_enabled=False, is_connection_tested=False)
    if extra:
        EmailLoggingSetup.objects.filter(pk=setup.pk).update(**extra, updated_at=timezone.now())
        setup.refresh_from_db()
    return setup


def email_logging_test_connection() -> tuple[bool, str]:
    """EML-1: log in, list the inbox, create the archive and skipped folders."""
    setup = EmailLoggingSetup.load()
    try:
        box = Mailbox(setup)
        try:
            box.select(setup.inbox_folder)
            box.ensure_folder(setup.archive_folder)
            box.ensure_folder(setup.skipped_folder)
        finally:
            box.close()
    except (ImapConnectionError, imaplib.IMAP4.error, OSError) as exc:
        EmailLoggingSetup.objects.filter(pk=setup.pk).update(is_connection_tested=False)
        return False, str(exc)
    EmailLoggingSetup.objects.filter(pk=setup.pk).update(is_connection_tested=True)
    return True, _("Connection succeeded.")


@transaction.atomic
def email_logging_enable(*, enabled: bool = True) -> EmailLoggingSetup:
    """EML-1 / E-8: enabling needs the connection data, a tested connection and a template in
    the ``email_logging`` slot."""
    setup = EmailLoggingSetup.load()
    if enabled:
        errors = {}
        for name in ("imap_host", "username", "inbox_folder", "archive_folder"):
            if not getattr(setup, name):
                errors[name] = _("This field is required to enable e-mail logging.")
        if not setup.password_encrypted:
            errors["password"] = _("Enter the password.")
        if InteractionTemplateSetup.load().email_logging_id is None:
            errors["__all__"] = _(
                "Set a template in the e-mail logging slot of the interaction template setup."
            )
        elif not setup.is_connection_tested:
            errors["__all__"] = _("Test the connection first.")
        if errors:
            raise ValidationError(errors)
    EmailLoggingSetup.objects.filter(pk=setup.pk).update(is_enabled=enabled)
    setup.refresh_from_db()
    return setup


# -- matching (EML-4/5) ------------------------------------------------------------------------


@dataclass
class Match:
    contact: Contact
    address: str
    alt_address: ContactAltAddress | None = None


@dataclass
class Plan:
    outcome: str
    direction: str = ""  # outbound / inbound
    entries: list[tuple[Match, Salesperson]] = field(default_factory=list)


def _addresses(message, *names) -> list[str]:
    values = []
    for name in names:
        values += [str(v) for v in message.get_all(name, [])]
    return [addr.strip() for _n, addr in email.utils.getaddresses(values) if "@" in addr]


def _contact_matches(addresses: list[str]) -> list[Match]:
    """EML-4: contacts and alternate addresses by case-insensitive e-mail; one per contact."""
    wanted = {a.upper(): a for a in addresses}
    found: dict[int, Match] = {}
    for contact in Contact.objects.filter(search_email__in=wanted).select_related("company"):
        found.setdefault(contact.pk, Match(contact, wanted[contact.search_email]))
    for alt in ContactAltAddress.objects.filter(search_email__in=wanted).select_related(
        "contact", "contact__company"
    ):
        found.setdefault(alt.contact_id, Match(alt.contact, wanted[alt.search_email], alt))
    return [m for m in found.values() if not contact_is_privacy_blocked(m.contact)]


def _salespeople(addresses: list[str]) -> list[Salesperson]:
    upper = {a.upper() for a in addresses}
    return list(Salesperson.objects.filter(search_email__in=upper).order_by("code"))


def message_plan(message, flags: tuple[bytes, ...]) -> Plan:
    """EML-3/5: what to do with one message."""
    if b"\\Draft" in flags:
        return Plan(Outcome.SKIPPED_DRAFT)
    senders = _addresses(message, "From")
    if not senders:
        return Plan(Outcome.SKIPPED_NO_SENDER)
    recipients = _addresses(message, "To", "Cc")
    if not recipients:
        return Plan(Outcome.SKIPPED_NO_RECIPIENTS)
    sender_salespeople = _salespeople(senders[:1])
    if sender_salespeople:
        entries = [(m, sender_salespeople[0]) for m in _contact_matches(recipients)]
        return Plan(Outcome.LOGGED if entries else Outcome.SKIPPED_NO_MATCH, "outbound", entries)
    sender_contacts = _contact_matches(senders[:1])
    to_salespeople = _salespeople(recipients)
    entries = [(m, sp) for m in sender_contacts for sp in to_salespeople]
    return Plan(Outcome.LOGGED if entries else Outcome.SKIPPED_NO_MATCH, "inbound", entries)


def message_key(message) -> str:
    message_id = (message.get("Message-ID") or "").strip()
    basis = message_id or "|".join(str(message.get(h) or "") for h in ("Date", "From", "Subject"))
    return hashlib.sha256(basis.encode("utf-8", "surrogateescape")).hexdigest()


# -- logging one message (EML-6/7/8) -----------------------------------------------------------


def _moment(message, internal_date: dt.datetime | None, direction: str) -> dt.datetime:
    moment = None
    if direction == "outbound" and message.get("Date"):
        try:
            moment = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            moment = None
    if moment is None and internal_date is not None:
        moment = internal_date
    if moment is None or moment.tzinfo is None:
        moment = timezone.now() if moment is None else timezone.make_aware(moment)
    return timezone.localtime(moment)


@transaction.atomic
def email_message_log(
    *, raw: bytes, message, plan: Plan, internal_date: dt.datetime | None, key: str
) -> int:
    """Write the interactions, their shared .eml attachment and the register row."""
    template = InteractionTemplateSetup.load().email_logging
    if template is None:
        raise ValidationError(_("The e-mail logging slot has no template."))
    message_id = str(message.get("Message-ID") or "")[:250]
    subject = str(message.get("Subject") or "")[:100]
    moment = _moment(message, internal_date, plan.direction)
    attachment = Attachment(
        file_name=f"{key[:16]}.eml",
        is_read_only=True,
        email_message_id=message_id,
        checksum=hashlib.sha256(raw).hexdigest(),
    )
    attachment.file.save(f"{key[:16]}.eml", ContentFile(raw), save=False)
    attachment.save()
    outbound = plan.direction == "outbound"
    entries = []
    for match, salesperson in plan.entries:
        defaults = interaction_defaults(template=template, contact=match.contact)
        entries.append(
            InteractionLogEntry(
                contact=match.contact,
                contact_company_id=match.contact.company_id or match.contact.pk,
                contact_name_snapshot=(match.contact.name or "")[:100],
                date=moment.date(),
                time=moment.time().replace(microsecond=0, tzinfo=None),
                description=subject or template.description or "-",
                subject=subject,
                template=template,
                group=template.group,
                cost=defaults["cost"],
                duration_min=defaults["duration_min"],
                information_flow="outbound" if outbound else "inbound",
                initiated_by="us" if outbound else "them",
                correspondence_type=CorrespondenceType.EMAIL,
                is_email_logged=True,
                salesperson=salesperson,
                attachment=attachment,
                contact_via=match.address[:80],
                alt_address=match.alt_address,
                language_id=defaults.get("language"),
            )
        )
    InteractionLogEntry.objects.bulk_create(entries)
    _register(key=key, message_id=message_id, outcome=Outcome.LOGGED, entry_count=len(entries))
    return len(entries)


def _register(*, key: str, message_id: str, outcome: str, entry_count: int = 0, error: str = ""):
    EmailLogMessage.objects.update_or_create(
        message_key=key,
        defaults={
            "message_id": message_id[:250],
            "outcome": outcome,
            "entry_count": entry_count,
            "error": error[:500],
        },
    )


def _failure(*, key: str, message_id: str, error: str) -> int:
    """EML-9: count the failed attempt; returns the attempts so far."""
    row, _created = EmailLogMessage.objects.get_or_create(
        message_key=key, defaults={"message_id": message_id[:250], "outcome": Outcome.FAILED}
    )
    EmailLogMessage.objects.filter(pk=row.pk).update(
        attempts=row.attempts + 1,
        error=error[:500],
        outcome=Outcome.FAILED,
        processed_at=timezone.now(),
    )
    return row.attempts + 1


# -- the run (EML-2, EML-9) --------------------------------------------------------------------


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [POLL_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [POLL_LOCK_KEY])


def email_logging_poll(*, force: bool = False) -> dict:
    """One run: up to ``batch_size`` inbox messages, oldest first. Never runs twice at once
    (session advisory lock). ``force`` runs even when the interval has not elapsed."""
    setup = EmailLoggingSetup.load()
    if not setup.is_enabled:
        return {"skipped": "disabled"}
    if (
        not force
        and setup.last_run_at
        and timezone.now() - setup.last_run_at < dt.timedelta(minutes=setup.poll_interval_min)
    ):
        return {"skipped": "interval"}
    if not _try_lock():
        return {"skipped": "locked"}
    try:
        return _run(setup)
    finally:
        _unlock()


def _run(setup: EmailLoggingSetup) -> dict:
    counts = {"read": 0, "logged": 0, "entries": 0, "skipped": 0, "failed": 0, "errors": []}
    error = ""
    try:
        box = Mailbox(setup)
    except ImapConnectionError as exc:
        error = str(exc)
    else:
        try:
            box.select(setup.inbox_folder)
            for uid in box.uids(setup.batch_size):
                counts["read"] += 1
                _process(box, setup, uid, counts)
        except (ImapConnectionError, imaplib.IMAP4.error, OSError) as exc:
            error = str(exc)
        finally:
            box.close()
    EmailLoggingSetup.objects.filter(pk=setup.pk).update(
        last_run_at=timezone.now(), last_error=error[:2000], last_counts=counts
    )
    counts["error"] = error
    return counts


def _process(box: Mailbox, setup: EmailLoggingSetup, uid: int, counts: dict) -> None:
    fetched = box.fetch(uid)
    raw, flags, internal_date = fetched.raw, fetched.flags, fetched.internal_date
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    key = message_key(message)
    message_id = str(message.get("Message-ID") or "")
    known = EmailLogMessage.objects.filter(message_key=key).first()
    if known is not None and known.outcome != Outcome.FAILED:
        counts["skipped"] += 1  # EML-3 duplicate (the register row keeps its outcome)
        box.move(uid, setup.skipped_folder)
        return
    try:
        plan = message_plan(message, flags)
        if plan.outcome != Outcome.LOGGED:
            _register(key=key, message_id=message_id, outcome=plan.outcome)
            counts["skipped"] += 1
            box.move(uid, setup.skipped_folder)
            return
        entries = email_message_log(
            raw=raw, message=message, plan=plan, internal_date=internal_date, key=key
        )
    except Exception as exc:
        logger.exception("e-mail logging failed for %s", message_id or key)
        attempts = _failure(key=key, message_id=message_id, error=str(exc) or repr(exc))
        counts["failed"] += 1
        if len(counts["errors"]) < 20:
            counts["errors"].append(f"{message_id or key[:16]}: {exc}")
        if attempts >= MAX_ATTEMPTS:
            box.move(uid, setup.skipped_folder)
        return
    counts["logged"] += 1
    counts["entries"] += entries
    if not box.move(uid, setup.archive_folder):  # EML-8
        box.flag_logged(uid)


def email_logging_sync_request() -> None:
    """*Sync now*: run the poll on the worker (after the commit), ignoring the interval."""
    from .tasks import email_logging_poll_task

    if not EmailLoggingSetup.load().is_enabled:
        raise ApplicationError(_("E-mail logging is disabled: enable it first."))
    email_logging_poll_task.delay_on_commit(force=True)
