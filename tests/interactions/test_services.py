import datetime as dt
from decimal import Decimal
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import BulkJob, BulkJobStatus
from crm.services import bulk_job_create
from interactions import selectors, services
from interactions.models import (
    DeliveryStatus,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplateSetup,
)
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
    LanguageFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


def wizard_data(contact, template, user=None, **overrides):
    data = services.interaction_defaults(template=template, contact=contact, user=user)
    data.update(contact=contact, template=template, description="Meeting")
    data.update(overrides)
    return data


@pytest.fixture
def salesperson():
    return SalespersonFactory()


@pytest.fixture
def template():
    return InteractionTemplateFactory(
        unit_cost=Decimal("12.50"),
        unit_duration_min=Decimal("15"),
        information_flow="outbound",
        initiated_by="us",
        is_campaign_target=True,
        is_campaign_response=True,
        correspondence_type="hard_copy",
    )


def test_i1_new_interaction_takes_template_defaults_and_allows_overrides(
    user, template, salesperson
):
    """I-1: group, cost, duration, flow, initiated by, campaign flags and correspondence type
    come from the template; cost and duration can be changed before finishing (INT-5..8)."""
    # given
    contact = CompanyFactory(salesperson=salesperson)
    # when
    defaults = services.interaction_defaults(template=template, contact=contact, user=user)
    entry = services.interaction_create(
        user=user,
        data={
            **wizard_data(contact, template, user),
            "cost": Decimal("99"),
            "duration_min": Decimal("42"),
        },
    )
    # then
    assert defaults["cost"] == Decimal("12.50")
    assert defaults["duration_min"] == Decimal("15")
    assert defaults["salesperson"] == salesperson
    assert defaults["time"].second == 0
    entry.refresh_from_db()
    assert entry.group == template.group
    assert (entry.information_flow, entry.initiated_by) == ("outbound", "us")
    assert entry.is_campaign_target and entry.is_campaign_response
    assert entry.correspondence_type == "hard_copy"
    assert (entry.cost, entry.duration_min) == (Decimal("99"), Decimal("42"))
    assert entry.entry_no > 0
    assert entry.contact_company == contact


def test_int6_int7_language_and_correspondence_type(template):
    """INT-6/7: the contact's language when the template has a row for it; the contact's
    preferred correspondence type unless the template ignores it."""
    # given
    french, german = LanguageFactory(code="FR"), LanguageFactory(code="DE")
    InteractionTemplateLanguageFactory(template=template, language=french)
    template.default_language = french
    template.save()
    speaks_german = CompanyFactory(language=german, correspondence_type="email")
    # then
    assert services.interaction_language_id(template=template, contact=speaks_german) == french.pk
    assert (
        services.interaction_correspondence_type(template=template, contact=speaks_german)
        == "email"
    )
    template.ignore_contact_correspondence_type = True
    assert (
        services.interaction_correspondence_type(template=template, contact=speaks_german)
        == "hard_copy"
    )


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("salesperson", "salesperson"),
        ("template", "interaction template"),
        ("date", "date"),
        ("description", "description"),
        ("contact", "contact"),
    ],
)
def test_i2_finishing_without_required_field_fails_naming_it(
    user, template, salesperson, field, label
):
    """I-2: finishing without salesperson, template, date or description fails naming the
    field (INT-9)."""
    # given
    data = wizard_data(CompanyFactory(), template, salesperson=salesperson)
    data[field] = None if field != "description" else ""
    # when / then
    with pytest.raises(ValidationError, match=f"You must fill in {label}.") as exc:
        services.interaction_create(user=user, data=data)
    assert field in exc.value.message_dict
    assert not InteractionLogEntry.objects.exists()


def test_i3_email_without_attachment_or_body_fails(user, salesperson):
    """I-3: correspondence type e-mail without attachment or body fails at finish (INT-10)."""
    # given
    template = InteractionTemplateFactory(correspondence_type="email")
    data = wizard_data(CompanyFactory(), template, salesperson=salesperson, email_body="")
    # when / then
    with pytest.raises(ValidationError, match="needs an attachment or an e-mail body"):
        services.interaction_create(user=user, data=data)
    assert not InteractionLogEntry.objects.exists()


def test_int10_email_needs_an_address(user, salesperson):
    """INT-10: the contact must have an e-mail address."""
    template = InteractionTemplateFactory(correspondence_type="email")
    contact = CompanyFactory(email="")
    data = wizard_data(contact, template, salesperson=salesperson, email_body="Hi")
    with pytest.raises(ValidationError, match="has no e-mail address"):
        services.interaction_create(user=user, data=data)


