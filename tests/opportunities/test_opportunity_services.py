import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import CommentLine, Contact, ContactBusinessRelation
from opportunities import services
from opportunities.models import (
    ActionTaken,
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    SalesQuote,
    Task,
)
from opportunities.selectors import contact_opportunity_statistics
from opportunities.task_services import task_create
from setup.models import ContactType, LinkType, MarketingSetup
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    CloseOpportunityCodeFactory,
    SalesCycleFactory,
    cycle_with_stages,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


def _opportunity(cycle=None, contact=None, **kwargs):
    return services.opportunity_create(
        description="Deal",
        contact=contact or CompanyFactory(),
        salesperson=kwargs.pop("salesperson", None) or SalespersonFactory(),
        sales_cycle=cycle or cycle_with_stages(),
        **kwargs,
    )


def _started(cycle=None, contact=None, value=Decimal(10000), **kwargs):
    opportunity = _opportunity(cycle, contact, **kwargs)
    services.opportunity_update(
        opportunity=opportunity, action="first", date_of_change=TODAY, estimated_value=value
    )
    opportunity.refresh_from_db()
    return opportunity


def test_o1_creation_requires_fields_and_refuses_blocked_cycle():
    """O-1: description, salesperson, sales cycle and contact are required; blocked cycle."""
    with pytest.raises(ValidationError) as exc:
        services.opportunity_create(description="", contact=None, sales_cycle=None)
    assert {"description", "contact", "salesperson"} <= set(exc.value.message_dict)
    blocked = SalesCycleFactory(is_blocked=True)
    with pytest.raises(ValidationError, match="is blocked"):
        _opportunity(cycle=blocked)
    assert not Opportunity.objects.exists()


def test_o2_new_opportunity_defaults_and_setup_cycle():
    """O-2: not_started, normal priority, created today, default cycle unless blocked."""
    cycle = cycle_with_stages()
    MarketingSetup.objects.update(default_sales_cycle=cycle)
    opportunity = services.opportunity_create(
        description="Deal", contact=CompanyFactory(), salesperson=SalespersonFactory()
    )
    assert opportunity.status == OpportunityStatus.NOT_STARTED
    assert opportunity.priority == "normal"
    assert opportunity.creation_date == TODAY
    assert opportunity.sales_cycle == cycle
    assert opportunity.number == "OP000001"
    cycle.is_blocked = True
    cycle.save()
    with pytest.raises(ValidationError, match="sales cycle is required"):
        services.opportunity_create(
            description="Deal", contact=CompanyFactory(), salesperson=SalespersonFactory()
        )


def test_o3_activate_first_stage():
    """O-3: activating the first stage creates one active entry at stage 1, in_progress."""
    opportunity = _opportunity(
        activate_first_stage=True, estimated_value=Decimal(500), chances_percent=Decimal(30)
    )
    entries = list(opportunity.entries.all())
    assert len(entries) == 1
    assert entries[0].stage == 1 and entries[0].is_active
    assert entries[0].action_taken == ActionTaken.BLANK
    assert opportunity.status == OpportunityStatus.IN_PROGRESS
    with pytest.raises(ValidationError, match="greater than 0"):
        _opportunity(activate_first_stage=True, estimated_value=Decimal(0))


def test_o4_multiply_method():
    """O-4: multiply, completed 40, chances 50, value 10,000 → 20 % and 2,000."""
    opportunity = _started(cycle_with_stages(method="multiply"))
    entry = opportunity.entries.get()
    assert entry.probability_percent == Decimal(20)
    assert entry.calculated_current_value == Decimal(2000)


@pytest.mark.parametrize(
    ("method", "probability", "value"),
    [("add", 45, 4500), ("chances_of_success", 50, 5000), ("completed", 40, 4000)],
)
def test_o5_other_probability_methods(method, probability, value):
    """O-5: add 45 %/4,500; chances_of_success 50 %/5,000; completed 40 %/4,000."""
    entry = _started(cycle_with_stages(method=method)).entries.get()
    assert entry.probability_percent == Decimal(probability)
    assert entry.calculated_current_value == Decimal(value)


def test_o6_zero_chances_take_stage_default():
    """O-6: chances left 0 take the stage's default chances."""
    entry = _started(cycle_with_stages(chances_percent=35)).entries.get()
    assert entry.chances_percent == Decimal(35)


def test_o7_blank_close_date_is_date_of_change_plus_formula():
    """O-7: a blank close date becomes date of change + stage formula."""
    entry = _started(cycle_with_stages(date_formula="+1W")).entries.get()
    assert entry.estimated_close_date == TODAY + dt.timedelta(days=7)


