import pytest

from setup.models import MarketingSetup
from tests.factories.setup import series_with_line


@pytest.fixture
def mksetup(db):
    """Marketing setup with a contact series CT000001…; ``update(**fields)`` changes it."""
    series = series_with_line("CONT", "CT000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series)

    class _Setup:
        contact_series = series

        @staticmethod
        def update(**fields):
            MarketingSetup.objects.update(**fields)
            return MarketingSetup.load()

    return _Setup
