"""*Setup → E-mail logging* pages (SPEC 11.3, EML-1) against the dovecot test server."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from contacts.models import Contact
from interactions.models import InteractionLogEntry, InteractionTemplateSetup
from maillog.crypto import secret_decrypt
from maillog.models import EmailLoggingSetup, EmailLogMessage, Outcome
from setup.models import Salesperson
from tests.contacts.helpers_links import company
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def _form(account: dict, **overrides) -> dict:
    data = {
        "imap_host": account["host"],
        "imap_port": account["port"],
        "security": "none",
        "username": account["user"],
        "password": account["password"],
        "inbox_folder": "INBOX",
        "archive_folder": "CRM/Logged",
        "skipped_folder": "CRM/Skipped",
        "batch_size": 50,
        "poll_interval_min": 5,
    }
    return {**data, **overrides}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _slot() -> None:
    slot = InteractionTemplateSetup.load()
    slot.email_logging = InteractionTemplateFactory(code="EMAIL")
    slot.save()


@pytest.fixture
def admin_client(client, admin_user_):
    client.force_login(admin_user_)
    return client


@pytest.fixture
def enabled(admin_client, mailbox):
    """Saved through the page, tested against dovecot, slot set, enabled."""
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    _slot()
    admin_client.post(reverse("maillog:setup-test"))
    admin_client.post(reverse("maillog:setup-enable"), {"enabled": "1"})
    assert EmailLoggingSetup.load().is_enabled
    return mailbox


def test_setup_saves_and_never_shows_the_password_back(admin_client, mailbox):
    # when
    saved = admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    page = admin_client.get(reverse("maillog:setup"))
    # then
    assert saved.status_code == 302
    setup = EmailLoggingSetup.load()
    assert setup.imap_host == mailbox.account["host"]
    assert secret_decrypt(setup.password_encrypted) == mailbox.account["password"]
    html = page.content.decode()
    assert mailbox.account["password"] not in html
    assert setup.password_encrypted not in html
    assert "Password stored" in html


def test_blank_password_keeps_the_stored_one(admin_client, mailbox):
    # given
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    # when
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account, password="", batch_size=9))
    # then
    setup = EmailLoggingSetup.load()
    assert setup.batch_size == 9
    assert secret_decrypt(setup.password_encrypted) == mailbox.account["password"]


def test_invalid_values_re_render_the_form(admin_client, mailbox):
    response = admin_client.post(reverse("maillog:setup"), _form(mailbox.account, batch_size=0))
    assert response.status_code == 200
    assert "batch_size" in response.context["form"].errors
    assert EmailLoggingSetup.load().imap_host == ""


def test_test_connection_against_the_server(admin_client, mailbox):
    # given
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    # when
    response = admin_client.post(reverse("maillog:setup-test"))
    # then
    assert response.status_code == 302
    assert _messages(response)[-1] == "Connection succeeded."
    assert EmailLoggingSetup.load().is_connection_tested
    assert mailbox.count("CRM/Logged") == 0  # the folders exist now (STATUS answers)


def test_test_connection_reports_a_failure(admin_client, mailbox):
    # given: a wrong password
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account, password="wrong"))
    # when
    response = admin_client.post(reverse("maillog:setup-test"))
    # then
    assert _messages(response)[-1].startswith("Connection failed:")
    assert not EmailLoggingSetup.load().is_connection_tested


def test_enabling_is_refused_without_a_template_in_the_slot(admin_client, mailbox):
    # given: saved and tested, but no e-mail logging template
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    admin_client.post(reverse("maillog:setup-test"))
    # when
    response = admin_client.post(reverse("maillog:setup-enable"), {"enabled": "1"})
    # then
    assert "e-mail logging slot" in _messages(response)[-1]
    assert not EmailLoggingSetup.load().is_enabled


def test_enabling_is_refused_until_the_connection_is_tested(admin_client, mailbox):
    admin_client.post(reverse("maillog:setup"), _form(mailbox.account))
    _slot()
    response = admin_client.post(reverse("maillog:setup-enable"), {"enabled": "1"})
    assert "Test the connection first." in _messages(response)[-1]
    assert not EmailLoggingSetup.load().is_enabled


def test_enable_then_disable(enabled, admin_client):
    response = admin_client.post(reverse("maillog:setup-enable"), {"enabled": "0"})
    assert _messages(response)[-1] == "E-mail logging is disabled."
    assert not EmailLoggingSetup.load().is_enabled


def test_changing_a_connection_field_disables_until_tested_again(enabled, admin_client):
    # when: a new port
    response = admin_client.post(
        reverse("maillog:setup"), _form(enabled.account, password="", imap_port=1)
    )
    # then
    setup = EmailLoggingSetup.load()
    assert (setup.is_enabled, setup.is_connection_tested) == (False, False)
    assert any("disabled until" in m for m in _messages(response))


def test_changing_the_run_settings_keeps_logging_enabled(enabled, admin_client):
    admin_client.post(reverse("maillog:setup"), _form(enabled.account, password="", batch_size=7))
    assert EmailLoggingSetup.load().is_enabled


def test_sync_now_runs_the_poll_and_the_log_shows_it(
    enabled, admin_client, django_capture_on_commit_callbacks
):
    # given: an outbound message to a contact and a draft
    SalespersonFactory(code="SP1", email="rep@crm.test")
    Salesperson.objects.filter(code="SP1").update(search_email="REP@CRM.TEST")
    alpha = company("Alpha", email="alpha@cust.test")
    Contact.objects.filter(pk=alpha.pk).update(search_email="ALPHA@CUST.TEST")
    enabled.append(
        b"From: rep@crm.test\r\nTo: alpha@cust.test\r\nSubject: Offer\r\n"
        b"Date: Mon, 03 Mar 2025 10:15:00 +0100\r\nMessage-ID: <offer@test>\r\n\r\nHi\r\n"
    )
    enabled.append(
        b"From: rep@crm.test\r\nTo: alpha@cust.test\r\nSubject: Draft\r\n"
        b"Message-ID: <draft@test>\r\n\r\nHi\r\n",
        flags="(\\Draft)",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(reverse("maillog:sync-now"))
    page = admin_client.get(response["Location"])
    # then
    assert len(callbacks) == 1
    assert response["Location"] == reverse("maillog:sync-log")
    assert "sync run was started" in _messages(response)[-1]
    assert InteractionLogEntry.objects.filter(contact=alpha, is_email_logged=True).count() == 1
    outcomes = dict(EmailLogMessage.objects.values_list("message_id", "outcome"))
    assert outcomes == {"<offer@test>": Outcome.LOGGED, "<draft@test>": Outcome.SKIPPED_DRAFT}
    html = page.content.decode()
    assert "fetched 2 · logged 1 (1 interactions) · skipped 1 · failed 0" in html
    assert "&lt;offer@test&gt;" in html
    assert EmailLoggingSetup.load().last_run_at is not None


def test_sync_now_refused_while_disabled(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(reverse("maillog:sync-now"))
    assert callbacks == []
    assert "disabled" in _messages(response)[-1]


def test_sync_log_shows_the_last_error(admin_client):
    EmailLoggingSetup.load()
    EmailLoggingSetup.objects.update(last_error="connection refused")
    page = admin_client.get(reverse("maillog:sync-log"))
    assert "connection refused" in page.content.decode()


def _register(count: int, outcome: str) -> None:
    EmailLogMessage.objects.bulk_create(
        [
            EmailLogMessage(
                message_key=f"{outcome}{i:058d}", message_id=f"<{outcome}{i}@t>", outcome=outcome
            )
            for i in range(count)
        ]
    )


def test_sync_log_filters_by_outcome_and_paginates(admin_client, django_assert_max_num_queries):
    # given
    _register(55, Outcome.LOGGED)
    _register(3, Outcome.FAILED)
    EmailLoggingSetup.load()
    # when: session, user, 2 x permissions, count, setup, page
    with django_assert_max_num_queries(7):
        first = admin_client.get(reverse("maillog:sync-log"))
    failed = admin_client.get(reverse("maillog:sync-log"), {"outcome": Outcome.FAILED})
    partial = admin_client.get(
        reverse("maillog:sync-log"), {"outcome": Outcome.LOGGED, "page": 2}, HTTP_HX_REQUEST="true"
    )
    # then
    assert len(first.context["object_list"]) == 50
    assert first.context["page_obj"].paginator.count == 58
    assert {m.outcome for m in failed.context["object_list"]} == {Outcome.FAILED}
    assert len(failed.context["object_list"]) == 3
    assert len(partial.context["object_list"]) == 5
    assert "<h1" not in partial.content.decode()  # only the #results partial
    assert 'id="results"' in partial.content.decode()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "maillog:setup"),
        ("post", "maillog:setup-test"),
        ("post", "maillog:setup-enable"),
        ("get", "maillog:sync-log"),
        ("post", "maillog:sync-now"),
    ],
)
def test_pages_need_the_permission(client, sales_user, method, name):
    client.force_login(sales_user)
    assert getattr(client, method)(reverse(name)).status_code == 403
