"""API permission matrix: every API endpoint × HTTP method × principal (anonymous, a user token
of each role and of a user without a role, a business-system client of each SPEC 12.1 scope and
one without scopes).

``RULES`` is the contract, written from SPEC 12.3 (the scope of each endpoint) and from the
pages (the permission a user needs to do the same on a page). A user token may call an endpoint
exactly when its user holds the page permission; a client exactly when it holds the scope
(``None``: no client scope, user tokens only). Allowed means "not 401/403" (the requests carry
empty bodies and unknown ids, so allowed calls answer 200/400/404 and change nothing); refused
means 403, anonymous means 401, and nothing answers 5xx. An endpoint or method of the URL conf
without a rule fails the test.
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import get_resolver
from rest_framework.test import APIClient

from api.models import ApiScope
from api.services import api_client_create, api_user_token_create
from tests.crm.test_access import _walk

METHODS = ("get", "post", "put", "patch", "delete")
USERS_ONLY = None
READ = ApiScope.READ_CONTACTS
IMPORT_SALES_HISTORY = "api.import_sales_history"


def _read(scope, perm):
    return {"get": (scope, [perm])}


# url name -> method -> (client scope, page permissions of a user)
RULES: dict[str, dict[str, tuple[str | None, list[str]]]] = {
    # SPEC 12.3: read_contacts is contacts, salespeople and business relations, nothing else
    "contact-list": _read(READ, "contacts.view_contact"),
    "contact-detail": _read(READ, "contacts.view_contact"),
    "salesperson-list": _read(READ, "setup.view_salesperson"),
    "salesperson-detail": _read(READ, "setup.view_salesperson"),
    "business-relation-list": _read(READ, "setup.view_businessrelation"),
    "business-relation-detail": _read(READ, "setup.view_businessrelation"),
    # no scope of SPEC 12.1 reads these: user tokens only, with the pages' view permission
    "interaction-list": _read(USERS_ONLY, "interactions.view_interactionlogentry"),
    "interaction-detail": _read(USERS_ONLY, "interactions.view_interactionlogentry"),
    "task-list": _read(USERS_ONLY, "opportunities.view_task"),
    "task-detail": _read(USERS_ONLY, "opportunities.view_task"),
    "opportunity-list": _read(USERS_ONLY, "opportunities.view_opportunity"),
    "opportunity-detail": _read(USERS_ONLY, "opportunities.view_opportunity"),
    "segment-list": _read(USERS_ONLY, "segments.view_segment"),
    "segment-detail": _read(USERS_ONLY, "segments.view_segment"),
    "logged-segment-list": _read(USERS_ONLY, "segments.view_loggedsegment"),
    "logged-segment-detail": _read(USERS_ONLY, "segments.view_loggedsegment"),
    "campaign-list": _read(USERS_ONLY, "campaigns.view_campaign"),
    "campaign-detail": _read(USERS_ONLY, "campaigns.view_campaign"),
    "campaign-entry-list": _read(USERS_ONLY, "campaigns.view_campaignentry"),
    "campaign-entry-detail": _read(USERS_ONLY, "campaigns.view_campaignentry"),
    # links
    "business-links": {
        "get": (ApiScope.LINKS, ["contacts.view_contactbusinessrelation"]),
        "post": (ApiScope.LINKS, ["contacts.add_contactbusinessrelation"]),
    },
    "business-link-acknowledge": {
        "post": (ApiScope.LINKS, ["contacts.change_contactbusinessrelation"])
    },
    "business-link-delete": {
        "delete": (ApiScope.LINKS, ["contacts.delete_contactbusinessrelation"])
    },
    # contacts written by the business system
    "linked-record": {"patch": (ApiScope.WRITE_CONTACTS, ["contacts.change_contact"])},
    "contact-import": {"post": (ApiScope.WRITE_CONTACTS, ["contacts.add_contact"])},
    "job": {"get": (ApiScope.WRITE_CONTACTS, ["contacts.view_contact"])},
    # documents, sales history (the pages reserve it to administrators), prices, quotes
    "document-events": {"post": (ApiScope.DOCUMENTS, ["interactions.add_interactionlogentry"])},
    "sales-history": {
        "post": (ApiScope.SALES_HISTORY, [IMPORT_SALES_HISTORY]),
        "delete": (ApiScope.SALES_HISTORY, [IMPORT_SALES_HISTORY]),
    },
    "campaign-price-lookup": _read(ApiScope.PRICES, "campaigns.view_campaignpriceline"),
    "sales-quote-list": _read(ApiScope.QUOTES, "opportunities.view_salesquote"),
    "sales-quote-detail": _read(ApiScope.QUOTES, "opportunities.view_salesquote"),
    "sales-quote-order": {"post": (ApiScope.QUOTES, ["opportunities.change_salesquote"])},
    "opportunity-sales-document": {"post": (ApiScope.QUOTES, ["opportunities.change_opportunity"])},
}
ANY_LOGIN = {"schema", "docs"}  # the API's description: any authenticated caller


def api_endpoints() -> list[tuple[str, str, list[str]]]:
    """(name, sample path, implemented methods) of every ``/api/v1/`` URL."""
    seen = {}
    for route, name in sorted(set(_walk(get_resolver()))):
        if not route.startswith("api/v1/") or not name or name in seen:
            continue
        short = name.split(":", 1)[1]
        seen[name] = (short, _path(route), _methods(name))
    return sorted(seen.values())


def _path(route: str) -> str:
    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "987654", path)
    path = re.sub(r"<int:[^>]+>", "987654", path)
    path = re.sub(r"<[^>]+>", "NOPE", path)
    path = re.sub(r"\([^)]*\)", "", path)
    return "/" + path.replace("\\", "").replace("?", "")


def _methods(name: str) -> list[str]:
    from django.urls import reverse

    resolver = get_resolver()
    for route, pattern_name in _walk(resolver):
        if pattern_name == name:
            match = resolver.resolve(_path(route))
            callback = match.func
            actions = getattr(callback, "actions", None)
            if actions:  # HEAD answers as GET
                return sorted(set(actions) - {"head"})
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            return [m for m in METHODS if hasattr(view_class, m)]
    raise AssertionError(reverse(name))


@pytest.fixture
def principals(make_user):
    """name -> (APIClient, user or None, scopes)."""
    result = {"anonymous": (APIClient(), AnonymousUser(), ())}
    roles = [("sales", "Sales"), ("marketing", "Marketing"), ("admin", "Administrators")]
    for role, group in roles:
        user = make_user(f"api-{role}", groups=[group])
        _row, token = api_user_token_create(user=user, name="matrix")
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        result[f"user:{role}"] = (http, user, ())
    nobody = make_user("api-nobody")
    _row, token = api_user_token_create(user=nobody, name="matrix")
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    result["user:no-role"] = (http, nobody, ())
    for scope in [*ApiScope.values, ""]:
        _client, token = api_client_create(
            name=f"matrix-{scope or 'none'}", scopes=[scope] if scope else []
        )
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        result[f"client:{scope or 'no-scope'}"] = (http, None, (scope,) if scope else ())
    return result


def _expected(principal: str, user, scopes, rule, name) -> str:
    if principal == "anonymous":
        return "unauthenticated"
    if name in ANY_LOGIN:
        return "allowed"
    scope, perms = rule
    if user is None:  # business-system client
        return "allowed" if scope is not None and scope in scopes else "refused"
    return "allowed" if user.has_perms(perms) else "refused"


def _outcome(status: int) -> str:
    if status == 401:
        return "unauthenticated"
    if status == 403:
        return "refused"
    return "allowed"


@pytest.mark.django_db
def test_every_api_method_role_and_scope(principals):
    endpoints = api_endpoints()
    names = {name for name, _p, _m in endpoints}
    assert not sorted(names - set(RULES) - ANY_LOGIN), "API endpoints without a rule"
    assert not sorted(set(RULES) - names), "rules for endpoints that no longer exist"
    problems, checked = [], 0
    for name, path, methods in endpoints:
        rules = RULES.get(name, {})
        if name not in ANY_LOGIN:
            assert set(methods) == set(rules), f"{name}: methods {methods} vs rules {set(rules)}"
        for method in methods:
            for principal, (http, user, scopes) in principals.items():
                rule = rules.get(method)
                expected = _expected(principal, user, scopes, rule, name)
                response = getattr(http, method)(path, {}, format="json")
                checked += 1
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {path} as {principal}: 5xx")
                got = _outcome(response.status_code)
                if got != expected:
                    problems.append(
                        f"{method.upper()} {path} as {principal}: expected {expected}, "
                        f"got {response.status_code}"
                    )
    assert not problems, f"{len(problems)} of {checked} calls wrong:\n" + "\n".join(problems)
    assert checked >= 450  # 37 endpoint methods × 13 principals today


@pytest.mark.django_db
def test_sales_token_cannot_import_or_delete_sales_history(principals):
    """The pages reserve sales history import and removal to administrators."""
    http, _user, _scopes = principals["user:sales"]
    line = {
        "posting_date": "2026-01-02",
        "item_code": "ITEM",
        "entry_kind": "sale",
        "contact_number": "CT000001",
    }
    assert http.post("/api/v1/sales-history", {"lines": [line]}, format="json").status_code == 403
    response = http.delete("/api/v1/sales-history?date_from=2000-01-01&date_to=2100-01-01")
    assert response.status_code == 403
    admin, _user, _scopes = principals["user:admin"]
    response = admin.delete("/api/v1/sales-history?date_from=2000-01-01&date_to=2100-01-01")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/interactions",
        "/api/v1/tasks",
        "/api/v1/opportunities",
        "/api/v1/segments",
        "/api/v1/logged-segments",
        "/api/v1/campaigns",
        "/api/v1/campaign-entries",
    ],
)
def test_read_contacts_client_reads_only_what_spec_12_3_lists(principals, path):
    http, _user, _scopes = principals["client:read_contacts"]
    assert http.get(path).status_code == 403
    assert http.get("/api/v1/contacts").status_code == 200
    assert http.get("/api/v1/salespeople").status_code == 200
    assert http.get("/api/v1/business-relations").status_code == 200
