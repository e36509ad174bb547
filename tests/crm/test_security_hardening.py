"""Content-Security-Policy without inline scripts, password-spraying throttle, and request bodies
refused by size before they are read."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from crm.login_throttle import login_failure_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


# -- Content-Security-Policy -------------------------------------------------------------------


def test_pages_send_a_csp_without_unsafe_inline_scripts(client, admin_user_):
    client.force_login(admin_user_)
    for url in ("/", "/contacts/", "/api/v1/docs/", LOGIN):
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        assert policy, url
        directives = dict(
            ([*part.strip().split(" ", 1), ""])[:2] for part in policy.split(";") if part.strip()
        )
        assert directives["script-src"] == "'self'", (url, policy)
        assert "unsafe-inline" not in directives["script-src"]
        assert directives["style-src"] == "'self'", (url, policy)
        assert "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"


def test_api_docs_load_swagger_from_this_site_and_no_inline_script(client, admin_user_):
    client.force_login(admin_user_)
    html = client.get("/api/v1/docs/").content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html
    assert not INLINE_SCRIPT.search(html)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_has_an_inline_script_or_event_handler():
    """Scripts come from static files; behaviour is declared with data-* attributes."""
    offenders = []
    templates = [
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and ".data" not in path.parts
    ]
    assert len(templates) > 50
    for path in templates:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE_SCRIPT.search(line) or INLINE_HANDLER.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_rendered_pages_have_no_inline_script_or_handler(client, admin_user_):
    client.force_login(admin_user_)
    for url in ("/", "/contacts/", "/interactions/", "/opportunities/pipeline/", "/segments/"):
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert "/static/js/crm.js" in html


# -- login throttle: password spraying ---------------------------------------------------------


def attempt(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_one_address_spraying_many_usernames_is_locked_out(client, sales_user, settings):
    """20 failures from one address across 20 usernames lock that address for every user."""
    settings.LOGIN_THROTTLE_IP_FAILURES = 20
    for number in range(19):
        response = attempt(client, f"user{number}", "Spring2026!", "10.9.9.9")
        assert "Too many failed login attempts" not in response.content.decode()
    response = attempt(client, "user19", "Spring2026!", "10.9.9.9")
    assert "Too many failed login attempts from your address" in response.content.decode()
    # even the right password of a real user is refused from that address
    response = attempt(client, "sales", "pw-sales", "10.9.9.9")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # another address logs in
    assert attempt(client, "sales", "pw-sales", "10.9.9.10").status_code == 302


def test_one_username_guessed_from_many_addresses_is_locked_out(client, sales_user, settings):
    settings.LOGIN_THROTTLE_USER_FAILURES = 30
    for number in range(30):
        attempt(client, "sales", f"guess{number}", f"10.1.{number}.1")
    response = attempt(client, "sales", "pw-sales", "10.2.0.1")
    assert "Too many failed login attempts for this user." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_valid_login_does_not_reset_the_address_count(settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 3
    assert login_failure_record(username="a", ip="10.3.3.3") is None
    assert login_failure_record(username="b", ip="10.3.3.3") is None
    from crm.login_throttle import login_failures_clear

    login_failures_clear(username="mine", ip="10.3.3.3")  # an attacker's own account
    assert login_failure_record(username="c", ip="10.3.3.3") == "ip"


def test_spraying_is_throttled_in_french(client, settings):
    settings.LOGIN_THROTTLE_IP_FAILURES = 2
    for name in ("x", "y"):
        attempt(client, name, "pw", "10.4.4.4")
    response = client.post(
        LOGIN,
        {"username": "z", "password": "pw"},
        REMOTE_ADDR="10.4.4.4",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "de connexion depuis votre adresse. R" in response.content.decode()


# -- request size --------------------------------------------------------------------------------


def test_a_body_announced_too_large_is_refused_unread(admin_user_, settings):
    client = Client()
    client.force_login(admin_user_)
    settings.MAX_REQUEST_BODY_SIZE = 1024
    for url in ("/contacts/import/", "/api/v1/document-events", LOGIN):
        response = client.post(
            url, {"a": "b"}, CONTENT_LENGTH=str(10 * 1024**3), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 413, url
        assert "too large (10.0\xa0GB; at most 1.0\xa0KB)" in response.content.decode()
    response = client.post(
        LOGIN, {"a": "b"}, CONTENT_LENGTH=str(10 * 1024**3), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "trop volumineuse" in response.content.decode()
    response = client.post("/contacts/import/", {"file": "x" * 4096})
    assert response.status_code == 413
    response = client.post(LOGIN, {"username": "a"}, CONTENT_LENGTH="abc")
    assert response.status_code == 400


def test_default_limits_follow_the_upload_limit(settings):
    assert settings.MAX_REQUEST_BODY_SIZE == settings.MAX_UPLOAD_SIZE + 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    nginx = (ROOT / "docker" / "nginx.conf").read_text()
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))
    assert limit_mb * 1024 * 1024 == settings.MAX_REQUEST_BODY_SIZE
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "docker/nginx.conf" in compose and "LOGIN_THROTTLE_IP_HEADER" in compose
