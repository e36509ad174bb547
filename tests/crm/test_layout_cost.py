"""The layout floor under every page (session, user, permissions, navigation, base template):
one query once the user is known, and still every security property of the layout."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.urls import reverse

from crm import auth_backends
from crm.redis_cache import RedisCache

pytestmark = pytest.mark.django_db

LAYOUT_PAGE = "password_change_done"  # base layout only, no query of its own


@pytest.fixture
def sales_client(client, sales_user):
    client.force_login(sales_user)
    client.get(reverse(LAYOUT_PAGE))  # the user and its permission sets are now known
    return client


def nav_urls(response) -> list[str]:
    return [item["url"] for item in response.context["nav_items"]]


def test_layout_page_costs_only_the_session_query(sales_client, django_assert_num_queries):
    # The test settings keep sessions in the database; production and the benchmarks read
    # them from Redis (cached_db), where the page costs no query at all.
    with django_assert_num_queries(1) as captured:
        response = sales_client.get(reverse(LAYOUT_PAGE))
    assert response.status_code == 200
    assert "django_session" in captured.captured_queries[0]["sql"]
    assert reverse("contacts:contact-list") in nav_urls(response)


def test_layout_page_still_needs_a_login(client):
    response = client.get(reverse(LAYOUT_PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_layout_page_keeps_csrf_and_csp(sales_client):
    response = sales_client.get(reverse(LAYOUT_PAGE))
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    logout_form = html.split(f'action="{reverse("logout")}"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in logout_form
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert f'href="{reverse("password_change")}"' in html


def test_navigation_follows_a_revoked_permission_on_the_next_request(sales_client, sales_user):
    contacts = reverse("contacts:contact-list")
    view_contact = Permission.objects.get(
        codename="view_contact", content_type__app_label="contacts"
    )
    group = Group.objects.create(name="Contact readers")
    group.permissions.add(view_contact)
    sales_user.groups.set([group])
    assert contacts in nav_urls(sales_client.get(reverse(LAYOUT_PAGE)))
    group.permissions.remove(view_contact)
    assert contacts not in nav_urls(sales_client.get(reverse(LAYOUT_PAGE)))


def test_a_deactivated_user_is_logged_out_on_the_next_request(sales_client, sales_user):
    type(sales_user).objects.filter(pk=sales_user.pk).update(is_active=False)
    response = sales_client.get(reverse(LAYOUT_PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_password_changed_elsewhere_ends_the_session(sales_client, sales_user):
    sales_user.set_password("another-password-0")
    sales_user.save()
    response = sales_client.get(reverse(LAYOUT_PAGE))
    assert response.status_code == 302


def test_each_request_gets_its_own_user_instance(sales_client, sales_user):
    first = sales_client.get(reverse(LAYOUT_PAGE)).wsgi_request.user
    second = sales_client.get(reverse(LAYOUT_PAGE)).wsgi_request.user
    assert first == second == sales_user
    assert first is not second
    assert len(auth_backends._process_users) >= 1


def test_redis_cache_builds_one_client_per_pool():
    ours = RedisCache("redis://127.0.0.1:6379/9", {})._cache
    assert ours.get_client() is ours.get_client()
    assert ours.get_client(write=True) is ours.get_client()  # one server: one pool
    stock = DjangoRedisCache("redis://127.0.0.1:6379/9", {})._cache
    assert stock.get_client() is not stock.get_client()  # what this backend saves


def test_a_cached_value_costs_one_cache_round_trip(monkeypatch):
    from django.core.cache import cache

    from crm import caching

    computed = []
    caching.cached("test-ns", "answer", lambda: computed.append(1) or 42)
    calls = []  # calls made by the caller (LocMemCache.get_many itself calls get)
    inside = []

    def counted(name, original):
        def call(*args, **kwargs):
            if not inside:
                calls.append(name)
            inside.append(name)
            try:
                return original(*args, **kwargs)
            finally:
                inside.pop()

        return call

    for name in ("get", "get_many"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    assert caching.cached("test-ns", "answer", lambda: computed.append(1) or 42) == 42
    assert calls == ["get_many"]  # the version and the entry together
    assert computed == [1]
    caching.bump("test-ns")
    assert caching.cached("test-ns", "answer", lambda: computed.append(1) or 43) == 43