def test_int10_open_mode_needs_the_language_attachment(user, salesperson):
    """INT-10: attachment mode open requires an attachment on the language row."""
    template = InteractionTemplateFactory(attachment_mode="open")
    row = InteractionTemplateLanguageFactory(template=template)
    template.default_language = row.language
    template.save()
    data = wizard_data(CompanyFactory(), template, salesperson=salesperson)
    with pytest.raises(ValidationError, match="has no attachment"):
        services.interaction_create(user=user, data=data)


def test_con52_privacy_blocked_contact_is_refused(user, template, salesperson):
    """CON-52: an interaction for a privacy-blocked contact (or its company) is refused."""
    company = CompanyFactory(is_privacy_blocked=True)
    person = PersonFactory(company=company)
    for contact in (company, person):
        with pytest.raises(ValidationError, match="is blocked due to privacy"):
            services.interaction_create(
                user=user, data=wizard_data(contact, template, salesperson=salesperson)
            )


def test_i4_failed_attempt_counts_for_last_attempt_only(user, template, salesperson):
    """I-4: clearing "successful" sets attempt_failed; the date of last interaction ignores it,
    the last date attempted includes it when initiated by us (INT-11, 10.2)."""
    # given
    contact = CompanyFactory()
    earlier = timezone.localdate() - dt.timedelta(days=10)
    services.interaction_create(
        user=user, data=wizard_data(contact, template, salesperson=salesperson, date=earlier)
    )
    # when
    entry = services.interaction_create(
        user=user,
        data=wizard_data(contact, template, salesperson=salesperson, is_successful=False),
    )
    # then
    assert entry.attempt_failed is True
    stats = selectors.contact_interaction_statistics(contact=contact)
    assert stats["last_interaction_date"] == earlier
    assert stats["last_date_attempted"] == timezone.localdate()


def test_i5_postponed_entry_only_on_postponed_page_and_resumed_today(user, template, salesperson):
    """I-5: cancelling the wizard with "later" stores a postponed entry, shown only under
    postponed interactions and absent from statistics; resume reopens it dated today, and
    finishing turns the same entry into a regular one (INT-12)."""
    # given
    contact = CompanyFactory()
    old = timezone.localdate() - dt.timedelta(days=3)
    # when: postponed with a required field still empty
    entry = services.interaction_create(
        user=user,
        postpone=True,
        data=wizard_data(contact, template, salesperson=None, date=old, description="Later"),
    )
    # then
    assert entry.is_postponed
    assert list(selectors.interaction_entry_list(postponed=True)) == [entry]
    assert not selectors.interaction_entry_list().exists()
    assert selectors.contact_interaction_statistics(contact=contact)["count"] == 0
    assert selectors.contact_interaction_statistics(contact=contact)["last_date_attempted"] is None
    # when: resumed
    values = services.interaction_resume_values(entry=entry)
    assert values["date"] == timezone.localdate()
    assert values["description"] == "Later"
    values.update(salesperson=salesperson)
    finished = services.interaction_create(user=user, data=values, entry=entry)
    # then
    assert finished.pk == entry.pk
    assert not finished.is_postponed
    assert finished.date == timezone.localdate()
    assert selectors.contact_interaction_statistics(contact=contact)["count"] == 1


def test_int12_deleting_a_postponed_entry_is_allowed_only_for_postponed(user):
    postponed = InteractionLogEntryFactory(is_postponed=True)
    regular = InteractionLogEntryFactory()
    services.interaction_postponed_delete(entry=postponed)
    assert not InteractionLogEntry.objects.filter(pk=postponed.pk).exists()
    with pytest.raises(ValidationError, match="is not postponed"):
        services.interaction_postponed_delete(entry=regular)


