import re

import pytest

from crm.context_processors import NAVIGATION


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_switch_to_french_and_open_every_navigation_entry(live_server, login, make_user):
    user = make_user("admin", groups=["Administrators"], is_staff=True)
    page = login(user)
    with page.expect_navigation():
        page.select_option("#language-select", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Accueil").first.is_visible()
    links = page.locator("#mainnav .nav-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) == len(NAVIGATION)
    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status < 500, href
        assert response.status == 200, href
        assert not re.search(r"Server Error|Traceback", page.content())
        assert page.locator("html").get_attribute("lang") == "fr"
    page.screenshot(path=".data/screenshot-shell-fr.png", full_page=True)
