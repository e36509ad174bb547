"""S-3: automatic and manual numbers for campaigns, segments, tasks and opportunities."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from campaigns.services import campaign_create
from opportunities.models import Opportunity, Task
from opportunities.services import opportunity_create
from opportunities.task_services import task_create
from segments.models import Segment
from segments.services import segment_create
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import SalesCycleFactory
from tests.factories.setup import SalespersonFactory, series_with_line


def _create(kind: str, *, user, typed: str = ""):
    if kind == "campaign":
        return campaign_create(user=user, description="Spring fair", typed_number=typed)
    if kind == "segment":
        data = {"description": "Newsletter"}
        if typed:
            data["number"] = typed
        return segment_create(user=user, data=data)
    salesperson = SalespersonFactory()
    if kind == "task":
        return task_create(
            description="Call back", salesperson=salesperson, user=user, typed_number=typed
        )
    return opportunity_create(
        description="New deal",
        contact=CompanyFactory(),
        salesperson=salesperson,
        sales_cycle=SalesCycleFactory(),
        user=user,
        typed_number=typed,
    )


CASES = [
    ("campaign", "campaign_series", Campaign, "CP0001"),
    ("segment", "segment_series", Segment, "SM00001"),
    ("task", "task_series", Task, "TD000001"),
    ("opportunity", "opportunity_series", Opportunity, "OP000001"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "field", "model", "start"), CASES)
def test_s3_numbers_for_every_numbered_entity(kind, field, model, start, make_user):
    """S-3: S-1 and S-2 hold for campaigns, segments, tasks and opportunities."""
    user = make_user("numbers")
    # S-1: a blank setup series refuses the creation with the field named
    MarketingSetup.objects.update(**{field: None})
    with pytest.raises(ValidationError, match="must have a value in Marketing setup"):
        _create(kind, user=user)
    assert not model.objects.exists()
    # S-1: with the series set, the next number is taken
    series = series_with_line(f"S3-{kind[:4].upper()}", start)
    MarketingSetup.objects.update(**{field: series})
    first = _create(kind, user=user)
    assert first.number == start
    # S-2: a typed number is refused while the series does not allow manual numbers …
    with pytest.raises(ValidationError, match="does not allow manual numbers"):
        _create(kind, user=user, typed="MANUAL-1")
    # … and accepted (when unused) once it does
    series.manual_numbers = True
    series.save(update_fields=["manual_numbers"])
    typed = _create(kind, user=user, typed="MANUAL-1")
    assert typed.number == "MANUAL-1"
    with pytest.raises(ValidationError, match="already exists"):
        _create(kind, user=user, typed="MANUAL-1")
