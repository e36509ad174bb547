"""E-mail logging against a real IMAP server (dovecot on loopback): E-1..E-9."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact, ContactAltAddress
from interactions.models import InteractionLogEntry, InteractionTemplateSetup
from maillog.crypto import secret_decrypt
from maillog.models import EmailLoggingSetup, EmailLogMessage
from maillog.services import (
    email_logging_enable,
    email_logging_poll,
    email_logging_setup_update,
    email_logging_test_connection,
)
from tests.contacts.helpers_links import company
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def _mail(frm="", to="", cc="", subject="Hello", msgid=None, extra=""):
    headers = []
    if frm:
        headers.append(f"From: {frm}")
    if to:
        headers.append(f"To: {to}")
    if cc:
        headers.append(f"Cc: {cc}")
    headers.append(f"Subject: {subject}")
    headers.append("Date: Mon, 03 Mar 2025 10:15:00 +0100")
    headers.append(f"Message-ID: <{msgid or subject.replace(' ', '.')}@test>")
    return ("\r\n".join(headers) + extra + "\r\n\r\nBody text\r\n").encode()


@pytest.fixture
def configured(mailbox):
    """Setup pointing at the test mailbox, tested, slot set and enabled."""
    account = mailbox.account
    email_logging_setup_update(
        data={
            "imap_host": account["host"],
            "imap_port": account["port"],
            "security": "none",
            "username": account["user"],
        },
        password=account["password"],
    )
    template = InteractionTemplateFactory(code="EMAIL")
    slot = InteractionTemplateSetup.load()
    slot.email_logging = template
    slot.save()
    ok, message = email_logging_test_connection()
    assert ok, message
    email_logging_enable()
    mailbox.template = template
    return mailbox


@pytest.fixture
def people():
    sp = SalespersonFactory(code="SP1", email="rep@crm.test")
    Salesperson = type(sp)
    Salesperson.objects.filter(pk=sp.pk).update(search_email="REP@CRM.TEST")
    a = company("Alpha", email="alpha@cust.test")
    b = company("Beta", email="beta@cust.test")
    Contact.objects.filter(pk=a.pk).update(search_email="ALPHA@CUST.TEST")
    Contact.objects.filter(pk=b.pk).update(search_email="BETA@CUST.TEST")
    return sp, a, b


def test_password_encrypted_at_rest(db):
    email_logging_setup_update(data={"imap_host": "h"}, password="s3cret")
    setup = EmailLoggingSetup.load()
    assert "s3cret" not in setup.password_encrypted
    assert secret_decrypt(setup.password_encrypted) == "s3cret"


def test_e1_outbound_to_two_contacts(configured, people):
    """E-1: a salesperson writes to two contacts (To + Cc): two outbound entries, initiated by
    us, one shared .eml attachment, template from the slot."""
    sp, a, b = people
    configured.append(_mail("Rep <rep@crm.test>", "alpha@cust.test", "BETA@cust.test", "Offer"))
    counts = email_logging_poll(force=True)
    assert counts["logged"] == 1, counts
    entries = list(InteractionLogEntry.objects.order_by("contact_id"))
    assert {e.contact_id for e in entries} == {a.pk, b.pk}
    assert {(e.information_flow, e.initiated_by) for e in entries} == {("outbound", "us")}
    assert len({e.attachment_id for e in entries}) == 1
    assert entries[0].attachment.file_name.endswith(".eml")
    assert entries[0].attachment.checksum
    assert all(e.template == configured.template and e.is_email_logged for e in entries)
    assert all(e.salesperson == sp and e.description == "Offer" for e in entries)
    assert configured.count("CRM/Logged") == 1 and configured.count("INBOX") == 0


def test_e2_inbound_at_received_time(configured, people):
    """E-2: a contact writes to a salesperson: one inbound entry, initiated by them, dated at
    the received time."""
    import datetime as dt

    _sp, a, _b = people
    received = dt.datetime(2025, 4, 5, 8, 30, tzinfo=dt.UTC).timestamp()
    configured.append(_mail("alpha@cust.test", "rep@crm.test", subject="Question"), when=received)
    email_logging_poll(force=True)
    entry = InteractionLogEntry.objects.get()
    assert (entry.contact_id, entry.information_flow, entry.initiated_by) == (
        a.pk,
        "inbound",
        "them",
    )
    assert entry.date == dt.date(2025, 4, 5)
    assert entry.time == dt.time(10, 30)  # Europe/Paris


def test_e3_unknown_addresses_skipped(configured, people):
    """E-3: a message between two unknown addresses is skipped and moved to the skipped folder."""
    configured.append(_mail("x@nowhere.test", "y@nowhere.test", subject="Spam"))
    email_logging_poll(force=True)
    assert not InteractionLogEntry.objects.exists()
    assert EmailLogMessage.objects.get().outcome == "skipped_no_match"
    assert configured.count("CRM/Skipped") == 1


def test_e4_draft_no_sender_no_recipients(configured, people):
    """E-4: drafts, messages without sender and without recipients are skipped."""
    configured.append(_mail("rep@crm.test", "alpha@cust.test", subject="Draft"), flags="(\\Draft)")
    configured.append(_mail("", "alpha@cust.test", subject="Nosender"))
    configured.append(_mail("rep@crm.test", "", subject="Norecipient"))
    email_logging_poll(force=True)
    assert not InteractionLogEntry.objects.exists()
    assert set(EmailLogMessage.objects.values_list("outcome", flat=True)) == {
        "skipped_draft",
        "skipped_no_sender",
        "skipped_no_recipients",
    }
    assert configured.count("CRM/Skipped") == 3


def test_e5_copied_back_not_logged_again(configured, people):
    """E-5: a message copied back into the inbox is not logged again."""
    raw = _mail("rep@crm.test", "alpha@cust.test", subject="Once")
    configured.append(raw)
    email_logging_poll(force=True)
    configured.append(raw)
    email_logging_poll(force=True)
    assert InteractionLogEntry.objects.count() == 1
    assert EmailLogMessage.objects.get().outcome == "logged"


def test_e6_alternate_address(configured, people):
    """E-6: a match through an alternate-address e-mail stores that alternate address."""
    _sp, a, _b = people
    alt = ContactAltAddress.objects.create(contact=a, code="HOME", email="alt@home.test")
    ContactAltAddress.objects.filter(pk=alt.pk).update(search_email="ALT@HOME.TEST")
    configured.append(_mail("rep@crm.test", "alt@home.test", subject="Alt"))
    email_logging_poll(force=True)
    entry = InteractionLogEntry.objects.get()
    assert entry.alt_address_id == alt.pk and entry.contact_via == "alt@home.test"


def test_e7_batch_size(configured, people):
    """E-7: with batch size 50 and 120 waiting messages one run handles 50; logged ones end in
    the archive folder."""
    for n in range(120):
        configured.append(_mail("rep@crm.test", "alpha@cust.test", subject=f"M{n}"))
    counts = email_logging_poll(force=True)
    assert counts["read"] == 50 and counts["logged"] == 50
    assert configured.count("CRM/Logged") == 50 and configured.count("INBOX") == 70


def test_e8_enable_needs_slot(mailbox):
    """E-8: enabling without a template in the email_logging slot is refused."""
    account = mailbox.account
    email_logging_setup_update(
        data={
            "imap_host": account["host"],
            "imap_port": account["port"],
            "security": "none",
            "username": account["user"],
        },
        password=account["password"],
    )
    assert email_logging_test_connection()[0]
    with pytest.raises(ValidationError, match="e-mail logging slot"):
        email_logging_enable()
    assert not EmailLoggingSetup.load().is_enabled


def test_e9_failing_message_skipped_after_three_runs(configured, people, monkeypatch):
    """E-9: a message failing three runs ends in the skipped folder with outcome failed."""
    from maillog import services

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "email_message_log", boom)
    configured.append(_mail("rep@crm.test", "alpha@cust.test", subject="Fails"))
    for run in range(3):
        email_logging_poll(force=True)
        expected_inbox = 1 if run < 2 else 0
        assert configured.count("INBOX") == expected_inbox
    row = EmailLogMessage.objects.get()
    assert (row.outcome, row.attempts) == ("failed", 3)
    assert configured.count("CRM/Skipped") == 1


def test_connection_change_disables(configured):
    """EML-1: changing a connection field turns logging off until tested again."""
    email_logging_setup_update(data={"imap_port": 1})
    assert not EmailLoggingSetup.load().is_enabled


def test_connection_error_stored(configured):
    """EML-9: connection errors stop the run and are stored in last_error."""
    EmailLoggingSetup.objects.update(imap_port=1)
    counts = email_logging_poll(force=True)
    assert counts["error"]
    assert EmailLoggingSetup.load().last_error
