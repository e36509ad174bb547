"""Property-based tests: any input to the contact forms and the CSV import gets an answer with
messages, never a server error, and a refusal never leaves a partial write."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from contacts.models import Contact
from crm.models import FieldChange
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=DirectoryBasedExampleDatabase(".data/hypothesis"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text, NUL and control characters included (surrogates cannot be sent as UTF-8).
any_text = st.text(max_size=120)
short_text = st.one_of(any_text, st.text(alphabet="0123456789+-() /.", max_size=40))
flag = st.sampled_from(["", "on", "true", "0", "x"])
contact_fields = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["company", "person", "", "robot", "0"]),
        "name": any_text,
        "first_name": any_text,
        "surname": any_text,
        "email": st.one_of(any_text, st.emails()),
        "phone": short_text,
        "post_code": short_text,
        "city": any_text,
        "home_page": any_text,
        "company_text": any_text,
        "company": st.sampled_from(["", "0", "999999", "x"]),
        "salesperson": st.sampled_from(["", "0", "abc", "999999"]),
        "is_minor": flag,
        "has_parental_consent": flag,
        "is_privacy_blocked": flag,
    }
)


@pytest.fixture
def rep(db, make_user):
    series = series_with_line("CONT", "CT000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series)
    client = Client(raise_request_exception=False)
    client.force_login(make_user("prop-sales", groups=["Sales"]))
    return client


def _messages_or_errors(response) -> list[str]:
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    form = response.context.get("form") if response.context else None
    if form is not None and form.errors:
        texts += [str(e) for errors in form.errors.values() for e in errors]
    return texts


@PROPERTY_SETTINGS
@given(data=contact_fields)
def test_contact_create_form_any_input(rep, data):
    before = Contact.objects.count()
    response = rep.post(reverse("contacts:contact-create"), data)
    assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 302:
        assert Contact.objects.count() == before + 1
        assert _messages_or_errors(response), "a saved contact is announced"
    else:
        assert Contact.objects.count() == before, "a refused form writes nothing"
        assert _messages_or_errors(response), "a refused form says why"


@PROPERTY_SETTINGS
@given(data=contact_fields)
def test_contact_edit_form_any_input(rep, data):
    company = CompanyFactory(name="Acme", phone="111")
    url = reverse("contacts:contact-update", args=[company.pk])
    version = rep.get(url).context["form"]["version"].value()
    row = Contact.objects.values().get(pk=company.pk)
    history = FieldChange.objects.count()
    response = rep.post(url, {**data, "version": version})
    assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 200:
        assert _messages_or_errors(response), "a refused form says why"
        assert Contact.objects.values().get(pk=company.pk) == row, "no partial write"
        assert FieldChange.objects.count() == history
    else:
        assert _messages_or_errors(response)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name", "E-mail", "Phone", "City", "Type"])
    writer.writerows(rows)
    return out.getvalue().encode()


csv_chars = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
csv_cell = st.text(alphabet=csv_chars, max_size=40)
# A lone carriage return outside quotes hits the second known 500 (see below).
body_chars = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r")
csv_files = st.one_of(
    st.lists(st.lists(csv_cell, min_size=5, max_size=5), max_size=8).map(_csv),
    st.lists(st.lists(csv_cell, max_size=7), max_size=8).map(_csv),  # ragged rows
    st.text(alphabet=body_chars, max_size=300).map(lambda t: b"Name,City\n" + t.encode()),
)
# Files the upload step refuses (non-UTF-8, NUL characters, no header row) are left out of the
# strategy: every such refusal hits the known 500 below. Put them back once it is fixed.


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00bad", "must be UTF-8"),
        (b"Name\n\x00", "not a text file"),
        (b"\n", "no header row"),
    ],
)
def test_a_refused_csv_upload_is_answered_with_a_message(rep, content, message):
    upload = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
    response = rep.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()


@PROPERTY_SETTINGS
@given(content=csv_files, skip_rejected=st.booleans())
def test_contact_csv_import_any_file(
    rep, django_capture_on_commit_callbacks, content, skip_rejected
):
    before = Contact.objects.count()
    upload = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
    response = rep.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code in {200, 302}, response.status_code
    if response.status_code == 200:  # refused upload: the form says why
        assert _messages_or_errors(response)
        assert Contact.objects.count() == before
        return
    mapping_url = reverse("contacts:contact-import-mapping")
    page = rep.get(mapping_url)
    assert page.status_code == 200
    form = page.context["form"]
    posted = {name: form[name].value() or "" for name in form.fields}
    preview = rep.post(mapping_url, posted)
    assert preview.status_code == 200
    if "preview" not in preview.context:  # mapping refused (no Name column, …)
        event("mapping refused")
        assert _messages_or_errors(preview)
        assert Contact.objects.count() == before
        return
    prepared = preview.context["preview"]
    valid = [r for r in prepared.rows if not r.errors]
    confirm_data = {"skip_rejected": "on"} if skip_rejected else {}
    with django_capture_on_commit_callbacks(execute=True):
        done = rep.post(reverse("contacts:contact-import-confirm"), confirm_data)
    assert done.status_code == 302
    added = Contact.objects.count() - before
    event("confirm refused" if "/jobs/" not in done["Location"] else "import job ran")
    if "/jobs/" not in done["Location"]:  # refused: a message says why, nothing written
        assert [str(m) for m in get_messages(done.wsgi_request)]
        assert added == 0
    else:
        # all or nothing without skipping; only the valid rows when skipping
        assert added <= len(valid)
        if not skip_rejected:
            assert len(valid) == len(prepared.rows)


def test_a_csv_with_a_lone_carriage_return_is_answered(rep):
    upload = SimpleUploadedFile("contacts.csv", b"Name,City\nA\rB,x\n", content_type="text/csv")
    response = rep.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code in {200, 302}
