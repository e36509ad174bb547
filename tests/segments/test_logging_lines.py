import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import CampaignEntry
from campaigns.services import campaign_activate
from crm.models import BulkJob
from crm.services import bulk_job_create
from interactions.models import InteractionLogEntry
from opportunities.models import Opportunity, Task
from segments.models import LoggedSegment, Segment, SegmentLine
from segments.services import (
    logged_segment_resend,
    logged_segment_set_canceled,
    logged_segments_delete_canceled,
    logged_segments_delete_canceled_start,
    segment_activity_assign,
    segment_line_add,
    segment_line_delete,
    segment_log,
    segment_opportunities_create,
    segment_opportunities_create_start,
    segment_opportunity_campaign_check,
    segment_reuse_logged_start,
    segment_tasks_create,
    segment_update,
)
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionGroupFactory, InteractionTemplateFactory
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    SalesCycleFactory,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_segment(new_segment):
    template = InteractionTemplateFactory(code="MAIL", correspondence_type="email")
    return new_segment(template=template, salesperson=SalespersonFactory())


def _line(segment, contact):
    segment_line_add(segment=segment, contact=contact)
    return SegmentLine.objects.get(segment=segment, contact=contact)


def test_seg41_each_interaction_copies_its_line(mail_segment, marketing_user):
    """SEG-41/SG-19: one interaction per line copying the LINE's values (template, group,
    cost, duration, subject, description, language, correspondence type, salesperson,
    campaign flags, date/time), with segment number and logged segment; duplicate contacts
    give one interaction per line."""
    company = CompanyFactory(email="a@example.com")
    person = PersonFactory(email="p@example.com")
    first, second = _line(mail_segment, company), _line(mail_segment, person)
    other_template = InteractionTemplateFactory(code="CALL", correspondence_type="hard_copy")
    group = InteractionGroupFactory()
    salesperson = SalespersonFactory()
    campaign = CampaignFactory()
    SegmentLine.objects.filter(pk=second.pk).update(
        template=other_template,
        group=group,
        cost=Decimal("7.50"),
        duration_min=Decimal(12),
        subject="Line subject",
        description="Line description",
        correspondence_type="hard_copy",
        salesperson=salesperson,
        campaign=campaign,
        is_campaign_target=True,
        is_campaign_response=True,
        date=dt.date(2024, 5, 6),
        time=dt.time(9, 30),
    )
    logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user)
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    assert entries.count() == 2
    copied = entries.get(contact=person)
    assert copied.template == other_template
    assert copied.group == group
    assert copied.cost == Decimal("7.50") and copied.duration_min == Decimal(12)
    assert copied.subject == "Line subject" and copied.description == "Line description"
    assert copied.correspondence_type == "hard_copy"
    assert copied.salesperson == salesperson
    assert copied.campaign == campaign and copied.is_campaign_target
    assert copied.is_campaign_response
    assert copied.date == dt.date(2024, 5, 6) and copied.time == dt.time(9, 30)
    assert copied.segment_number == logged.segment_number
    plain = entries.get(contact=company)
    assert plain.template_id == first.template_id and plain.campaign_id is None
    # "send" not chosen: the e-mail line is logged with a blank correspondence type (SEG-40)
    assert plain.correspondence_type == ""
    assert plain.campaign_entry_id is None


def test_seg41_cmp10_one_campaign_entry_per_campaign(mail_segment, marketing_user):
    """SEG-41/CMP-10/SG-19: one campaign entry per campaign of the lines, for the logged
    segment, stored on its interactions."""
    k1, k2 = CampaignFactory(), CampaignFactory()
    contacts = [CompanyFactory(), CompanyFactory(), CompanyFactory()]
    lines = [_line(mail_segment, c) for c in contacts]
    SegmentLine.objects.filter(pk__in=[lines[0].pk, lines[1].pk]).update(campaign=k1)
    SegmentLine.objects.filter(pk=lines[2].pk).update(campaign=k2)
    logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user)
    entries = CampaignEntry.objects.filter(logged_segment_entry_no=logged.entry_no)
    assert sorted(entries.values_list("campaign_id", flat=True)) == sorted([k1.pk, k2.pk])
    assert set(entries.values_list("segment_number", flat=True)) == {logged.segment_number}
    for entry in entries:
        logged_entries = InteractionLogEntry.objects.filter(campaign_entry=entry)
        assert set(logged_entries.values_list("campaign_id", flat=True)) == {entry.campaign_id}
    assert InteractionLogEntry.objects.filter(campaign_entry__campaign=k1).count() == 2


