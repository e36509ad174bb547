"""API clients in the admin, the call log, *My API token* and the housekeeping task."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiCall, ApiClient, ApiScope, ApiUserToken, IdempotencyRecord
from api.services import api_client_create, api_user_token_create
from api.tasks import api_housekeeping_task
from api.tokens import token_hash

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- admin: API clients --------------------------------------------------------------------------


def test_admin_creates_a_client_and_shows_the_token_once(client, admin_user_):
    # given
    client.force_login(admin_user_)
    add_page = client.get(reverse("admin:api_apiclient_add"))
    # when
    response = client.post(
        reverse("admin:api_apiclient_add"),
        {"name": "ERP", "is_active": "on", "scopes": ["documents", "sales_history"]},
    )
    # then
    assert 'type="checkbox" name="scopes"' in add_page.content.decode()
    assert response.status_code == 302
    erp = ApiClient.objects.get(name="ERP")
    assert erp.scopes == ["documents", "sales_history"]
    shown = [m for m in _messages(response) if "shown only once" in m]
    assert len(shown) == 1
    token = shown[0].split("ERP: ", 1)[1].split(" ", 1)[0]
    assert token_hash(token) == erp.token_hash
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get("/api/v1/salespeople").status_code == 403  # authenticated, scope missing
    shown_page = client.get(reverse("admin:api_apiclient_change", args=[erp.pk]))
    later_page = client.get(reverse("admin:api_apiclient_change", args=[erp.pk]))
    assert token in shown_page.content.decode()
    assert token not in later_page.content.decode()


def test_admin_changes_scopes_and_deactivates_without_touching_the_token(client, admin_user_):
    # given
    erp, token = api_client_create(name="ERP", scopes=["documents"])
    client.force_login(admin_user_)
    # when
    response = client.post(
        reverse("admin:api_apiclient_change", args=[erp.pk]),
        {"name": "ERP 2", "scopes": ["read_contacts", "links"]},
    )
    # then
    assert response.status_code == 302
    erp.refresh_from_db()
    assert (erp.name, erp.is_active, erp.scopes) == ("ERP 2", False, ["links", "read_contacts"])
    assert erp.token_hash == token_hash(token)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get("/api/v1/salespeople").status_code == 401  # inactive


def test_admin_rejects_an_unknown_scope(client, admin_user_):
    client.force_login(admin_user_)
    response = client.post(reverse("admin:api_apiclient_add"), {"name": "X", "scopes": ["root"]})
    assert response.status_code == 200
    assert not ApiClient.objects.exists()


def test_admin_rotate_action_shows_the_new_token_once(client, admin_user_):
    erp, old = api_client_create(name="ERP", scopes=[ApiScope.DOCUMENTS])
    client.force_login(admin_user_)
    response = client.post(
        reverse("admin:api_apiclient_changelist"),
        {"action": "rotate_token", "_selected_action": [erp.pk]},
    )
    erp.refresh_from_db()
    assert erp.token_hash != token_hash(old)
    assert any("shown only once" in m for m in _messages(response))


# -- admin: call log -----------------------------------------------------------------------------


def test_call_log_is_read_only_and_filterable(client, admin_user_, all_scopes):
    # given: two recorded calls
    all_scopes.get("/api/v1/salespeople")
    all_scopes.get("/api/v1/contacts/999999")
    client.force_login(admin_user_)
    url = reverse("admin:api_apicall_changelist")
    # when
    listing = client.get(url)
    not_found = client.get(url, {"status": 404})
    add = client.get(reverse("admin:api_apicall_add"))
    change = client.post(reverse("admin:api_apicall_change", args=[ApiCall.objects.first().pk]))
    # then
    assert ApiCall.objects.count() == 2
    assert listing.status_code == 200
    assert [c.status for c in not_found.context["cl"].result_list] == [404]
    assert add.status_code == 403
    assert change.status_code == 403
    assert ApiCall.objects.count() == 2


def test_admin_pages_need_staff(client, sales_user):
    client.force_login(sales_user)
    response = client.get(reverse("admin:api_apiclient_changelist"))
    assert response.status_code == 302  # to the admin login


# -- My API token --------------------------------------------------------------------------------


def test_user_creates_a_token_shown_once_and_it_works(client, sales_user):
    # given
    client.force_login(sales_user)
    # when
    created = client.post(reverse("api:token-list"), {"name": "script"})
    again = client.get(reverse("api:token-list"))
    # then
    token = created.context["new_token"]
    assert token.startswith("crm_")
    assert token in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert token not in again.content.decode()
    row = ApiUserToken.objects.get(user=sales_user)
    assert (row.name, row.token_hash) == ("script", token_hash(token))
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get("/api/v1/contacts").status_code == 200  # the user's own permissions


def test_user_revokes_their_token(client, sales_user):
    # given
    row, token = api_user_token_create(user=sales_user, name="old")
    client.force_login(sales_user)
    # when
    response = client.post(reverse("api:token-revoke", args=[row.pk]))
    # then
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_active
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get("/api/v1/contacts").status_code == 401


def test_user_cannot_see_or_revoke_another_users_token(client, sales_user, marketing_user):
    # given
    other, _token = api_user_token_create(user=marketing_user, name="theirs")
    client.force_login(sales_user)
    # when
    page = client.get(reverse("api:token-list"))
    response = client.post(reverse("api:token-revoke", args=[other.pk]))
    # then
    assert "theirs" not in page.content.decode()
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_token_page_needs_a_login(client):
    response = client.get(reverse("api:token-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# -- housekeeping --------------------------------------------------------------------------------


def test_beat_runs_the_housekeeping_task():
    entry = settings.CELERY_BEAT_SCHEDULE["api-housekeeping"]
    assert entry["task"] == api_housekeeping_task.name


def test_housekeeping_drops_expired_keys_and_old_calls_twice_harmlessly():
    # given
    now = timezone.now()
    calls = ApiCall.objects.bulk_create(
        [
            ApiCall(method="GET", endpoint="/old", status=200, duration_ms=1),
            ApiCall(method="GET", endpoint="/new", status=200, duration_ms=1),
        ]
    )
    ApiCall.objects.filter(pk=calls[0].pk).update(created_at=now - dt.timedelta(days=91))
    ApiCall.objects.filter(pk=calls[1].pk).update(created_at=now - dt.timedelta(days=89))
    IdempotencyRecord.objects.create(owner="user:1", key="a", method="POST", path="/", status=201)
    IdempotencyRecord.objects.create(owner="user:1", key="b", method="POST", path="/", status=201)
    IdempotencyRecord.objects.filter(key="a").update(created_at=now - dt.timedelta(hours=25))
    # when
    first = api_housekeeping_task()
    second = api_housekeeping_task()
    # then
    assert first == {"idempotency_records": 1, "api_calls": 1}
    assert second == {"idempotency_records": 0, "api_calls": 0}
    assert list(ApiCall.objects.values_list("endpoint", flat=True)) == ["/new"]
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]
