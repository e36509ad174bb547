"""Deleting a logged e-mail removes that message only (UID EXPUNGE): a message the user had
flagged deleted and not yet expunged stays in the inbox, untouched, against a real dovecot."""

import pytest
from imapclient import IMAPClient

from interactions.models import InteractionLogEntry
from maillog.models import EmailLoggingSetup
from maillog.services import email_logging_poll
from tests.maillog.test_email_logging import _mail, configured, people  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _inbox(account) -> dict[int, tuple]:
    with IMAPClient(account["host"], port=account["port"], ssl=False) as imap:
        imap.login(account["user"], account["password"])
        imap.select_folder("INBOX", readonly=True)
        uids = imap.search("ALL")
        return {uid: data[b"FLAGS"] for uid, data in imap.fetch(uids, ["FLAGS"]).items()}


@pytest.mark.parametrize("archive_folder", ["", "CRM/Logged"])
def test_a_message_the_user_flagged_deleted_survives_a_run(
    configured,  # noqa: F811
    people,  # noqa: F811
    archive_folder,
):
    # given: the user deleted one message in their client (not expunged yet); one to log
    EmailLoggingSetup.objects.update(archive_folder=archive_folder)
    configured.append(
        _mail("someone@else.test", "friend@else.test", subject="Mine"), flags="(\\Deleted)"
    )
    configured.append(_mail("rep@crm.test", "alpha@cust.test", subject="Deal"))
    # when
    counts = email_logging_poll(force=True)
    # then: the logged message left the inbox; the user's deleted one is still there, flagged
    assert (counts["read"], counts["logged"], counts["error"]) == (1, 1, "")
    assert InteractionLogEntry.objects.count() == 1
    inbox = _inbox(configured.account)
    assert len(inbox) == 1
    assert b"\\Deleted" in next(iter(inbox.values()))
    if archive_folder:
        assert configured.count(archive_folder) == 1