def test_sg21_send_names_contact_and_queues_delivery(
    mail_segment, marketing_user, django_capture_on_commit_callbacks, mailoutbox
):
    """SG-21/SEG-40/INT-21: with "send", an e-mail line without an address fails naming the
    contact; otherwise delivery is queued after commit for the e-mail lines."""
    missing = CompanyFactory(email="", name="No Mail Ltd")
    line = _line(mail_segment, missing)
    with pytest.raises(ValidationError, match="No Mail Ltd"):
        segment_log(segment=mail_segment, user=marketing_user, send=True)
    segment_line_delete(line=line)
    _line(mail_segment, CompanyFactory(email="ok@example.com"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user, send=True)
    entry = InteractionLogEntry.objects.get(logged_segment=logged)
    assert entry.correspondence_type == "email"
    assert len(callbacks) >= 1
    entry.refresh_from_db()
    assert entry.delivered_at is not None
    assert mailoutbox[-1].to == ["ok@example.com"]


def test_sg20_follow_up_keeps_campaign(mail_segment, marketing_user):
    """SG-20/SEG-42: the follow-up segment has the same campaign and one line per contact."""
    campaign = CampaignFactory()
    segment_update(segment=mail_segment, data={"campaign": campaign}, update_lines=True)
    mail_segment.refresh_from_db()
    contact = CompanyFactory()
    _line(mail_segment, contact)
    _line(mail_segment, CompanyFactory())
    logged, _job, follow = segment_log(segment=mail_segment, user=marketing_user, follow_up=True)
    assert follow.campaign == campaign
    assert follow.description == f"Follow-up on segment {logged.segment_number}"
    assert follow.lines.count() == 2
    assert set(follow.lines.values_list("campaign_id", flat=True)) == {campaign.pk}


def test_sg22_cancel_applies_to_interactions_and_campaign_entries(mail_segment, marketing_user):
    """SG-22/SEG-43: canceling a logged segment cancels all its interactions and campaign
    entries; un-canceling restores them; only canceled ones are deleted and their
    interactions stay, canceled."""
    campaign = CampaignFactory()
    segment_update(segment=mail_segment, data={"campaign": campaign}, update_lines=True)
    mail_segment.refresh_from_db()
    _line(mail_segment, CompanyFactory())
    _line(mail_segment, CompanyFactory())
    logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user)
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    campaign_entries = CampaignEntry.objects.filter(logged_segment_entry_no=logged.entry_no)
    assert campaign_entries.count() == 1
    assert logged_segment_set_canceled(logged=logged, is_canceled=True) == 2
    assert not entries.filter(is_canceled=False).exists()
    assert not campaign_entries.filter(is_canceled=False).exists()
    logged_segment_set_canceled(logged=logged, is_canceled=False)
    assert not entries.filter(is_canceled=True).exists()
    assert not campaign_entries.filter(is_canceled=True).exists()
    # delete: only canceled logged segments go
    other = LoggedSegment.objects.create(segment_number="OTHER-1", description="x")
    logged_segment_set_canceled(logged=logged, is_canceled=True)
    ids = list(entries.values_list("pk", flat=True))
    job = logged_segments_delete_canceled_start(user=marketing_user)
    assert logged_segments_delete_canceled(job_id=job.pk) == 1
    assert not LoggedSegment.objects.filter(pk=logged.pk).exists()
    assert LoggedSegment.objects.filter(pk=other.pk).exists()
    kept = InteractionLogEntry.objects.filter(pk__in=ids)
    assert kept.count() == 2 and not kept.filter(is_canceled=False).exists()
    assert BulkJob.objects.get(pk=job.pk).result == {"deleted": 1}


