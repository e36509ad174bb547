"""The Content-Security-Policy holds in a real browser: key pages load without a single CSP
violation, and the behaviour moved out of inline handlers (auto-submit, confirm, print) works."""

import pytest
from django.urls import reverse

from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import OpportunityFactory, TaskFactory
from tests.factories.segments import SegmentFactory
from tests.factories.setup import series_with_line

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watch(page):
    """Collects CSP violations from the console and from securitypolicyviolation events."""
    console = []
    page.add_init_script(COLLECT)
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return console


def _violations(page, console) -> list[str]:
    return console + (page.evaluate("window.__csp || []") or [])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_key_pages_have_no_csp_violation(live_server, login, make_user):
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
    company = CompanyFactory()
    opportunity = OpportunityFactory()
    task = TaskFactory()
    segment = SegmentFactory()
    campaign = CampaignFactory()
    user = make_user("admin", groups=["Administrators"], is_staff=True)
    page = login(user)
    console = _watch(page)
    urls = [
        reverse("home"),
        reverse("contacts:contact-list"),
        reverse("contacts:contact-detail", args=[company.pk]),
        reverse("contacts:contact-update", args=[company.pk]),
        reverse("contacts:contact-create"),
        reverse("contacts:duplicate-list"),
        reverse("interactions:index"),
        reverse("interactions:template-list"),
        reverse("opportunities:index"),
        reverse("opportunities:pipeline"),
        reverse("opportunities:forecast"),
        reverse("opportunities:opportunity-detail", args=[opportunity.pk]),
        reverse("opportunities:task-list"),
        reverse("opportunities:task-detail", args=[task.pk]),
        reverse("opportunities:task-update", args=[task.pk]),
        reverse("opportunities:task-calendar"),
        reverse("segments:index"),
        reverse("segments:segment-detail", args=[segment.pk]),
        reverse("segments:loggedsegment-list"),
        reverse("campaigns:index"),
        reverse("campaigns:campaign-detail", args=[campaign.pk]),
        reverse("setup:marketing-setup"),
        reverse("reports:index"),
        reverse("api:token-list"),
        reverse("api:docs"),
        "/admin/",
    ]
    problems = []
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        found = _violations(page, console)
        problems += [f"{url}: {v}" for v in found]
        console.clear()
    page.goto(f"{live_server.url}{reverse('api:docs')}")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15000)
    page.screenshot(path=".data/screenshot-api-docs-csp.png")
    assert not problems, "\n".join(problems)


@pytest.mark.csp_violation_expected
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_policy_is_enforced_and_moved_handlers_still_work(live_server, login, make_user):
    user = make_user("admin", groups=["Administrators"], is_staff=True)
    page = login(user)
    console = _watch(page)
    # an injected inline script is blocked and reported: the watcher sees violations
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.__injected = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__injected === undefined")
    assert _violations(page, console), "the inline script ran or was not reported"
    console.clear()
    # data-confirm: declining the question sends nothing
    entry = InteractionLogEntryFactory()
    page.goto(f"{live_server.url}{reverse('interactions:index')}")
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.check(f"input[name=entries][value='{entry.pk}']")
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.wait_for_timeout(300)
    assert questions == ["Cancel the selected interactions?"]
    assert page.url.endswith(reverse("interactions:index"))
    entry.refresh_from_db()
    assert not entry.is_canceled
    page.remove_listener("dialog", dismiss)
    # data-autosubmit: the language switcher submits on change
    with page.expect_navigation():
        page.select_option("#language-select", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert not _violations(page, console)
