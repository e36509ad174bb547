"""Reads of the e-mail logging pages."""

from .models import EmailLoggingSetup, EmailLogMessage


def email_logging_setup_get() -> EmailLoggingSetup:
    return EmailLoggingSetup.load()


def email_log_message_list():
    """The register of processed messages, newest first (indexed on processed_at)."""
    return EmailLogMessage.objects.order_by("-processed_at", "-id")
