"""Letters to print (INT-21), cover sheets (INT-23), body variables (4.1), comments (INT-14),
delivery retries (4.4) and the statistics date range (10.x)."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from interactions import selectors, services
from interactions.body_templates import email_body_context, email_body_render
from interactions.models import (
    DeliveryStatus,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplateSetup,
)
from interactions.tasks import DELIVER_MAX_RETRIES, interaction_deliver_task
from setup.models import AddressFormat, MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import ContactAltAddressDateRangeFactory, ContactAltAddressFactory
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    LanguageFactory,
    PersonFactory,
    SalespersonFactory,
)
from tests.factories.setup import CountryFactory, SalutationFactory, SalutationFormulaFactory
from tests.static_files import static_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(client, marketing_user):
    client.force_login(marketing_user)
    return client


def _letter(**kwargs):
    return InteractionLogEntryFactory(correspondence_type="hard_copy", **kwargs)


# -- letters to print (INT-21) -------------------------------------------------------------------


def test_int21_letters_to_print_lists_unprinted_hard_copies_with_address_and_body(client_):
    """INT-21: one page per hard-copy letter not printed yet; address block in the country's
    format from the active alternate address on the entry date (CON-41); body and salutation."""
    # given
    language = LanguageFactory()
    salutation = SalutationFactory()
    SalutationFormulaFactory(salutation=salutation, language=language, formula="Dear %1 %3,")
    city_first = CountryFactory(name="Cityland", address_format=AddressFormat.CITY_POST_CODE)
    person = PersonFactory(
        first_name="Anna",
        surname="Smith",
        salutation=salutation,
        language=language,
        address="Main Street 1",
        post_code="1000",
        city="Home",
    )
    alt = ContactAltAddressFactory(
        contact=person, address="Harbour 9", post_code="9999", city="Port", country=city_first
    )
    ContactAltAddressDateRangeFactory(
        alt_address=alt, contact=person, starting_date=dt.date(2026, 1, 1), ending_date=None
    )
    on_alt = _letter(contact=person, date=dt.date(2026, 2, 1), email_body="Our offer.")
    on_home = _letter(contact=person, date=dt.date(2025, 6, 1), email_body="Older.")
    printed = _letter(delivered_at=timezone.now())
    _letter(is_postponed=True)
    _letter(is_canceled=True)
    InteractionLogEntryFactory(correspondence_type="email")
    # when
    response = client_.get(reverse("interactions:letters-to-print"))
    # then
    assert response.status_code == 200
    letters = {letter.entry.pk: letter for letter in response.context["letters"]}
    assert set(letters) == {on_alt.pk, on_home.pk}
    assert "Port 9999" in letters[on_alt.pk].address  # city + post code, alternate address
    assert "Cityland" in letters[on_alt.pk].address
    assert "1000 Home" in letters[on_home.pk].address  # default format: post code + city
    assert letters[on_alt.pk].salutation == "Dear Anna Smith,"
    assert letters[on_alt.pk].body == "Our offer."
    content = response.content.decode()
    assert "/static/css/letters.css" in content
    assert "page-break-after: always" in static_text("css/letters.css")
    assert printed.description not in content or printed.pk not in letters


def test_int21_mark_as_printed_removes_letters_and_sets_delivered_at(client_):
    """INT-21: "Mark as printed" sets delivered_at; printed letters leave the list."""
    # given
    first, second = _letter(), _letter()
    # when
    response = client_.post(
        reverse("interactions:letters-to-print"), {"entries": [first.pk]}, follow=True
    )
    # then
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.delivered_at is not None and second.delivered_at is None
    assert [letter.entry.pk for letter in response.context["letters"]] == [second.pk]


def test_int21_letter_body_rendered_from_language_row_when_entry_has_none():
    """INT-21: a hard-copy entry without a stored body prints its language row's body."""
    from interactions.letters import letter_for_entry, letters_to_print
    from tests.factories.interactions import InteractionTemplateLanguageFactory

    language = LanguageFactory()
    template = InteractionTemplateFactory(correspondence_type="hard_copy")
    InteractionTemplateLanguageFactory(
        template=template, language=language, email_body="Hi {{ contact.name }}"
    )
    contact = CompanyFactory(name="Acme")
    _letter(contact=contact, template=template, language=language)
    letter = letter_for_entry(letters_to_print().get())
    assert letter.body == "Hi Acme"


