import pytest
from rest_framework.test import APIClient

from api.models import ApiScope
from api.services import api_client_create, api_user_token_create


@pytest.fixture
def bearer(db):
    """``bearer(*scopes)`` -> an APIClient authenticated as a new business-system client."""

    def make(*scopes, name=None):
        client, token = api_client_create(
            name=name or f"bs-{'-'.join(scopes) or 'none'}-{make.count}", scopes=list(scopes)
        )
        make.count += 1
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        http.api_client = client
        return http

    make.count = 0
    return make


@pytest.fixture
def all_scopes(bearer):
    return bearer(*ApiScope.values)


@pytest.fixture
def user_bearer(db):
    def make(user):
        _row, token = api_user_token_create(user=user, name="test")
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return http

    return make


@pytest.fixture(autouse=True)
def contact_series(db):
    """Every API test has a contact number series (CON-1)."""
    from setup.models import MarketingSetup
    from tests.factories.setup import series_with_line

    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
