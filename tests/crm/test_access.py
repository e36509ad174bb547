"""Every page needs a login (a walk over the URL conf); production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {"login", "set_language", "admin:login", "favicon"}  # favicon: a redirect to a static file


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield prefix + str(pattern.pattern), name


def _sample_path(route: str) -> str:
    """Turn a route or regex into a concrete path with placeholder values."""
    import re

    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"<int:[^>]+>", "1", path)
    path = re.sub(r"<(?:slug|str|path):[^>]+>|<[^>:]+>", "x", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    path = re.sub(r"\([^)]*\)", "x", path)
    return "/" + path.replace("\\", "").replace("?", "")


def all_routes():
    return sorted(set(_walk(get_resolver())))


@pytest.mark.django_db
def test_every_url_requires_a_login(client):
    checked = 0
    for route, name in all_routes():
        if (
            name in PUBLIC
            or route.startswith("admin/")
            or route.startswith("static/")
            or route.startswith("media/")
        ):
            continue
        path = _sample_path(route)
        response = client.get(path)
        assert response.status_code in {302, 401, 403, 404, 405}, (route, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], route
        checked += 1
    assert checked >= 8


@pytest.mark.django_db
def test_admin_pages_need_staff(client, sales_user):
    assert client.get("/admin/").status_code == 302
    client.force_login(sales_user)
    assert "/admin/login/" in client.get("/admin/")["Location"]


@pytest.mark.django_db
def test_logged_in_user_sees_every_navigation_entry(client, admin_user_):
    from crm.context_processors import NAVIGATION

    client.force_login(admin_user_)
    home = client.get("/")
    assert home.status_code == 200
    for item in home.context["nav_items"]:
        assert client.get(item["url"]).status_code == 200, item["url"]
    assert len(home.context["nav_items"]) == len(NAVIGATION)


def test_check_deploy_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="crm.settings.production",
        SECRET_KEY="x" * 20 + "-production-secret-for-the-check-only-0123456789",
        ALLOWED_HOSTS="crm.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_an_empty_secret():
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="crm.settings.production", SECRET_KEY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