def test_seg43_resend_requeues_email_interactions(
    mail_segment, marketing_user, django_capture_on_commit_callbacks, mailoutbox
):
    """SEG-43/INT-20: "Resend" re-delivers the logged segment's e-mail interactions."""
    _line(mail_segment, CompanyFactory(email="r@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user, send=True)
    InteractionLogEntry.objects.filter(logged_segment=logged).update(email_body="Hello")
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert logged_segment_resend(logged=logged) == 1
    assert len(mailoutbox) == sent + 1


def test_sg23_reuse_logged_segment(
    mail_segment, new_segment, marketing_user, django_capture_on_commit_callbacks
):
    """SG-23/SEG-27: "Reuse segment" appends the contacts of a logged segment's interactions,
    skipping contacts already on the segment."""
    a, b = CompanyFactory(), CompanyFactory()
    _line(mail_segment, a)
    _line(mail_segment, b)
    logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user)
    target = new_segment(description="Reuse")
    _line(target, a)
    with django_capture_on_commit_callbacks(execute=True):
        job = segment_reuse_logged_start(segment=target, logged=logged, user=marketing_user)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert sorted(target.lines.values_list("contact_id", flat=True)) == sorted([a.pk, b.pk])


@pytest.fixture
def opportunity_setup(db):
    setup = number_series_setup()
    setup.default_sales_cycle = SalesCycleFactory()
    setup.save()
    return setup


def test_sg26_opportunity_per_line_in_batches(
    mail_segment, marketing_user, opportunity_setup, django_capture_on_commit_callbacks
):
    """SG-26/SEG-53/OPP-21: one opportunity per line with the segment's description,
    salesperson, number and default cycle; the job runs in committed batches and resumes."""
    contacts = [CompanyFactory() for _ in range(5)]
    for contact in contacts:
        _line(mail_segment, contact)
    with django_capture_on_commit_callbacks(execute=True):
        job = segment_opportunities_create_start(segment=mail_segment, user=marketing_user)
    created = Opportunity.objects.filter(segment_number=mail_segment.number)
    assert created.count() == 5
    assert set(created.values_list("contact_id", flat=True)) == {c.pk for c in contacts}
    opportunity = created.first()
    assert opportunity.description == mail_segment.description
    assert opportunity.salesperson == mail_segment.salesperson
    assert opportunity.sales_cycle == opportunity_setup.default_sales_cycle
    job.refresh_from_db()
    assert job.result["created"] == 5
    Segment.objects.filter(pk=mail_segment.pk).update(running_job=None)
    job2 = bulk_job_create(kind="segment_create_opportunities", target=mail_segment)
    assert segment_opportunities_create(job_id=job2.pk, batch_size=2, max_batches=1) is True
    assert segment_opportunities_create(job_id=job2.pk, batch_size=2) is False
    job2.refresh_from_db()
    assert job2.result["created"] == 5 and created.count() == 10


def test_opp6_segment_and_campaign_must_match(mail_segment, opportunity_setup):
    """OPP-6: with a segment and a campaign, the segment's campaign must be the same."""
    k1, k2 = CampaignFactory(), CampaignFactory()
    segment_update(segment=mail_segment, data={"campaign": k1})
    mail_segment.refresh_from_db()
    segment_opportunity_campaign_check(segment=mail_segment, campaign=k1)
    with pytest.raises(ValidationError, match="differs"):
        segment_opportunity_campaign_check(segment=mail_segment, campaign=k2)


def test_t8_tsk15_one_task_per_segment_contact(mail_segment, marketing_user, opportunity_setup):
    """T-8/TSK-15/SEG-54: a task created with a segment yields one task per contact."""
    contacts = [CompanyFactory(), PersonFactory()]
    for contact in contacts:
        _line(mail_segment, contact)
    tasks = segment_tasks_create(
        segment=mail_segment,
        user=marketing_user,
        data={"description": "Call back", "date": dt.date(2024, 3, 1)},
    )
    assert len(tasks) == 2
    stored = Task.objects.filter(segment_number=mail_segment.number)
    assert set(stored.values_list("contact_id", flat=True)) == {c.pk for c in contacts}
    assert set(stored.values_list("salesperson_id", flat=True)) == {mail_segment.salesperson_id}


def test_tsk30_activity_per_segment_contact(mail_segment, opportunity_setup):
    """TSK-30/SEG-54: assigning an activity to a segment creates one set per contact."""
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity, description="call", date_formula="0D")
    ActivityStepFactory(activity=activity, description="letter", date_formula="1W")
    for contact in (CompanyFactory(), CompanyFactory()):
        _line(mail_segment, contact)
    tasks = segment_activity_assign(
        segment=mail_segment, activity=activity, start_date=dt.date(2024, 3, 1)
    )
    assert len(tasks) == 4
    dates = sorted({t.date for t in tasks})
    assert dates == [dt.date(2024, 3, 1), dt.date(2024, 3, 8)]


