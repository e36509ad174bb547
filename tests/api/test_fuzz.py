"""Schemathesis fuzzing of the OpenAPI schema against a live server: no 500 on any generated
input (bounded: a few examples per operation, about half a minute)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from api.models import ApiScope
from api.services import api_client_create

MAX_EXAMPLES = 6


@pytest.mark.django_db(transaction=True)
def test_no_server_error_on_generated_input(live_server):
    _client, token = api_client_create(name="fuzz", scopes=list(ApiScope.values))
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/schema/?format=json",
        headers={"Authorization": f"Bearer {token}"},
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def run(data):
        for operation in operations:
            case = data.draw(operation.as_strategy())
            response = case.call(
                base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:300])
                )
            else:
                case.validate_response(response, checks=[not_a_server_error])

    run()
    assert not failures, failures[:5]