def test_o8_update_refusals():
    """O-8: earlier date, value ≤ 0, chances ≤ 0, close date before date of change."""
    cycle = cycle_with_stages()
    opportunity = _started(cycle)
    base = {"opportunity": opportunity, "action": "next"}
    with pytest.raises(ValidationError) as exc:
        services.opportunity_update(
            **base,
            date_of_change=TODAY - dt.timedelta(days=1),
            estimated_value=Decimal(0),
            estimated_close_date=TODAY - dt.timedelta(days=3),
        )
    assert {"date_of_change", "estimated_value", "estimated_close_date"} <= set(
        exc.value.message_dict
    )
    zero = cycle_with_stages(chances_percent=0)
    with pytest.raises(ValidationError, match="chances of success"):
        _started(zero)
    assert opportunity.entries.count() == 1


def test_o9_next_into_quote_required_stage():
    """O-9: next into a quote-required stage fails without a quote, succeeds with one."""
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=2).update(is_quote_required=True)
    opportunity = _started(cycle)
    with pytest.raises(ValidationError, match="Stage 2 requires a sales quote"):
        services.opportunity_update(
            opportunity=opportunity,
            action="next",
            date_of_change=TODAY,
            estimated_value=Decimal(100),
        )
    services.sales_quote_create_for_opportunity(opportunity=opportunity, amount=Decimal(100))
    entry = services.opportunity_update(
        opportunity=opportunity,
        action="next",
        date_of_change=TODAY,
        estimated_value=Decimal(100),
    )
    assert entry.stage == 2 and entry.action_taken == ActionTaken.NEXT


def test_o10_skip_candidates():
    """O-10: stages 1–4, skip on 2 and 3 → at stage 1 skip offers 2, 3, 4; not if 2 refuses."""
    cycle = cycle_with_stages(4)
    cycle.stages.filter(stage__in=[2, 3]).update(allow_skip=True)
    opportunity = _started(cycle)
    offered = services.opportunity_offered_actions(opportunity=opportunity)
    assert offered["skip"] == [2, 3, 4]
    assert offered["next"] == [2]
    assert "previous" not in offered and "jump" not in offered
    entry = services.opportunity_update(
        opportunity=opportunity,
        action="skip",
        to_stage=4,
        date_of_change=TODAY,
        estimated_value=Decimal(1),
    )
    assert entry.action_taken == ActionTaken.JUMPED
    offered = services.opportunity_offered_actions(opportunity=opportunity)
    assert offered["jump"] == [1, 2, 3] and offered["previous"] == [3]
    cycle.stages.filter(stage=2).update(allow_skip=False)
    assert "skip" not in services.opportunity_offered_actions(opportunity=_started(cycle))


def test_o11_each_update_deactivates_previous_entry():
    """O-11: previous entry inactive with days open; one new active entry."""
    opportunity = _started(cycle_with_stages())
    later = TODAY + dt.timedelta(days=5)
    services.opportunity_update(
        opportunity=opportunity,
        action="next",
        date_of_change=later,
        estimated_value=Decimal(100),
    )
    first, second = opportunity.entries.order_by("entry_no")
    assert not first.is_active and first.days_open == 5
    assert second.is_active and second.previous_stage == 1
    assert second.entry_no > first.entry_no
    assert opportunity.entries.filter(is_active=True).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityEntry.objects.filter(pk=first.pk).update(is_active=True)


def test_o12_stage_activity_creates_tasks_and_cancel_old_tasks():
    """O-12: a stage with an activity adds its tasks; update adds none; cancel old tasks."""
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity, description="Call", date_formula="+2D")
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=2).update(activity=activity)
    opportunity = _started(cycle)
    old = task_create(description="Old", opportunity=opportunity, date=TODAY)
    later = TODAY + dt.timedelta(days=1)
    services.opportunity_update(
        opportunity=opportunity,
        action="next",
        date_of_change=later,
        estimated_value=Decimal(100),
        cancel_old_tasks=True,
    )
    old.refresh_from_db()
    assert old.is_canceled and old.is_closed
    created = Task.objects.get(opportunity=opportunity, description="Call")
    assert created.date == later + dt.timedelta(days=2)
    assert created.contact == opportunity.contact
    assert created.salesperson == opportunity.salesperson
    services.opportunity_update(
        opportunity=opportunity,
        action="update",
        date_of_change=later,
        estimated_value=Decimal(200),
    )
    assert Task.objects.filter(opportunity=opportunity, description="Call").count() == 1