def test_letters_to_print_queries_do_not_grow(client_, django_assert_max_num_queries):
    for _i in range(10):
        _letter(contact=CompanyFactory(salutation=None))
    with django_assert_max_num_queries(12):
        response = client_.get(reverse("interactions:letters-to-print"))
    assert len(response.context["letters"]) == 10


def test_interaction_log_links_to_letters_to_print(client_):
    response = client_.get(reverse("interactions:index"))
    assert reverse("interactions:letters-to-print") in response.content.decode()


# -- cover sheets (INT-23) -----------------------------------------------------------------------


def test_int23_cover_sheet_page_without_logging(client_):
    """INT-23: sender, recipient address block, free text and remarks; nothing logged."""
    contact = CompanyFactory(name="Acme", address="Road 1", post_code="1234", city="Town")
    response = client_.post(
        reverse("interactions:cover-sheet") + f"?contact={contact.pk}",
        {"free_text": "Please sign.", "remarks": "Urgent"},
    )
    assert response.status_code == 200
    (sheet,) = response.context["sheets"]
    assert sheet.address[:3] == ["Acme", "Road 1", "1234 Town"]
    content = response.content.decode()
    assert "Please sign." in content and "Urgent" in content
    assert not InteractionLogEntry.objects.exists()


def test_int23_cover_sheet_logs_one_entry_per_contact(marketing_user):
    """INT-23: with "log interaction", one entry per contact with the cover_sheet template and
    document kind cover_sheet (service callable for a list of contacts, e.g. a segment)."""
    template = InteractionTemplateFactory(code="COVER")
    setup = InteractionTemplateSetup.load()
    setup.cover_sheet = template
    setup.save()
    contacts = [CompanyFactory(), CompanyFactory(), CompanyFactory(is_privacy_blocked=True)]
    entries = services.interaction_cover_sheets_log(
        user=marketing_user, contacts=contacts, skip_blocked=True
    )
    assert len(entries) == 2
    rows = InteractionLogEntry.objects.order_by("contact_id")
    assert [e.contact_id for e in rows] == [contacts[0].pk, contacts[1].pk]
    assert {(e.template_id, e.document_kind) for e in rows} == {(template.pk, "cover_sheet")}
    assert all(e.entry_no for e in rows)
    # a single blocked contact is refused (CON-52)
    with pytest.raises(ValidationError):
        services.interaction_cover_sheets_log(user=marketing_user, contacts=[contacts[2]])


def test_int23_cover_sheet_log_without_template_is_a_clear_error(client_):
    """INT-23: the cover_sheet slot blank → error, nothing logged."""
    contact = CompanyFactory()
    response = client_.post(
        reverse("interactions:cover-sheet") + f"?contact={contact.pk}", {"log_interaction": "on"}
    )
    assert response.status_code == 200
    assert "Set up a template for cover sheets" in response.content.decode()
    assert "sheets" not in response.context
    assert not InteractionLogEntry.objects.exists()


def test_int23_cover_sheet_unknown_contact_is_404(client_):
    assert client_.get(reverse("interactions:cover-sheet") + "?contact=0").status_code == 404


# -- e-mail body variables (4.1, SET-42) ---------------------------------------------------------


def test_i17_every_body_variable_renders_per_contact():
    """I-17 / SET-42: salutation_formal, salutation_informal, salesperson, campaign, segment and
    today render per contact."""
    language = LanguageFactory()
    salutation = SalutationFactory()
    SalutationFormulaFactory(salutation=salutation, language=language, formula="Dear %1 %3,")
    SalutationFormulaFactory(
        salutation=salutation,
        language=language,
        salutation_type="informal",
        formula="Hi %1",
        part_2="",
        part_3="",
    )
    anna = PersonFactory(
        first_name="Anna", surname="Smith", salutation=salutation, language=language
    )
    bob = PersonFactory(first_name="Bob", surname="Jones", salutation=salutation, language=language)
    salesperson = SalespersonFactory(
        name="Sam Seller", email="sam@example.test", phone="555", job_title="Manager"
    )
    campaign = CampaignFactory(description="Spring fair")
    body = (
        "{{ salutation_formal }}|{{ salutation_informal }}|{{ salesperson.name }} "
        "{{ salesperson.email }} {{ salesperson.phone }} {{ salesperson.job_title }}|"
        "{{ campaign.number }} {{ campaign.description }}|{{ segment.number }} "
        "{{ segment.description }}|{{ today|default:'' }}"
    )
    today = dt.date(2026, 3, 4)
    rendered = [
        email_body_render(
            body,
            email_body_context(
                contact=contact,
                salesperson=salesperson,
                campaign=campaign,
                segment={"number": "SEG-1", "description": "Fair visitors"},
                today=today,
            ),
        )
        for contact in (anna, bob)
    ]
    tail = (
        f"|Sam Seller sam@example.test 555 Manager|{campaign.number} Spring fair"
        f"|SEG-1 Fair visitors|{today}"
    )
    # the product's one date format of the language (crm/formats): 03/04/2026 in English
    assert rendered[0] == "Dear Anna Smith,|Hi Anna" + tail.replace(str(today), "03/04/2026")
    assert rendered[1].startswith("Dear Bob Jones,|Hi Bob|")