def test_i6_statistics_ignore_canceled_and_postponed(salesperson):
    """I-6: contact, salesperson and group/template statistics ignore canceled and postponed
    entries (10.1). (Campaign statistics belong to the campaigns issue.)"""
    # given
    contact = CompanyFactory()
    template = InteractionTemplateFactory()
    common = {
        "contact": contact,
        "salesperson": salesperson,
        "template": template,
        "cost": Decimal("10"),
        "duration_min": Decimal("3"),
    }
    InteractionLogEntryFactory(**common)
    InteractionLogEntryFactory(**common, is_canceled=True)
    InteractionLogEntryFactory(**common, is_postponed=True)
    # when
    figures = [
        selectors.contact_interaction_statistics(contact=contact),
        selectors.salesperson_interaction_statistics(salesperson=salesperson),
        selectors.interaction_template_statistics(template=template),
        selectors.interaction_group_statistics(group=template.group),
    ]
    # then
    for stats in figures:
        assert (stats["count"], stats["cost"], stats["duration"]) == (
            1,
            Decimal("10"),
            Decimal("3"),
        )
    assert figures[1]["avg_cost"] == Decimal("10")
    rows = selectors.interaction_statistics_by(dimension="template")
    assert [(r["template__code"], r["count"]) for r in rows] == [(template.code, 1)]


def test_i7_company_counts_include_its_persons(user, template, salesperson):
    """I-7: a company's interaction count includes its persons'; a person's only its own."""
    # given
    company = CompanyFactory()
    person = PersonFactory(company=company)
    other_person = PersonFactory(company=company)
    for contact in (company, person, other_person):
        services.interaction_create(
            user=user, data=wizard_data(contact, template, salesperson=salesperson)
        )
    # then
    assert selectors.contact_interaction_statistics(contact=company)["count"] == 3
    assert selectors.contact_interaction_statistics(contact=person)["count"] == 1
    assert InteractionLogEntry.objects.filter(contact_company=company).count() == 3


def test_int24_independent_person_is_its_own_company(user, template, salesperson):
    """INT-24: an independent person's entries carry itself as contact_company."""
    person = PersonFactory(company=None)
    entry = services.interaction_create(
        user=user, data=wizard_data(person, template, salesperson=salesperson)
    )
    assert entry.contact_company_id == person.pk


def test_i8_cancel_and_uncancel():
    """I-8: entries can be canceled and un-canceled (INT-15). The logged-segment check needs
    the segments area (later issue)."""
    # given
    entries = InteractionLogEntryFactory.create_batch(2)
    ids = [e.pk for e in entries]
    # when / then
    assert services.interactions_cancel(entry_ids=ids, cancel=True) == 2
    assert InteractionLogEntry.objects.filter(is_canceled=True).count() == 2
    assert services.interactions_cancel(entry_ids=ids[:1], cancel=False) == 1
    assert (
        list(InteractionLogEntry.objects.filter(is_canceled=True).values_list("pk", flat=True))
        == ids[1:]
    )


def test_int15_cancel_can_delete_an_unshared_attachment():
    from interactions.models import Attachment

    own = Attachment.objects.create(file_name="a.txt")
    shared = Attachment.objects.create(file_name="b.txt")
    first = InteractionLogEntryFactory(attachment=own)
    second = InteractionLogEntryFactory(attachment=shared)
    InteractionLogEntryFactory(attachment=shared)
    services.interactions_cancel(entry_ids=[first.pk, second.pk], delete_attachments=True)
    assert not Attachment.objects.filter(pk=own.pk).exists()
    assert Attachment.objects.filter(pk=shared.pk).exists()


def test_i9_delete_canceled_removes_only_canceled(user, django_capture_on_commit_callbacks):
    """I-9: "Delete canceled interactions" removes only canceled entries, with their comments
    (INT-16), as a bulk job."""
    # given
    canceled = InteractionLogEntryFactory(is_canceled=True)
    InteractionLogEntryComment.objects.create(
        entry=canceled, line_no=1, date=timezone.localdate(), comment="x"
    )
    kept = InteractionLogEntryFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job = services.interactions_delete_canceled_start(user=user, filters={})
    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED
    assert job.result == {"deleted": 1}
    assert list(InteractionLogEntry.objects.all()) == [kept]
    assert not InteractionLogEntryComment.objects.exists()


def test_i9_delete_canceled_respects_filters(user):
    contact = CompanyFactory()
    InteractionLogEntryFactory(is_canceled=True, contact=contact)
    other = InteractionLogEntryFactory(is_canceled=True)
    job = bulk_job_create(kind="x", params={"contact": contact.pk})
    assert services.interactions_delete_canceled(job_id=job.pk) == 1
    assert list(InteractionLogEntry.objects.all()) == [other]


