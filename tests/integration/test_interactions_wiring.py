"""Interactions wired to opportunities, tasks and campaigns (INT-15/18, TSK-24, CMP-10/11/12/23,
OPP-5)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import CampaignEntry, CampaignTargetGroup
from campaigns.services import (
    campaign_entries_set_canceled,
    campaign_entry_delete,
)
from contacts.models import CommentLine, CommentTargetKind
from interactions import services as interaction_services
from interactions.models import (
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplateSetup,
)
from opportunities import task_services as ts
from opportunities.services import opportunity_create, opportunity_create_from_interaction
from segments.models import LoggedSegment
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory, CampaignTargetGroupFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionLogEntryFactory, InteractionTemplateFactory
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


def _activated_campaign(**kwargs):
    campaign = CampaignFactory(
        starting_date=kwargs.pop("starting_date", TODAY - dt.timedelta(days=10)),
        ending_date=kwargs.pop("ending_date", TODAY + dt.timedelta(days=10)),
        **kwargs,
    )
    CampaignTargetGroupFactory(campaign=campaign)
    return campaign


def _finish(contact, template, **overrides):
    data = interaction_services.interaction_defaults(template=template, contact=contact)
    data.update(contact=contact, template=template, description="Visit", **overrides)
    return interaction_services.interaction_create(user=None, data=data)


# -- INT-18 ------------------------------------------------------------------------------------


def test_i11_create_opportunity_from_entry(db):
    """I-11: "Create opportunity" copies description, contact, salesperson, campaign and
    segment, uses the default sales cycle, copies the comments and is stored on the entry;
    canceled and already-linked entries are refused (INT-18)."""
    cycle = cycle_with_stages()
    MarketingSetup.objects.update(default_sales_cycle=cycle)
    campaign = _activated_campaign()
    company = CompanyFactory()
    person = PersonFactory(company=company)
    entry = InteractionLogEntryFactory(
        contact=person, description="Asked for a demo", campaign=campaign, segment_number="SG01"
    )
    InteractionLogEntryComment.objects.create(
        entry=entry, line_no=10000, date=TODAY, comment="Call back in May"
    )

    opportunity = opportunity_create_from_interaction(entry=entry)

    assert (opportunity.description, opportunity.contact, opportunity.contact_company) == (
        "Asked for a demo",
        person,
        company,
    )
    assert (opportunity.salesperson, opportunity.campaign) == (entry.salesperson, campaign)
    assert (opportunity.segment_number, opportunity.sales_cycle) == ("SG01", cycle)
    assert list(
        CommentLine.objects.filter(
            target_kind=CommentTargetKind.OPPORTUNITY, target_id=opportunity.pk
        ).values_list("comment", flat=True)
    ) == ["Call back in May"]
    entry.refresh_from_db()
    assert entry.opportunity == opportunity
    with pytest.raises(ValidationError, match="already has opportunity"):
        opportunity_create_from_interaction(entry=entry)
    canceled = InteractionLogEntryFactory(is_canceled=True)
    with pytest.raises(ValidationError, match="is canceled"):
        opportunity_create_from_interaction(entry=canceled)


def test_int18_privacy_blocked_contact_refused(db):
    """INT-18 / CON-52: no opportunity from an entry whose contact (or its company) is
    privacy-blocked."""
    MarketingSetup.objects.update(default_sales_cycle=cycle_with_stages())
    company = CompanyFactory(is_privacy_blocked=True)
    entry = InteractionLogEntryFactory(contact=PersonFactory(company=company))
    with pytest.raises(ValidationError, match="blocked due to privacy"):
        opportunity_create_from_interaction(entry=entry)
    entry.refresh_from_db()
    assert entry.opportunity is None


# -- OPP-5 -------------------------------------------------------------------------------------


def test_ca8_opportunity_accepts_only_activated_campaign_within_dates(db):
    """CA-8: an opportunity accepts only an activated campaign whose dates include its
    creation date; a campaign without an ending date is refused (OPP-5)."""
    cycle = cycle_with_stages()

    def create(campaign):
        return opportunity_create(
            description="Deal",
            contact=CompanyFactory(),
            salesperson=SalespersonFactory(),
            sales_cycle=cycle,
            campaign=campaign,
        )

    not_activated = CampaignFactory(starting_date=TODAY, ending_date=TODAY)
    with pytest.raises(ValidationError, match="is not activated"):
        create(not_activated)
    with pytest.raises(ValidationError, match="not within the dates"):
        create(_activated_campaign(starting_date=TODAY + dt.timedelta(days=1)))
    with pytest.raises(ValidationError, match="not within the dates"):
        create(_activated_campaign(ending_date=None))
    good = _activated_campaign()
    opportunity = create(good)
    assert opportunity.campaign == good


# -- TSK-24 ------------------------------------------------------------------------------------


def test_t14_invitation_to_contact_attendee_logs_interaction(db):
    """T-14: each invitation sent to a contact attendee logs an interaction with the
    meeting_invitation template, linked to the task; salesperson attendees log nothing
    (TSK-24)."""
    slot = InteractionTemplateFactory(unit_cost=Decimal("3"), correspondence_type="email")
    setup = InteractionTemplateSetup.load()
    setup.meeting_invitation = slot
    setup.save()
    meeting = ts.task_create(
        description="Kick-off",
        type="meeting",
        date=dt.date(2030, 5, 6),
        start_time=dt.time(10, 0),
        duration_min=90,
        location="Room 1",
        salesperson=SalespersonFactory(),
    )
    guest = CompanyFactory(email="guest@example.test")
    ts.attendee_add(task=meeting, contact=guest)
    ts.attendee_add(task=meeting, salesperson=SalespersonFactory())

    assert ts.meeting_send_invitations(task=meeting, mode="all") == 2
    assert len(mail.outbox) == 2

    entry = InteractionLogEntry.objects.get()
    assert (entry.contact, entry.template, entry.task) == (guest, slot, meeting)
    assert (entry.description, entry.cost, entry.contact_via) == (
        "Kick-off",
        Decimal("3"),
        "guest@example.test",
    )
    assert entry.delivery_status == ""  # the invitation e-mail was the delivery


def test_tsk24_task_template_wins_and_no_template_logs_nothing(db):
    """TSK-24: the task's own template wins over the slot; without either the invitations are
    refused (TSK-18) and nothing is logged."""
    meeting = ts.task_create(
        description="Review",
        type="meeting",
        date=dt.date(2030, 5, 6),
        start_time=dt.time(10, 0),
        duration_min=30,
        location="Room 2",
        salesperson=SalespersonFactory(),
    )
    ts.attendee_add(task=meeting, contact=CompanyFactory(email="a@example.test"))
    with pytest.raises(ValidationError, match="interaction template"):  # TSK-18
        ts.meeting_send_invitations(task=meeting)
    assert not InteractionLogEntry.objects.exists()
    own = InteractionTemplateFactory()
    Task = type(meeting)
    Task.objects.filter(pk=meeting.pk).update(template=own)
    meeting.refresh_from_db()
    ts.attendee_add(task=meeting, contact=CompanyFactory(email="b@example.test"))
    ts.meeting_send_invitations(task=meeting, mode="not_invited")
    assert {e.template for e in InteractionLogEntry.objects.all()} == {own}


# -- CMP-10/11/12, INT-15 ----------------------------------------------------------------------


def test_cmp10_finishing_with_campaign_creates_campaign_entry(db):
    """CMP-10: finishing a single interaction with a campaign creates one campaign entry and
    stores it on the interaction; the template's campaign is the default (INT-5)."""
    campaign = CampaignFactory()
    template = InteractionTemplateFactory(campaign=campaign, correspondence_type="hard_copy")
    contact = CompanyFactory()
    entry = _finish(contact, template, salesperson=SalespersonFactory())
    assert entry.campaign == campaign
    campaign_entry = CampaignEntry.objects.get(campaign=campaign)
    assert entry.campaign_entry == campaign_entry
    assert (campaign_entry.description, campaign_entry.date) == ("Visit", entry.date)
    postponed_data = interaction_services.interaction_defaults(template=template, contact=contact)
    postponed_data.update(contact=contact, template=template, description="Later")
    later = interaction_services.interaction_create(user=None, data=postponed_data, postpone=True)
    assert later.campaign_entry is None
    assert CampaignEntry.objects.count() == 1