def test_i17_missing_formula_renders_empty_and_default_language_is_used():
    """SET-41/42: without a formula the salutation renders empty (the send goes on); a contact
    without language uses the installation's default language."""
    default = LanguageFactory()
    setup = MarketingSetup.load()
    setup.default_language = default
    setup.save()
    salutation = SalutationFactory()
    SalutationFormulaFactory(salutation=salutation, language=default, formula="Dear %3,")
    no_language = PersonFactory(surname="Doe", salutation=salutation, language=None)
    other_language = PersonFactory(salutation=salutation, language=LanguageFactory())
    context = email_body_context(contact=no_language)
    assert context["salutation_formal"] == "Dear Doe,"
    assert context["salutation_informal"] == ""
    context = email_body_context(contact=other_language)
    assert (context["salutation_formal"], context["campaign"], context["segment"]) == ("", {}, {})


# -- comments (INT-14) ---------------------------------------------------------------------------


def test_int14_comments_added_and_deleted_on_entry_page_with_htmx(client_):
    """INT-14: comments can be added to and deleted from a finished entry; the entry itself
    does not change."""
    entry = InteractionLogEntryFactory()
    before = InteractionLogEntry.objects.filter(pk=entry.pk).values().get()
    page = client_.get(reverse("interactions:entry-detail", args=[entry.pk]))
    assert page.status_code == 200
    url = reverse("interactions:entry-comment-add", args=[entry.pk])
    response = client_.post(url, {"comment": "Called back"}, HTTP_HX_REQUEST="true")
    client_.post(url, {"comment": "Second"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="comments"' in response.content.decode()
    assert "<html" not in response.content.decode()  # the fragment only
    rows = list(InteractionLogEntryComment.objects.filter(entry=entry).order_by("line_no"))
    assert [r.comment for r in rows] == ["Called back", "Second"]
    assert rows[0].line_no < rows[1].line_no and rows[0].date == timezone.localdate()
    response = client_.post(
        reverse("interactions:entry-comment-delete", args=[entry.pk, rows[0].pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(entry.comments.values_list("comment", flat=True)) == ["Second"]
    after = InteractionLogEntry.objects.filter(pk=entry.pk).values().get()
    assert before == after


def test_int14_empty_comment_rerenders_with_error(client_):
    entry = InteractionLogEntryFactory()
    response = client_.post(
        reverse("interactions:entry-comment-add", args=[entry.pk]),
        {"comment": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert not entry.comments.exists()


def test_int14_finished_entry_changes_only_whitelisted_fields():
    """INT-14: evaluation, canceled, opportunity and delivery fields change; nothing else."""
    entry = InteractionLogEntryFactory()
    services.interaction_entry_update(entry=entry, data={"evaluation": "positive"})
    entry.refresh_from_db()
    assert entry.evaluation == "positive"
    with pytest.raises(ValidationError, match="cannot change"):
        services.interaction_entry_update(entry=entry, data={"description": "Other"})
    entry.refresh_from_db()
    assert entry.description == "Call"


def test_comment_view_requires_change_permission(client, make_user):
    entry = InteractionLogEntryFactory()
    client.force_login(make_user("nobody"))
    response = client.post(
        reverse("interactions:entry-comment-add", args=[entry.pk]), {"comment": "x"}
    )
    assert response.status_code == 403
    assert not entry.comments.exists()


# -- delivery retries (SPEC 4.4) -----------------------------------------------------------------


def _queued_email_entry():
    return InteractionLogEntryFactory(
        correspondence_type="email",
        email_body="Hello",
        contact_via="to@example.test",
        delivery_status=DeliveryStatus.IN_PROGRESS,
    )


def test_i18_transient_smtp_error_is_retried_then_sent():
    """I-18 / 4.4: a transient error (dropped connection, 4xx) leaves the entry queued and the
    task asks Celery for a retry with backoff; the next attempt sends it."""
    entry = _queued_email_entry()
    options = interaction_deliver_task
    assert options.autoretry_for == (services.TransientDeliveryError,)
    assert (options.max_retries, options.retry_backoff) == (DELIVER_MAX_RETRIES, True)
    assert DELIVER_MAX_RETRIES == 5
    send = mock.Mock(side_effect=smtplib.SMTPServerDisconnected("connection lost"))
    with mock.patch("django.core.mail.EmailMessage.send", send), pytest.raises(Retry):
        interaction_deliver_task.apply(args=[entry.pk])  # eager tasks propagate the Retry
    entry.refresh_from_db()
    assert (entry.delivery_status, entry.delivered_at) == ("in_progress", None)
    # when: the retry succeeds
    result = interaction_deliver_task.apply(args=[entry.pk], retries=1)
    assert result.state == "SUCCESS"
    entry.refresh_from_db()
    assert entry.delivery_status == "" and entry.delivered_at is not None
    assert len(mail.outbox) == 1


def test_i18_transient_error_gives_up_after_max_retries_with_the_message():
    """4.4: on the last retry a transient error is stored as error with its message."""
    entry = _queued_email_entry()
    send = mock.Mock(side_effect=smtplib.SMTPResponseException(421, b"try later"))
    with mock.patch("django.core.mail.EmailMessage.send", send):
        result = interaction_deliver_task.apply(args=[entry.pk], retries=DELIVER_MAX_RETRIES)
    assert result.state == "SUCCESS"
    entry.refresh_from_db()
    assert entry.delivery_status == "error" and "try later" in entry.delivery_error


def test_i18_permanent_smtp_error_is_not_retried():
    """4.4: a 5xx reply is marked error at once, with the message."""
    entry = _queued_email_entry()
    send = mock.Mock(side_effect=smtplib.SMTPRecipientsRefused({"to@example.test": (550, b"no")}))
    with mock.patch("django.core.mail.EmailMessage.send", send):
        interaction_deliver_task.apply(args=[entry.pk])
    entry.refresh_from_db()
    assert send.call_count == 1
    assert entry.delivery_status == "error" and "550" in entry.delivery_error


def test_deliver_is_idempotent():
    """4.4: a duplicated message sends once (delivered_at set for this attempt)."""
    entry = _queued_email_entry()
    interaction_deliver_task.apply(args=[entry.pk])
    interaction_deliver_task.apply(args=[entry.pk])
    InteractionLogEntry.objects.filter(pk=entry.pk).update(delivery_status="in_progress")
    interaction_deliver_task.apply(args=[entry.pk])  # delivered_at still set: skipped
    assert len(mail.outbox) == 1


# -- statistics date range -----------------------------------------------------------------------


def test_statistics_default_to_the_last_12_months(client_):
    """10.x: without dates the page aggregates the last 12 months only."""
    today = timezone.localdate()
    InteractionLogEntryFactory(date=today)
    InteractionLogEntryFactory(date=today - dt.timedelta(days=400))
    response = client_.get(reverse("interactions:statistics"))
    assert response.status_code == 200
    form = response.context["form"]
    assert (
        form.cleaned_data["date_from"] == today.replace(year=today.year - 1) + dt.timedelta(days=1)
        or form.cleaned_data["date_from"] == selectors.statistics_default_range()["date_from"]
    )
    totals = sum(row["count"] for row in response.context["tables"][0][2])
    assert totals == 1
    response = client_.get(
        reverse("interactions:statistics"),
        {"date_from": (today - dt.timedelta(days=500)).isoformat(), "date_to": today.isoformat()},
    )
    assert sum(row["count"] for row in response.context["tables"][0][2]) == 2


def test_statistics_default_range_on_29_february():
    assert selectors.statistics_default_range(dt.date(2028, 2, 29)) == {
        "date_from": dt.date(2027, 3, 1),
        "date_to": dt.date(2028, 2, 29),
    }
