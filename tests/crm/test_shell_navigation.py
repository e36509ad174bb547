"""The shell: one active navigation entry per page, and a favicon that is never a 404."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from crm.context_processors import NAVIGATION, active_entry

NAV_URLS = ["/", "/contacts/", "/opportunities/", "/opportunities/tasks/", "/contacts/profiles/"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/"),
        ("/contacts/12/", "/contacts/"),
        ("/contacts/profiles/", "/contacts/profiles/"),
        ("/contacts/profiles/3/edit/", "/contacts/profiles/"),
        ("/opportunities/", "/opportunities/"),
        ("/opportunities/tasks/", "/opportunities/tasks/"),
        ("/opportunities/tasks/7/edit/", "/opportunities/tasks/"),
        ("/accounts/password/", None),
    ],
)
def test_the_longest_entry_that_prefixes_the_path_is_the_active_one(path, expected):
    assert active_entry(path, NAV_URLS) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", [name for name, _label, _perm in NAVIGATION] + ["contacts:profile-index"]
)
def test_every_navigation_page_has_exactly_one_active_entry(client, make_user, url_name):
    client.force_login(make_user("admin", groups=["Administrators"], is_staff=True))
    html = client.get(reverse(url_name)).content.decode()
    main_navigation = html.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]
    active = re.findall(r'class="nav-link active"[^>]*href="([^"]*)"', main_navigation)
    assert active == [reverse(url_name)]


@pytest.mark.django_db
def test_pages_link_a_favicon_and_favicon_ico_is_not_a_404(client, make_user):
    client.force_login(make_user("sales", groups=["Sales"]))
    html = client.get(reverse("home")).content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}"' in html
    assert finders.find("favicon.svg")
    client.logout()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