def test_o13_close_wizard_checks():
    """O-13: won/lost, a code of that type and a date; won needs a value > 0."""
    opportunity = _started()
    won = CloseOpportunityCodeFactory(type="won")
    lost = CloseOpportunityCodeFactory(type="lost")
    with pytest.raises(ValidationError) as exc:
        services.opportunity_close(
            opportunity=opportunity,
            close_type="won",
            close_code=lost,
            date_of_change=None,
            calculated_current_value=Decimal(0),
        )
    assert {"close_code", "date_of_change", "calculated_current_value"} <= set(
        exc.value.message_dict
    )
    with pytest.raises(ValidationError, match="Sales amount must be greater than 0"):
        services.opportunity_close(
            opportunity=opportunity,
            close_type="won",
            close_code=won,
            date_of_change=TODAY,
        )
    with pytest.raises(ValidationError, match="close code is required"):
        services.opportunity_close(
            opportunity=opportunity,
            close_type="lost",
            close_code=None,
            date_of_change=TODAY,
        )


def test_o14_won_and_lost_values():
    """O-14: won 100/100/100, closed; lost chances 0, value 0, status lost."""
    won = _started()
    entry = services.opportunity_close(
        opportunity=won,
        close_type="won",
        close_code=CloseOpportunityCodeFactory(type="won"),
        date_of_change=TODAY,
        calculated_current_value=Decimal(900),
    )
    won.refresh_from_db()
    assert (entry.completed_percent, entry.chances_percent, entry.probability_percent) == (
        100,
        100,
        100,
    )
    assert entry.calculated_current_value == Decimal(900) and entry.date_closed == TODAY
    assert won.status == OpportunityStatus.WON and won.is_closed and won.date_closed == TODAY
    lost = _started()
    entry = services.opportunity_close(
        opportunity=lost,
        close_type="lost",
        close_code=CloseOpportunityCodeFactory(type="lost"),
        date_of_change=TODAY,
    )
    lost.refresh_from_db()
    assert entry.chances_percent == 0 and entry.probability_percent == 0
    assert entry.calculated_current_value == 0 and entry.completed_percent == 100
    assert lost.status == OpportunityStatus.LOST and lost.is_closed


def test_o15_winning_creates_customer_link_and_refuses_person_without_company():
    """O-15: winning for a company without a customer link creates one; independent person
    fails."""
    company = CompanyFactory()
    opportunity = _started(contact=company)
    services.opportunity_close(
        opportunity=opportunity,
        close_type="won",
        close_code=CloseOpportunityCodeFactory(type="won"),
        date_of_change=TODAY,
        calculated_current_value=Decimal(10),
    )
    link = ContactBusinessRelation.objects.get(contact=company, link_type=LinkType.CUSTOMER)
    assert link.external_number == "C00001" and link.template is None
    person = PersonFactory(company=None)
    opportunity = _started(contact=person)
    with pytest.raises(ValidationError, match="does not belong to a company"):
        services.opportunity_close(
            opportunity=opportunity,
            close_type="won",
            close_code=CloseOpportunityCodeFactory(type="won"),
            date_of_change=TODAY,
            calculated_current_value=Decimal(10),
        )


def test_o16_deletion_rules():
    """O-16: in-progress refused; bulk delete removes only won/lost with entries, comments."""
    in_progress = _started()
    with pytest.raises(ValidationError, match="in progress"):
        services.opportunity_delete(opportunity=in_progress)
    not_started = _opportunity()
    services.opportunity_delete(opportunity=not_started)
    lost = _started()
    services.opportunity_close(
        opportunity=lost,
        close_type="lost",
        close_code=CloseOpportunityCodeFactory(type="lost"),
        date_of_change=TODAY,
    )
    CommentLine.objects.create(
        target_kind="opportunity", target_id=lost.pk, line_no=1, comment="note"
    )
    assert services.opportunity_delete_closed() == 1
    assert list(Opportunity.objects.values_list("pk", flat=True)) == [in_progress.pk]
    assert not OpportunityEntry.objects.filter(opportunity_id=lost.pk).exists()
    assert not CommentLine.objects.filter(target_id=lost.pk, target_kind="opportunity").exists()


def test_o17_create_sales_quote_rules():
    """O-17: needs in_progress and a company; linked; a quote links to one opportunity."""
    not_started = _opportunity()
    with pytest.raises(ValidationError, match="in progress"):
        services.sales_quote_create_for_opportunity(opportunity=not_started)
    independent = _started(contact=PersonFactory(company=None))
    with pytest.raises(ValidationError, match="neither a company"):
        services.sales_quote_create_for_opportunity(opportunity=independent)
    company = CompanyFactory()
    opportunity = _started(contact=company)
    quote = services.sales_quote_create_for_opportunity(opportunity=opportunity)
    opportunity.refresh_from_db()
    assert quote.number == "SQ000001" and quote.opportunity == opportunity
    assert (opportunity.sales_document_kind, opportunity.sales_document_number) == (
        "quote",
        quote.number,
    )
    other = _started(contact=company)
    with pytest.raises(ValidationError, match="already linked to opportunity"):
        services.sales_quote_link(quote=quote, opportunity=other)