def test_i10_evaluate_sets_value_on_selected_entries():
    """I-10: Evaluate sets the chosen value on all selected entries (INT-17)."""
    chosen = InteractionLogEntryFactory.create_batch(2)
    other = InteractionLogEntryFactory()
    services.interactions_evaluate(entry_ids=[e.pk for e in chosen], evaluation="positive")
    assert set(InteractionLogEntry.objects.values_list("evaluation", flat=True)) == {"positive", ""}
    other.refresh_from_db()
    assert other.evaluation == ""
    with pytest.raises(ValidationError):
        services.interactions_evaluate(entry_ids=[other.pk], evaluation="great")


def test_i16_phone_call_needs_the_outgoing_call_slot(user, salesperson):
    """I-16: logging a phone call needs the outgoing_call slot and stores the number used in
    contact_via (INT-22)."""
    contact = CompanyFactory(salesperson=salesperson, phone="+33 1 23")
    with pytest.raises(ValidationError, match="Set up a template for outgoing calls"):
        services.interaction_log_phone_call(user=user, contact=contact, phone=contact.phone)
    setup = InteractionTemplateSetup.load()
    setup.outgoing_call = InteractionTemplateFactory(code="CALL", description="Phone call")
    setup.save()
    entry = services.interaction_log_phone_call(
        user=user,
        contact=contact,
        phone=contact.phone,
        is_successful=False,
        duration_min=Decimal("7"),
    )
    entry.refresh_from_db()
    assert entry.contact_via == "+33 1 23"
    assert entry.template.code == "CALL"
    assert entry.attempt_failed
    assert entry.duration_min == Decimal("7")


def test_i17_body_renders_per_contact_and_syntax_error_refused(salesperson):
    """I-17: an e-mail body `Dear {{ contact.first_name }}` renders per contact; an unknown
    variable renders empty; a syntax error is refused on save."""
    # given
    template = InteractionTemplateFactory(attachment_mode="merge")
    language = LanguageFactory()
    row = services.interaction_template_language_save(
        template=template,
        language=language,
        data={
            "email_subject": "Hi",
            "email_body": "Dear {{ contact.first_name }}{{ nothing.here }}!",
        },
    )
    template.default_language = language
    template.save()
    # when
    jo = PersonFactory(first_name="Jo<b>")
    al = PersonFactory(first_name="Al")
    # then
    assert services.interaction_defaults(template=template, contact=jo)["email_body"] == (
        "Dear Jo&lt;b&gt;!"
    )
    assert services.interaction_defaults(template=template, contact=al)["email_body"] == (
        "Dear Al!"
    )
    with pytest.raises(ValidationError, match="Template syntax error"):
        services.interaction_template_language_save(
            template=template,
            language=language,
            row=row,
            data={"email_body": "Dear {% if contact.name %}x"},
        )
    with pytest.raises(ValidationError, match="is not allowed"):
        services.interaction_template_language_save(
            template=template,
            language=language,
            row=row,
            data={"email_body": "{% include 'base.html' %}"},
        )
    row.refresh_from_db()
    assert row.email_body == "Dear {{ contact.first_name }}{{ nothing.here }}!"


def test_int2_default_language_needs_a_row_and_deleting_it_clears():
    """INT-2."""
    template = InteractionTemplateFactory()
    language = LanguageFactory()
    with pytest.raises(ValidationError, match="default language must have a language row"):
        services.interaction_template_update(template=template, data={"default_language": language})
    row = InteractionTemplateLanguageFactory(template=template, language=language)
    services.interaction_template_update(template=template, data={"default_language": language})
    services.interaction_template_language_delete(row=row)
    template.refresh_from_db()
    assert template.default_language is None


def test_int1_negative_cost_refused():
    """INT-1."""
    template = InteractionTemplateFactory()
    with pytest.raises(ValidationError):
        services.interaction_template_update(template=template, data={"unit_cost": -1})


def _email_entry(user, salesperson):
    template = InteractionTemplateFactory(correspondence_type="email")
    contact = CompanyFactory(email="to@example.test")
    return services.interaction_create(
        user=user,
        data=wizard_data(
            contact, template, salesperson=salesperson, email_body="Hello", subject="Subj"
        ),
    )