def test_cmp11_cmp12_campaign_entries_apply_to_interactions(db):
    """CMP-11: canceling campaign entries cancels their interactions; CA-7 / CMP-12:
    deleting a canceled entry deletes its interactions."""
    campaign = CampaignFactory()
    template = InteractionTemplateFactory(campaign=campaign, correspondence_type="hard_copy")
    entry = _finish(CompanyFactory(), template, salesperson=SalespersonFactory())
    campaign_entry = entry.campaign_entry
    campaign_entries_set_canceled(entry_ids=[campaign_entry.pk], is_canceled=True)
    entry.refresh_from_db()
    assert entry.is_canceled
    campaign_entry.refresh_from_db()
    campaign_entry_delete(entry=campaign_entry)
    assert not InteractionLogEntry.objects.filter(pk=entry.pk).exists()


def test_i8_uncancel_refused_when_campaign_entry_or_logged_segment_canceled(db):
    """I-8: un-canceling an entry of a canceled campaign entry or canceled logged segment
    fails; otherwise entries can be canceled and un-canceled (INT-15)."""
    campaign = CampaignFactory()
    template = InteractionTemplateFactory(campaign=campaign, correspondence_type="hard_copy")
    entry = _finish(CompanyFactory(), template, salesperson=SalespersonFactory())
    campaign_entries_set_canceled(entry_ids=[entry.campaign_entry_id], is_canceled=True)
    with pytest.raises(ValidationError, match="its campaign entry is canceled"):
        interaction_services.interactions_cancel(entry_ids=[entry.pk], cancel=False)
    logged = LoggedSegment.objects.create(segment_number="SG9", is_canceled=True)
    other = InteractionLogEntryFactory(logged_segment=logged, is_canceled=True)
    with pytest.raises(ValidationError, match="its logged segment is canceled"):
        interaction_services.interactions_cancel(entry_ids=[other.pk], cancel=False)
    plain = InteractionLogEntryFactory(is_canceled=True)
    assert interaction_services.interactions_cancel(entry_ids=[plain.pk], cancel=False) == 1


