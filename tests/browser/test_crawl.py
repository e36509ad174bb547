"""A working day's pages, crawled per role and language from the home page (by links).

Every page reachable by ``<a href>`` or ``hx-get`` from the home page, for a sales rep, a
marketing user and an administrator, in English and in French, over a small demo data set:
no server error, nothing loaded from another origin, no page over 500 KB of HTML, and on
French pages no English string of the project's catalogues. One URL per view (the first
page of each list, one detail page per kind) keeps the run short.
"""

import io
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from setup.models import Salesperson

from .crawl import MAX_HTML_BYTES, Catalogue, outside_loads, walk

ROLES = {"sales": "sales", "marketing": "marketing", "administrator": "admin"}
LANGUAGES = ["en", "fr"]


@contextmanager
def _ids_from_a_million():
    """Every table's ids start at 1,000,000 (as at a million contacts): an id printed with a
    thousands separator ("1 000 001") in a link then leads nowhere, and the crawl sees it.

    Sequences ignore rollbacks: the previous values are put back afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
            " WHERE schemaname = 'public'"
        )
        previous = cursor.fetchall()
        for sequence, _last in previous:
            cursor.execute("SELECT setval(%s::regclass, 1000000)", [sequence])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sequence, last in previous:
                cursor.execute(
                    "SELECT setval(%s::regclass, %s, %s)", [sequence, last or 1, last is not None]
                )


@pytest.fixture
def demo_data(db):
    with _ids_from_a_million():
        call_command("seed_demo", contacts=12, stdout=io.StringIO())
        # The demo names its users after their role ("Sales"): data that reads like a
        # catalogue string on every page. Give them their salesperson's name instead.
        for salesperson in Salesperson.objects.filter(user__username__in=ROLES.values()):
            first_name, _, last_name = salesperson.name.partition(" ")
            get_user_model().objects.filter(pk=salesperson.user_id).update(
                first_name=first_name, last_name=last_name
            )
        yield


def _client(username: str, language: str) -> Client:
    client = Client(raise_request_exception=False)  # a server error is a finding, not a stop
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.django_db
def test_crawl_every_page_per_role_and_language(demo_data):
    catalogue = Catalogue()
    failures: list[str] = []
    summary: list[str] = []
    for role, username in ROLES.items():
        for language in LANGUAGES:
            started = time.monotonic()
            pages = walk(_client(username, language))
            html = [p for p in pages if "text/html" in p.content_type]
            summary.append(
                f"{role}/{language}: {len(pages)} URLs, {len(html)} HTML, "
                f"{time.monotonic() - started:.1f} s"
            )
            assert len(html) > 20, f"{role}/{language}: the walk found almost nothing"
            for page in pages:
                where = f"{role}/{language} {page.url} ({page.view})"
                if page.status >= 500:
                    failures.append(f"{where}: HTTP {page.status}")
                if page.view == "?":
                    failures.append(f"{where}: a link to no URL of the product")
                if "text/html" in page.content_type and page.size > MAX_HTML_BYTES:
                    failures.append(f"{where}: {page.size // 1024} KB of HTML")
                for url in outside_loads(page):
                    failures.append(f"{where}: loads {url} from another origin")
                if language == "fr":
                    for english in sorted(set(catalogue.english_in(page.texts))):
                        failures.append(f"{where}: English on a French page: {english!r}")
    Path(settings.BASE_DIR, ".data").mkdir(exist_ok=True)
    Path(settings.BASE_DIR, ".data", "crawl.txt").write_text("\n".join(summary + failures) + "\n")
    assert not failures, "\n".join(failures)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_crawl_in_the_browser_requests_nothing_from_another_origin(
    live_server, login, outside_requests
):
    """Chromium opens every page the administrator's French walk found: whatever the page
    loads (scripts, styles, fonts, images, htmx fragments) comes from our own origin, and the
    Content-Security-Policy (no inline script, no inline style) refuses nothing on any page."""
    call_command("seed_demo", contacts=12, stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    pages = [
        p
        for p in walk(_client("admin", "fr"))
        if p.status == 200 and "text/html" in p.content_type and not p.fragment
    ]
    assert len(pages) > 20
    admin.set_password("pw-admin")
    admin.save(update_fields=["password"])
    page = login(admin)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}]
    )
    failures = []
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for crawled in pages:
        response = page.goto(f"{live_server.url}{crawled.url}")
        page.wait_for_load_state("load")
        if violations:
            failures.append(f"{crawled.url}: CSP {violations[:3]}")
            violations.clear()
        if response is None or response.status >= 500:
            failures.append(f"{crawled.url}: {response and response.status}")
        if outside_requests:
            failures.append(f"{crawled.url}: {sorted(set(outside_requests))}")
            outside_requests.clear()
    page.goto(f"{live_server.url}/")
    page.screenshot(path=".data/screenshot-crawl-home-fr.png", full_page=True)
    assert not failures, "\n".join(failures)
