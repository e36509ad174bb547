"""Factories of the opportunities area: rows built directly (use services for rules)."""

from decimal import Decimal

import factory
from django.utils import timezone

from opportunities.models import (
    Activity,
    ActivityStep,
    CloseOpportunityCode,
    Opportunity,
    SalesCycle,
    SalesCycleStage,
    Task,
)
from setup.models import MarketingSetup, Team, TeamMember
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import SalespersonFactory, series_with_line


def number_series_setup() -> MarketingSetup:
    """Opportunity, task, quote and customer series plus the customer relation in the setup."""
    from tests.factories.setup import BusinessRelationFactory

    setup = MarketingSetup.load()
    setup.opportunity_series = series_with_line("OPP", "OP000001")
    setup.task_series = series_with_line("TSK", "TK000001")
    setup.sales_quote_series = series_with_line("SQ", "SQ000001")
    setup.customer_series = series_with_line("CUST", "C00001")
    setup.customer_relation = BusinessRelationFactory(code="CUST")
    setup.save()
    return setup


class SalesCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCycle
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"CYC{n:03d}")
    description = "Sales cycle"


class SalesCycleStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesCycleStage

    sales_cycle = factory.SubFactory(SalesCycleFactory)
    stage = factory.Sequence(lambda n: n + 1)
    description = factory.LazyAttribute(lambda o: f"Stage {o.stage}")
    completed_percent = 40
    chances_percent = 50


def cycle_with_stages(count: int = 4, *, method: str = "multiply", **stage_fields) -> SalesCycle:
    cycle = SalesCycleFactory(probability_method=method)
    for number in range(1, count + 1):
        SalesCycleStageFactory(sales_cycle=cycle, stage=number, **stage_fields)
    return cycle


class CloseOpportunityCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloseOpportunityCode
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"CL{n:03d}")
    type = "won"


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    number = factory.Sequence(lambda n: f"OPF{n:06d}")
    description = factory.Sequence(lambda n: f"Deal {n}")
    salesperson = factory.SubFactory(SalespersonFactory)
    contact = factory.SubFactory(CompanyFactory)
    contact_company = factory.SelfAttribute("contact")
    sales_cycle = factory.SubFactory(SalesCycleFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"TEAM{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Team {o.code}")


def team_with_members(*members) -> Team:
    team = TeamFactory()
    for member in members:
        TeamMember.objects.create(team=team, salesperson=member)
    return team


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ACT{n:03d}")


class ActivityStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityStep

    activity = factory.SubFactory(ActivityFactory)
    step_no = factory.Sequence(lambda n: (n + 1) * 10000)
    description = factory.Sequence(lambda n: f"Step {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    number = factory.Sequence(lambda n: f"TF{n:06d}")
    description = factory.Sequence(lambda n: f"Task {n}")
    date = factory.Faker("date_object")
    salesperson = factory.SubFactory(SalespersonFactory)


def started_opportunity(cycle, salesperson, value=1000):
    """An opportunity of ``cycle`` for a new company, moved to its first stage today."""
    from opportunities import services

    opportunity = services.opportunity_create(
        description="Deal", contact=CompanyFactory(), salesperson=salesperson, sales_cycle=cycle
    )
    services.opportunity_update(
        opportunity=opportunity,
        action="first",
        date_of_change=timezone.localdate(),
        estimated_value=Decimal(value),
    )
    return opportunity