# -- CMP-23 ------------------------------------------------------------------------------------


def test_cmp23_interactions_keep_the_target_group_current(db, make_user):
    """CMP-23: while activated, a finished target interaction of a new company adds its row;
    deleting that company's last target interaction removes it."""
    campaign = _activated_campaign()
    template = InteractionTemplateFactory(
        campaign=campaign, is_campaign_target=True, correspondence_type="hard_copy"
    )
    company = CompanyFactory()
    entry = _finish(PersonFactory(company=company), template, salesperson=SalespersonFactory())
    assert CampaignTargetGroup.objects.filter(campaign=campaign, number=company.number).exists()

    InteractionLogEntry.objects.filter(pk=entry.pk).update(is_canceled=True)
    job = interaction_services.interactions_delete_canceled_start(user=make_user("ad"), filters={})
    interaction_services.interactions_delete_canceled(job_id=job.pk)
    assert not CampaignTargetGroup.objects.filter(campaign=campaign, number=company.number).exists()


def test_i6_campaign_statistics_ignore_canceled_and_postponed(db):
    """I-6: campaign statistics count only regular entries of the campaign, ignoring canceled
    and postponed ones (10.1, 10.4)."""
    from campaigns.selectors import campaign_statistics

    campaign = CampaignFactory()
    template = InteractionTemplateFactory(
        campaign=campaign, is_campaign_target=True, correspondence_type="hard_copy"
    )
    contact = CompanyFactory()
    _finish(contact, template, salesperson=SalespersonFactory(), cost=Decimal("7"))
    InteractionLogEntryFactory(
        campaign=campaign, is_campaign_target=True, is_canceled=True, cost=Decimal("100")
    )
    InteractionLogEntryFactory(
        campaign=campaign, is_campaign_target=True, is_postponed=True, cost=Decimal("100")
    )
    stats = campaign_statistics(campaign=campaign)
    assert (stats.contacted, stats.cost) == (1, Decimal("7"))


def test_cmp23_deleting_canceled_campaign_entry_updates_target_group(db):
    """CMP-23 / CMP-12: deleting a canceled campaign entry deletes its interactions and removes
    the company's target row when they were its last qualifying interactions."""
    campaign = _activated_campaign()
    template = InteractionTemplateFactory(
        campaign=campaign, is_campaign_target=True, correspondence_type="hard_copy"
    )
    company = CompanyFactory()
    entry = _finish(company, template, salesperson=SalespersonFactory())
    assert CampaignTargetGroup.objects.filter(campaign=campaign, number=company.number).exists()
    campaign_entries_set_canceled(entry_ids=[entry.campaign_entry_id], is_canceled=True)
    campaign_entry_delete(entry=CampaignEntry.objects.get(pk=entry.campaign_entry_id))
    assert not InteractionLogEntry.objects.filter(pk=entry.pk).exists()
    assert not CampaignTargetGroup.objects.filter(campaign=campaign, number=company.number).exists()
