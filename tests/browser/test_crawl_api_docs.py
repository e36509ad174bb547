"""The API documentation works without internet: Swagger UI comes from our own origin."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

OTHER_HOST = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")


@pytest.mark.django_db
def test_api_docs_page_references_nothing_on_another_host(client, make_user):
    client.force_login(make_user("admin", groups=["Administrators"], is_staff=True))
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not OTHER_HOST.search(html), html
    assert "<script>" not in html and "<style>" not in html  # CSP: nothing inline
    script = client.get(reverse("api:docs") + "?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_offline_in_the_browser(live_server, login, make_user, outside_requests):
    page = login(make_user("admin", groups=["Administrators"], is_staff=True))
    page.goto(f"{live_server.url}{reverse('api:docs')}")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CRM API", timeout=15_000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.screenshot(path=".data/screenshot-api-docs.png")
    assert outside_requests == []
