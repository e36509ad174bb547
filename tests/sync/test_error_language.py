"""Sync errors are stored as their message source (msgid and parameters) and read in the
reader's language, whatever language the worker that wrote them had (sync/texts.py)."""

import datetime as dt

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from contacts.models import Contact
from contacts.services import contact_update
from sync.adapters.base import RemoteError
from sync.adapters.tryton import TrytonAdapter
from sync.engine import REFUSED_RECORD, sync_all
from sync.models import SyncCoupling, SyncJob, SyncJobError, SyncTableMapping
from sync.tasks import sync_mapping_run
from sync.texts import msg, of_exception, render
from tests.factories.contacts import CompanyFactory, ContactBusinessRelationFactory, PersonFactory
from tests.worker import not_eager, real_worker, wait_for

CONFLICT_EN = "conflict: both sides changed"
CONFLICT_FR = "conflit : les deux côtés ont changé"


def _page(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_conflict_found_by_a_worker_reads_in_french_and_in_english(client, admin_user_, editor):
    """The worker (default language English) finds a two-sided change: the errors page and the
    job's log show it in French to a French reader and in English to an English one."""
    # given: a coupled person changed on both sides since the last sync
    company = CompanyFactory(name="Langue SA")
    ContactBusinessRelationFactory(contact=company, link_type="customer", external_number="L1")
    person = PersonFactory(name="Léa Langue", company=company, email="lea@langue.test")
    sync_all(full=True)
    party_id = SyncCoupling.objects.get(mapping__name="CONTACT", local_id=person.pk).remote_id
    Contact.objects.filter(pk=person.pk).update(updated_at=timezone.now() + dt.timedelta(seconds=1))
    contact_update(
        contact=Contact.objects.get(pk=person.pk), user=None, data={"email": "ici@langue.test"}
    )
    editor.write("party.party", [(party_id, {"email": "la-bas@langue.test"})])
    contact_mapping = SyncTableMapping.objects.get(name="CONTACT")
    job = SyncJob.objects.create(mapping=contact_mapping, kind="synchronization")

    # when: a real worker runs the mapping
    with real_worker() as worker, not_eager():
        sync_mapping_run.apply_async(args=[contact_mapping.pk, job.pk], queue=worker.queue)
        wait_for(lambda: SyncJob.objects.get(pk=job.pk).is_finished, timeout=60)

    # then
    errors = SyncJobError.objects.filter(job=job)
    assert errors.exists()
    assert [e.message_source for e in errors] == [{"id": CONFLICT_EN, "params": {}}] * len(errors)
    client.force_login(admin_user_)
    for url in (reverse("sync:errors"), reverse("sync:job-detail", args=[job.pk])):
        french = _page(client, url, "fr")
        assert CONFLICT_FR in french
        assert CONFLICT_EN not in french
        english = _page(client, url, "en")
        assert CONFLICT_EN in english
        assert CONFLICT_FR not in english


@pytest.mark.django_db
def test_rows_written_before_sources_existed_show_their_text(client, admin_user_):
    from sync.defaults import mappings_reset_to_defaults

    mappings_reset_to_defaults()
    mapping = SyncTableMapping.objects.get(name="ACCOUNT")
    SyncCoupling.objects.create(
        mapping=mapping,
        local_id=1,
        remote_id="9",
        last_remote_result="failure",
        last_error="an old error, stored as text",
    )
    client.force_login(admin_user_)
    assert "an old error, stored as text" in _page(client, reverse("sync:errors"), "fr")


def test_parameters_that_are_messages_are_translated_and_remote_text_is_kept():
    refused = RemoteError(
        gettext_noop("the external CRM refused the request (HTTP %(status)s)"),
        params={"status": 400},
    )
    said_by_tryton = RemoteError("Le champ « Nom » est requis.", remote=True)
    with translation.override("fr"):
        assert render(msg(REFUSED_RECORD, error=refused.source)) == (
            "le CRM externe a refusé l'enregistrement : "
            "le CRM externe a refusé la requête (HTTP 400)"
        )
        assert render(msg(REFUSED_RECORD, error=said_by_tryton.source)).endswith(
            ": Le champ « Nom » est requis."
        )
    with translation.override("en"):
        assert str(refused) == "the external CRM refused the request (HTTP 400)"


def test_django_validation_messages_keep_their_msgid_and_plural():
    with pytest.raises(ValidationError) as caught:
        MaxLengthValidator(5)("abcdefgh")
    source = of_exception(caught.value)
    with translation.override("fr"):
        assert render(source) == "Assurez-vous que cette valeur comporte au plus 5 caractères " + (
            "(actuellement 8)."
        )
    with translation.override("en"):
        assert render(source) == "Ensure this value has at most 5 characters (it has 8)."


class _Echo:
    """A transport whose remote refuses every call and echoes the request in its answer."""

    def post(self, url, payload, *, headers, relogin=None):
        response = requests.Response()
        response.status_code = 200
        if payload["method"] == "common.db.login":
            response._content = b'{"result": [42, "s3ss10n-k3y"]}'
            return response
        if payload["method"] == "model.res.user.get_preferences":
            response._content = b'{"result": {}}'
            return response
        echoed = f"{payload} {headers}".replace('"', "'")
        response._content = (
            f'{{"error": ["UserError", ["refused: {echoed}", "{echoed}"]]}}'.encode()
        )
        return response


def test_stored_errors_never_hold_the_password_or_the_session():
    adapter = TrytonAdapter(
        url="http://remote.test",
        database="db",
        username="admin",
        password="Pa55-w0rd!",
        timeout=1,
        transport=_Echo(),
    )
    adapter.login()
    with pytest.raises(RemoteError) as caught:
        adapter.call("party.party", "create", [{"name": "Pa55-w0rd! s3ss10n-k3y"}])
    stored = f"{caught.value.source} {caught.value.detail}"
    assert "refused" in stored
    assert "Pa55-w0rd!" not in stored
    assert "s3ss10n-k3y" not in stored
    assert adapter._auth["Authorization"].split(" ", 1)[1] not in stored


def test_the_last_connection_test_reads_in_the_readers_language(client, admin_user_, tryton):
    """Test connection's result is kept as its message and parameters: a test run by a French
    administrator reads in English on an English administrator's setup page (it was stored
    as the French text)."""
    from django.utils.html import escape

    from sync.models import ExternalCrmConnection
    from sync.services import connection_test

    connection = ExternalCrmConnection.load()
    connection.set_password("not-the-password")
    connection.save()
    french = "Le CRM externe a refusé le nom d'utilisateur ou le mot de passe."
    english = "The external CRM refused the user name or password."
    with translation.override("fr"):
        ok, message = connection_test()
    assert not ok and message == french
    client.force_login(admin_user_)
    url = reverse("sync:connection")
    assert escape(english) in _page(client, url, "en")
    assert escape(french) in _page(client, url, "fr")


def test_a_connection_test_that_gets_no_answer_says_what_to_check(tryton):
    """A wrong database name makes Tryton wait without answering: the message names the
    time-out once and says to check the URL and the database name."""
    from sync.models import ExternalCrmConnection
    from sync.services import connection_test

    ExternalCrmConnection.objects.update(database="no_such_database", timeout_s=1)
    ok, message = connection_test()
    assert not ok
    assert message == (
        "The external CRM cannot be reached: the external CRM is unreachable (no answer "
        "within 1 s). Check the URL and the database name."
    )