def test_ca10_real_segment_lines_keep_group_current(new_segment, campaign_ready):
    """CA-10/CMP-23 on real segment lines: while activated, a new target line for a new
    company adds its row; deleting that company's last target line removes it; clearing the
    header's target flag on the lines removes it too."""
    campaign = campaign_ready
    segment = new_segment(campaign=campaign, is_campaign_target=True)
    first = CompanyFactory()
    _line(segment, first)
    campaign_activate(campaign=campaign, activate_without_prices=True)
    assert campaign.target_groups.filter(number=first.number).exists()
    company = CompanyFactory()
    p1, p2 = PersonFactory(company=company), PersonFactory(company=company)
    line1, line2 = _line(segment, p1), _line(segment, p2)
    assert campaign.target_groups.filter(number=company.number).count() == 1
    segment_line_delete(line=line1)
    assert campaign.target_groups.filter(number=company.number).exists()
    segment_line_delete(line=line2)
    assert not campaign.target_groups.filter(number=company.number).exists()
    assert campaign.target_groups.filter(number=first.number).exists()
    segment.refresh_from_db()
    segment_update(segment=segment, data={"is_campaign_target": False}, update_lines=True)
    assert not campaign.target_groups.exists()


@pytest.fixture
def campaign_ready(db):
    from campaigns.models import Campaign

    campaign = CampaignFactory()
    Campaign.objects.filter(pk=campaign.pk).update(
        starting_date=dt.date(2000, 1, 1), ending_date=dt.date(2100, 1, 1)
    )
    return Campaign.objects.get(pk=campaign.pk)


def test_seg8_last_line_delete_may_clear_criteria(mail_segment):
    """SEG-8: deleting the last line with "clear" also clears criteria actions and history."""
    line = _line(mail_segment, CompanyFactory())
    segment_line_delete(line=line, clear_criteria=True)
    assert not mail_segment.criteria_actions.exists()
    assert not mail_segment.history.exists()
    kept = _line(mail_segment, CompanyFactory())
    segment_line_delete(line=kept)
    assert mail_segment.criteria_actions.count() == 2


def test_segment_header_optimistic_locking(mail_segment):
    """SEG-3 edit with crm.concurrency: a save against an older version is refused."""
    from crm.concurrency import version_token

    token = version_token(mail_segment)
    segment_update(segment=mail_segment, data={"description": "First"}, expected_version=token)
    with pytest.raises(ValidationError, match="Someone else saved"):
        segment_update(segment=mail_segment, data={"description": "Second"}, expected_version=token)


def test_seg41_logged_interactions_share_a_read_only_attachment_per_language(
    mail_segment, marketing_user
):
    """SEG-41 "attachments become read-only": the language row's file is attached to every
    interaction of that language, as one read-only Attachment; lines of another language get
    none."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from interactions.models import Attachment
    from segments.models import SegmentInteractionLanguage
    from tests.factories.setup import LanguageFactory

    french, english = LanguageFactory(code="FRA"), LanguageFactory(code="ENU")
    row = SegmentInteractionLanguage.objects.create(
        segment=mail_segment,
        language=french,
        attachment=SimpleUploadedFile("offer.pdf", b"%PDF-1.4 offer"),
    )
    lines = [_line(mail_segment, CompanyFactory(email=f"c{i}@example.com")) for i in range(3)]
    SegmentLine.objects.filter(pk__in=[lines[0].pk, lines[1].pk]).update(language=french)
    SegmentLine.objects.filter(pk=lines[2].pk).update(language=english)

    logged, _job, _follow = segment_log(segment=mail_segment, user=marketing_user)

    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    with_file = entries.filter(language=french)
    assert with_file.count() == 2
    assert {e.attachment_id for e in with_file} == {Attachment.objects.get().pk}
    attachment = Attachment.objects.get()
    assert attachment.is_read_only
    assert attachment.file.name == row.attachment.name
    assert attachment.file.read() == b"%PDF-1.4 offer"
    assert entries.get(language=english).attachment_id is None