def test_i18_email_sent_after_commit_error_recorded_and_resend(
    user, salesperson, django_capture_on_commit_callbacks
):
    """I-18: an e-mail interaction is sent after commit; an SMTP failure sets delivery status
    error with the message; Resend sends again (INT-20/21)."""
    # when: nothing is sent before the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entry = _email_entry(user, salesperson)
    assert mail.outbox == []
    assert entry.delivery_status == DeliveryStatus.IN_PROGRESS
    for callback in callbacks:
        callback()
    # then
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["to@example.test"]
    entry.refresh_from_db()
    assert entry.delivery_status == "" and entry.delivered_at is not None
    # when: SMTP fails on resend
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=SMTPException("boom")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.interaction_resend(entry=entry)
    entry.refresh_from_db()
    assert (entry.delivery_status, entry.delivery_error) == ("error", "boom")
    # when: resend again
    with django_capture_on_commit_callbacks(execute=True):
        services.interaction_resend(entry=entry)
    entry.refresh_from_db()
    assert entry.delivery_status == ""
    assert len(mail.outbox) == 2


def test_upload_attachment_is_stored(user, salesperson):
    template = InteractionTemplateFactory(correspondence_type="", attachment_mode="upload")
    data = wizard_data(
        CompanyFactory(),
        template,
        salesperson=salesperson,
        attachment_file=SimpleUploadedFile("offer.txt", b"offer"),
    )
    entry = services.interaction_create(user=user, data=data)
    assert entry.attachment.file_name == "offer.txt"
    assert entry.attachment.is_read_only


def test_bulk_log_is_set_based_idempotent_and_skips_blocked(
    user, salesperson, django_assert_max_num_queries
):
    """Bulk logging inserts one entry per contact, twice run gives one effect, and a job
    resumes after the last contact logged."""
    # given
    template = InteractionTemplateFactory()
    contacts = [CompanyFactory(salesperson=salesperson) for _ in range(7)]
    blocked = CompanyFactory(is_privacy_blocked=True)
    ids = [c.pk for c in [*contacts, blocked]]
    job = bulk_job_create(
        kind="interactions_bulk_log",
        params={
            "template_id": template.pk,
            "description": "Mailing",
            "date": "2026-01-05",
            "contact_ids": ids,
            "segment_number": "SEG1",
            "user_id": user.pk,
        },
    )
    # when: a first run stops after one batch of 3 (as if the worker died)
    assert services.interactions_bulk_log(job_id=job.pk, batch_size=3, max_batches=1) is True
    assert InteractionLogEntry.objects.count() == 3
    # when: resumed, then run again
    with django_assert_max_num_queries(30):  # a fixed number per batch, none per row
        services.interactions_bulk_log(job_id=job.pk, batch_size=3)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJobStatus.RUNNING)
    services.interactions_bulk_log(job_id=job.pk, batch_size=3)
    # then
    entries = InteractionLogEntry.objects.filter(bulk_job=job)
    assert entries.count() == 7
    assert not entries.filter(contact=blocked).exists()
    entry = entries.get(contact=contacts[0])
    assert entry.salesperson == salesperson
    assert entry.cost == template.unit_cost
    assert entry.segment_number == "SEG1"
    assert entry.date == dt.date(2026, 1, 5)
    assert entry.contact_company == contacts[0]
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED
    assert job.result == {"logged": 7, "skipped": 1}
    assert job.done == job.total == 8


def test_bulk_log_from_a_queryset(user, django_capture_on_commit_callbacks):
    from contacts.models import Contact

    template = InteractionTemplateFactory()
    wanted = [CompanyFactory(city="Lyon") for _ in range(2)]
    CompanyFactory(city="Paris")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.interactions_bulk_log_start(
            user=user,
            template=template,
            contact_queryset=Contact.objects.filter(city="Lyon"),
        )
    assert set(
        InteractionLogEntry.objects.filter(bulk_job=job).values_list("contact_id", flat=True)
    ) == {c.pk for c in wanted}


def test_int4_document_slots_take_only_templates_without_languages():
    """INT-4: a template with language rows is refused in the document and call slots."""
    plain = InteractionTemplateFactory()
    with_language = InteractionTemplateLanguageFactory().template
    setup = services.interaction_template_setup_update(data={"sales_invoice": plain})
    assert setup.sales_invoice == plain
    with pytest.raises(ValidationError, match="must not have languages"):
        services.interaction_template_setup_update(data={"outgoing_call": with_language})
    setup = services.interaction_template_setup_update(data={"meeting_invitation": with_language})
    assert setup.meeting_invitation == with_language


def test_demo_seed_is_idempotent():
    from interactions import demo

    CompanyFactory.create_batch(3)
    first = demo.seed(contacts=3, stdout=None)
    count = InteractionLogEntry.objects.count()
    second = demo.seed(contacts=3, stdout=None)
    assert count == 9
    assert InteractionLogEntry.objects.count() == count
    assert "9 interactions added" in first and "0 interactions added" in second
