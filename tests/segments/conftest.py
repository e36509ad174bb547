import pytest

from setup.models import MarketingSetup
from tests.factories.setup import series_with_line


@pytest.fixture
def segment_setup(db):
    """Marketing setup with a segment series SG000001…."""
    series = series_with_line("SEGM", "SG000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series)
    return series


@pytest.fixture
def new_segment(segment_setup, marketing_user):
    from segments.services import segment_create

    def make(**data):
        data.setdefault("description", "Spring mailing")
        return segment_create(user=marketing_user, data=data)

    return make
