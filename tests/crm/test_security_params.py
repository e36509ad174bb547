"""Malformed query parameters never give a 5xx: every parameter-less page of the URL conf and
every API list answers hostile ``page``, ``cursor``, ``page_size``, ``cycle``… with a 2xx, a
redirect, or a 400/404 that says what was wrong."""

import pytest
from django.db import transaction
from django.test import Client

from api.models import ApiScope
from api.services import api_client_create
from tests.crm.test_access import all_routes

HOSTILE_PAGES = [
    "99999999999999999999999999",  # beyond bigint
    "9223372036854775808",
    "-1",
    "0",
    "abc",
    "1e309",
    "NaN",
    "last",
    "",
    "%00",
    "1;DROP TABLE x",
]
HOSTILE_OTHER = {
    "cycle": ["abc", "99999999999999999999999", "-1"],
    "year": ["abc", "99999999999"],
    "month": ["13", "abc"],
    "sort": ["__class__", "-" * 50],
    "ordering": ["password", "'; --"],
    "changed_since": ["yesterday", "9999-99-99"],
    "date_from": ["2026-13-45"],
    "status": ["<script>"],
    "salesperson": ["abc", "99999999999999999999999"],
    "contact": ["abc", "99999999999999999999999"],
    "questionnaire": ["abc", "99999999999999999999999"],
    "q": ["\x00", "%" * 200],
}
HOSTILE_CURSORS = [
    "garbage",
    "%%%",
    "cD1hYmM=",  # p=abc
    "cD0yMDI2LTk5LTk5VDAwOjAwOjAw",  # p=2026-99-99T00:00:00
    "cj0xJnA9eA==",  # r=1&p=x
    "bz0tNQ==",  # o=-5
    "bz05OTk5OTk5OTk5OTk5OTk5OTk5OSZwPTE=",  # o=99999999999999999999&p=1
    "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==",  # p=9999999999999999999999
]
SKIPPED_PREFIXES = ("admin/", "static/", "media/", "i18n/", "accounts/logout")


def get(client, path, query):
    """One request in its own savepoint: a database error of one request (a 500) must not
    abort the test's transaction and turn every later request into a 500 too."""
    savepoint = transaction.savepoint()
    response = client.get(path, query)
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def _list_paths() -> list[str]:
    paths = []
    for route, name in all_routes():
        if route.startswith(SKIPPED_PREFIXES) or "<" in route or "(?P" in route:
            continue
        if route.startswith("api/v1/") or name in {"login", "logout"}:
            continue
        paths.append("/" + route.replace("^", "").replace("$", "").replace("\\Z", ""))
    return sorted(set(paths))


def _api_list_paths() -> list[str]:
    return sorted(
        "/" + route.replace("^", "").replace("$", "")
        for route, _name in all_routes()
        if route.startswith("api/v1/") and "<" not in route and "(?P" not in route
    )


@pytest.mark.django_db
def test_hostile_page_parameters_never_give_a_server_error(admin_user_):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user_)
    paths = _list_paths()
    assert len(paths) > 60
    problems, tried = [], 0
    for path in paths:
        queries = [{"page": value} for value in HOSTILE_PAGES]
        queries += [{key: value} for key, values in HOSTILE_OTHER.items() for value in values]
        for query in queries:
            response = get(client, path, query)
            tried += 1
            if response.status_code >= 500:
                problems.append(f"{path}?{query}: {response.status_code}")
    assert not problems, f"{len(problems)} of {tried}:\n" + "\n".join(problems[:80])


@pytest.mark.django_db
def test_pages_beyond_the_last_answer_404_with_a_message(admin_user_):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user_)
    response = client.get("/contacts/", {"page": "99999999999999999999999999"})
    assert response.status_code == 404
    response = client.get("/contacts/", {"page": "abc"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_pipeline_with_a_malformed_cycle_is_not_a_server_error(admin_user_):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user_)
    for value in ("abc", "99999999999999999999999", "-1", "1.5"):
        for url in ("/opportunities/pipeline/", "/opportunities/forecast/"):
            response = client.get(url, {"cycle": value})
            assert response.status_code in {200, 400, 404}, (url, value, response.status_code)


@pytest.mark.django_db
def test_tampered_api_cursors_and_page_sizes_give_400(db):
    _client, token = api_client_create(name="fuzz", scopes=list(ApiScope.values))
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    problems, tried = [], 0
    for path in _api_list_paths():
        queries = [{"cursor": c} for c in HOSTILE_CURSORS]
        queries += [{"page_size": v} for v in ("abc", "-5", "99999999999999999999999", "0")]
        queries += [{"changed_since": v} for v in ("abc", "2026-02-30T00:00:00")]
        for query in queries:
            response = get(client, path, query)
            tried += 1
            if response.status_code >= 500:
                problems.append(f"{path}?{query}: {response.status_code}")
    assert not problems, f"{len(problems)} of {tried}:\n" + "\n".join(problems)
    for cursor in HOSTILE_CURSORS:
        response = client.get("/api/v1/contacts", {"cursor": cursor})
        if response.status_code != 200:  # o=-5 and the like fall back to the first page
            assert response.status_code == 404, cursor
            assert response.json()["message"], cursor
