"""Login throttling: 5 failures per username + IP lock that pair out for 15 minutes."""

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_pair_even_with_the_right_password(client, sales_user):
    for _ in range(4):
        response = attempt(client, "sales", "wrong")
        assert "Too many failed login attempts" not in response.content.decode()
    response = attempt(client, "sales", "wrong")
    assert "Too many failed login attempts" in response.content.decode()
    # the right password is refused while locked, with the clear message
    response = attempt(client, "sales", "pw-sales")
    assert response.status_code == 200
    assert "Try again in 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another address is not locked
    assert attempt(client, "sales", "pw-sales", ip="10.0.0.2").status_code == 302


def test_a_success_clears_the_count(client, sales_user):
    for _ in range(4):
        attempt(client, "sales", "wrong")
    assert attempt(client, "sales", "pw-sales").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "sales", "wrong")
    assert attempt(client, "sales", "pw-sales").status_code == 302


def test_lock_expires(client, sales_user, settings):
    settings.LOGIN_THROTTLE_LOCKOUT = 1
    for _ in range(5):
        attempt(client, "sales", "wrong")
    assert attempt(client, "sales", "pw-sales").status_code == 200
    import time

    time.sleep(1.1)
    assert attempt(client, "sales", "pw-sales").status_code == 302


def test_admin_login_is_throttled_too(client, admin_user_):
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "admin", "password": "x"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        url, {"username": "admin", "password": "pw-admin"}, REMOTE_ADDR="10.0.0.9"
    )
    assert "Too many failed login attempts" in response.content.decode()
