import shutil

import pytest

from tests.conftest import require_service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _chromium_present():
    require_service(shutil.which("chromium") is not None, "Debian's Chromium (/usr/bin/chromium)")


@pytest.fixture
def login(live_server, page):
    """Log ``user`` in through the real login form."""

    def do(user, password=None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", password or "pw-" + user.get_username())
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do


@pytest.fixture
def outside_requests(live_server, page):
    """Requests the page makes to any other origin, aborted (there is no internet) and listed.

    A test asserts the list stays empty: no page of the product loads anything from outside."""
    origin = live_server.url
    seen: list[str] = []

    def outside(url: str) -> bool:
        return not (url == origin or url.startswith(origin + "/"))

    def abort(route):
        seen.append(route.request.url)
        route.abort()

    page.route(outside, abort)
    return seen
