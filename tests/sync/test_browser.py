"""The external-CRM sync in the browser, in English and in French: connect, test, enable,
full synchronisation with its progress, a conflict on the errors page resolved by choosing a
side, read back from both databases."""

import pytest

from contacts.models import Contact
from contacts.services import contact_update
from sync.adapters.tryton import TrytonAdapter
from sync.models import SyncCoupling
from tests.browser.conftest import (  # noqa: F401  (the browser fixtures, for this folder)
    _chromium_present,
    browser_type_launch_args,
    login,
)
from tests.sync.conftest import DATABASE

TEXT = {
    "en": {"connected": "Connected as admin", "conflict": "conflict: both sides changed"},
    "fr": {
        "connected": "Connecté en tant que admin",
        "conflict": "conflit : les deux côtés ont changé",
    },
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_connect_full_sync_and_resolve_a_conflict(
    live_server,
    login,  # noqa: F811
    make_user,
    tryton,
    language,
):
    from setup.models import MarketingSetup
    from tests.factories.opportunities import number_series_setup
    from tests.factories.setup import series_with_line
    from tests.sync.test_live import customer

    number_series_setup()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "TRY00001"))
    company = customer(name="Browser Co", email="info@browser.test")
    admin = make_user("admin", groups=["Administrators"], is_staff=True)
    page = login(admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/setup/")
    page.locator("a[href='/setup/external-crm/']").first.click()
    page.fill("input[name=base_url]", tryton.url)
    page.fill("input[name=database]", DATABASE)
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[name=action][value=test]")
    assert TEXT[language]["connected"] in page.locator(".alert").first.inner_text()
    assert page.locator("input[name=password]").input_value() == ""  # never shown back
    page.click("button[name=action][value=enable]")
    page.locator("a[href='/setup/external-crm/full-sync/']").click()
    page.locator("main form button.btn-primary").click()
    page.locator("#full-sync .progress-bar").wait_for()
    assert "ACCOUNT" in page.locator("#full-sync table").inner_text()
    page.click("button[name=keep_creating][value=no]")

    party_id = SyncCoupling.objects.get(mapping__name="ACCOUNT", local_id=company.pk).remote_id
    editor = TrytonAdapter(
        url=tryton.url, database=DATABASE, username="editor", password="editor-password", timeout=10
    )
    assert editor.read("party.party", [party_id], ["name"])[0].values["name"] == "Browser Co"
    contact_update(
        contact=Contact.objects.get(pk=company.pk), user=None, data={"email": "local@browser.test"}
    )
    editor.write("party.party", [(party_id, {"email": "remote@browser.test"})])
    page.goto(f"{live_server.url}/setup/external-crm/")
    page.click("button[name=action][value=sync_all]")
    page.goto(f"{live_server.url}/setup/external-crm/errors/")
    assert TEXT[language]["conflict"] in page.locator("main table").inner_text()
    page.locator("input[name=coupling]").first.check()
    page.locator("input[name=winner][value=remote]").check()
    page.click("button[name=action][value=sync]")
    company.refresh_from_db()
    assert company.email == "remote@browser.test"
    assert editor.read("party.party", [party_id], ["email"])[0].values["email"] == (
        "remote@browser.test"
    )
    assert page.locator("input[name=coupling]").count() == 0
