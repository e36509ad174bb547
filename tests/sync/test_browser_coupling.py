"""Coupling a contact in the browser, in English and in French (SYN-14, SPEC 13.4 steps 2 and
4): filter the contact list on "not coupled", open a card, set up the coupling by searching a
Tryton party in the picker, see the list's status column turn "coupled", synchronise to
Tryton and read the value back through Tryton's API, then remove the coupling."""

import pytest
from playwright.sync_api import expect

from sync.models import SyncCoupling, SyncTableMapping
from tests.browser.conftest import (  # noqa: F401  (the browser fixtures, for this folder)
    _chromium_present,
    browser_type_launch_args,
    login,
)
from tests.sync.conftest import DATABASE

TEXT = {
    "en": {
        "coupled": "Coupled",
        "not_coupled": "Not coupled",
        "removed": "Coupling removed.",
        "synced": "Synchronised.",
    },
    "fr": {
        "coupled": "Couplé",
        "not_coupled": "Non couplé",
        "removed": "Couplage supprimé.",
        "synced": "Synchronisé.",
    },
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_couple_a_contact_from_its_card_and_synchronise_it(
    live_server,
    login,  # noqa: F811
    make_user,
    tryton,
    language,
):
    from setup.models import MarketingSetup
    from sync.adapters.tryton import TrytonAdapter
    from sync.services import connection_enable
    from tests.factories.opportunities import number_series_setup
    from tests.factories.setup import series_with_line
    from tests.sync.test_live import customer

    number_series_setup()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "TRY00001"))
    connection_enable(enabled=True)
    editor = TrytonAdapter(
        url=tryton.url, database=DATABASE, username="editor", password="editor-password", timeout=10
    )
    (party_id,) = editor.create(
        "party.party", [{"name": "Picker Target Ltd", "category": "Company"}]
    )
    company = customer(name="Browser Coupling SA", email="hello@coupling.test")
    already = customer(name="Already Coupled SA")
    SyncCoupling.objects.create(
        mapping=SyncTableMapping.objects.get(name="ACCOUNT"),
        local_id=already.pk,
        remote_id="999999",
    )
    admin = make_user("admin", groups=["Administrators"], is_staff=True)
    page = login(admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    text = TEXT[language]

    # the list, filtered on "not coupled" through its htmx filter form
    page.goto(f"{live_server.url}/contacts/?o=name")
    assert "Already Coupled SA" in page.locator("#results").inner_text()
    page.select_option("select[name=sync_status]", "not_coupled")
    page.wait_for_url("**sync_status=not_coupled**")
    results = page.locator("#results")
    assert "Already Coupled SA" not in results.inner_text()
    row = results.locator("tr", has_text="Browser Coupling SA")
    assert row.locator("[data-sync-status]").inner_text() == text["not_coupled"]

    # the card: set up the coupling from the picker (a search in Tryton)
    row.locator("a").first.click()
    panel = page.locator("#sync-panel")
    panel.wait_for()
    assert panel.get_attribute("data-sync-status") == "not_coupled"
    page.fill("#sync-picker-q", "picker target")
    page.locator("#sync-picker-results button[value=couple]").click()
    page.wait_for_selector("#sync-panel[data-sync-status=coupled]")
    assert text["coupled"] in page.locator("#sync-panel .sync-status").inner_text()
    coupling = SyncCoupling.objects.get(local_id=company.pk)
    assert coupling.remote_id == party_id

    # the list's column now says "coupled"
    page.goto(f"{live_server.url}/contacts/?sync_status=coupled&o=name")
    row = page.locator("#results tr", has_text="Browser Coupling SA")
    assert row.locator("[data-sync-status]").get_attribute("data-sync-status") == "coupled"
    assert row.locator("[data-sync-status]").inner_text() == text["coupled"]
    page.screenshot(path=f".data/screenshot-sync-list-{language}.png", full_page=True)

    # synchronise now, this CRM overwriting Tryton, and read Tryton back
    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    page.locator("#sync-panel").wait_for()
    page.locator("#sync-winner-local").check()
    page.click("#sync-panel button[value=sync]")
    # the panel follows the job until it ends (in-process here: at once; a worker: polled)
    expect(page.locator("#sync-panel .sync-message")).to_have_text(text["synced"])
    party = editor.read("party.party", [party_id], ["name", "email"])[0].values
    assert party["name"] == "Browser Coupling SA"
    assert party["email"] == "hello@coupling.test"
    page.screenshot(path=f".data/screenshot-sync-coupled-{language}.png", full_page=True)

    # remove the coupling
    page.click("#sync-panel button[value=remove]")
    page.wait_for_selector("#sync-panel[data-sync-status=not_coupled]")
    assert text["removed"] in page.locator("#sync-panel .sync-message").inner_text()
    assert not SyncCoupling.objects.filter(local_id=company.pk).exists()