def test_o18_salesperson_change_moves_open_tasks():
    """O-18: changing the salesperson moves the previous salesperson's open tasks."""
    opportunity = _started()
    old = opportunity.salesperson
    task = task_create(description="Follow up", opportunity=opportunity, date=TODAY)
    new = SalespersonFactory()
    services.opportunity_edit(
        opportunity=opportunity, data={"salesperson": new}, reassign_tasks=False
    )
    task.refresh_from_db()
    assert task.salesperson == old
    services.opportunity_edit(opportunity=opportunity, data={"salesperson": old})
    services.opportunity_edit(
        opportunity=opportunity, data={"salesperson": new}, reassign_tasks=True
    )
    task.refresh_from_db()
    assert task.salesperson == new
    assert opportunity.entries.get(is_active=True).salesperson == new


def test_o19_contact_statistics_company_includes_persons():
    """O-19: count, estimated and current value of active entries; company includes persons."""
    company = CompanyFactory()
    person = PersonFactory(company=company)
    _started(contact=company, value=Decimal(1000))
    revised = _started(contact=person, value=Decimal(2000))
    # the revision leaves an inactive entry (2,000) that the statistics must not count
    services.opportunity_update(
        opportunity=revised, action="update", date_of_change=TODAY, estimated_value=Decimal(3000)
    )
    assert revised.entries.filter(is_active=False).count() == 1
    company_stats = contact_opportunity_statistics(contact=company)
    assert company_stats["count"] == 2
    assert company_stats["estimated_value"] == Decimal(4000)
    assert company_stats["calculated_current_value"] == Decimal(800)
    person_stats = contact_opportunity_statistics(contact=person)
    assert person_stats["count"] == 1 and person_stats["estimated_value"] == Decimal(3000)


def test_o21_won_with_quote_stores_quote_amount():
    """O-21: winning with a linked quote of 7,500 stores 7,500 as current value."""
    opportunity = _started()
    services.sales_quote_create_for_opportunity(opportunity=opportunity, amount=Decimal(7500))
    entry = services.opportunity_close(
        opportunity=opportunity,
        close_type="won",
        close_code=CloseOpportunityCodeFactory(type="won"),
        date_of_change=TODAY,
        calculated_current_value=Decimal(1),
    )
    assert entry.calculated_current_value == Decimal(7500)


def test_o22_quote_with_create_customer_now():
    """O-22: "create the customer now" creates the pending link; the quote has its number."""
    from setup.models import CustomerTemplate

    template = CustomerTemplate.objects.create(
        code="CT", link_type="customer", contact_type=ContactType.COMPANY
    )
    company = CompanyFactory()
    opportunity = _started(contact=company)
    quote = services.sales_quote_create_for_opportunity(
        opportunity=opportunity, template=template, create_customer_now=True
    )
    link = ContactBusinessRelation.objects.get(contact=company, link_type=LinkType.CUSTOMER)
    assert link.pickup_status == "pending"
    assert quote.customer_number == link.external_number
    services.sales_quote_accept(quote=quote)
    assert SalesQuote.objects.get(pk=quote.pk).status == "accepted"


def test_opp63_open_quotes_take_customer_number_when_linked_later():
    """OPP-63: a later customer link gives open quotes without a number that number."""
    company = CompanyFactory()
    opportunity = _started(contact=company)
    quote = services.sales_quote_create_for_opportunity(opportunity=opportunity)
    with pytest.raises(ValidationError, match="Create the customer first"):
        services.sales_quote_accept(quote=quote)
    link = services.customer_link_ensure(company=company)
    quote.refresh_from_db()
    assert quote.customer_number == link.external_number


def test_opp4_contact_change_limited_to_company_once_started():
    """OPP-4: after the first stage only a contact of the same company is accepted."""
    company = CompanyFactory()
    opportunity = _started(contact=company)
    with pytest.raises(ValidationError, match="does not belong to company"):
        services.opportunity_edit(opportunity=opportunity, data={"contact": CompanyFactory()})
    person = PersonFactory(company=company)
    services.opportunity_edit(opportunity=opportunity, data={"contact": person})
    assert Contact.objects.get(pk=person.pk).opportunities.count() == 1
    with pytest.raises(ValidationError, match="only before the first stage"):
        services.opportunity_edit(
            opportunity=opportunity, data={"sales_cycle": cycle_with_stages()}
        )
