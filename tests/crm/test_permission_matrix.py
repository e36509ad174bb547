"""Permission matrix: every URL of the URL conf × anonymous, sales, marketing, administrator.

``MATRIX`` holds the expected GET status per URL name and role. A URL without an entry fails
the test, and the failure prints the entries to add (the statuses observed now); review them
before pasting. To regenerate the whole table after adding URLs:

    PRINT_PERMISSION_MATRIX=1 .venv/bin/python -m pytest tests/crm/test_permission_matrix.py -q -s

which prints the observed table and writes it to ``.data/permission_matrix_observed.py``.

Object URLs get the pk of a sample object of the right kind (``SAMPLES``); other ``<int:…>``
parameters get 1 and usually answer 404, which the table then records. Whatever the table says,
three rules hold: anonymous users are sent to the login page (the API answers 401/403), no URL
answers 5xx, and sales reps cannot open setup or number series pages.
"""

import os
import re
from pathlib import Path

import pytest
from django.test import Client

from setup.models import MarketingSetup
from tests.crm.test_access import all_routes
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import OpportunityFactory, TaskFactory
from tests.factories.segments import SegmentFactory
from tests.factories.setup import series_with_line

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("anonymous", "sales", "marketing", "administrator")
# Reachable without a login by design. api:docs/api:schema: the API engineer to confirm.
PUBLIC = {"login", "set_language", "admin:login", "favicon"}
SKIPPED_PREFIXES = ("admin/", "static/", "media/")

# Route prefix -> sample object kind for the first <int:…> parameter (first match wins).
SAMPLES = [
    ("history/", "contact"),
    ("contacts/duplicates/", None),
    ("contacts/import/", None),
    ("contacts/jobs/", None),
    ("contacts/profiles/", None),
    ("contacts/", "contact"),
    ("interactions/contacts/", "contact"),
    ("campaigns/contacts/", "contact"),
    ("campaigns/", "campaign"),
    ("opportunities/tasks/", "task"),
    ("opportunities/sales-cycles/", "salescycle"),
    ("opportunities/", "opportunity"),
    ("segments/", "segment"),
    ("reports/contacts/", "contact"),
    ("reports/campaigns/", "campaign"),
    ("reports/segments/", "segment"),
]

# name -> (anonymous, sales, marketing, administrator); 302 for anonymous = login redirect.
# Regenerate with PRINT_PERMISSION_MATRIX=1 (see the module docstring).
MATRIX: dict[str, tuple[int, int, int, int]] = {
    "job-retry": (302, 405, 405, 405),
    "sync:connection": (302, 403, 403, 200),
    "sync:errors": (302, 403, 403, 200),
    "sync:field-edit": (302, 403, 403, 404),
    "sync:full-sync": (302, 403, 403, 200),
    "sync:full-sync-progress": (302, 403, 403, 302),
    "sync:job-detail": (302, 403, 403, 404),
    "sync:log": (302, 403, 403, 200),
    "sync:mapping-detail": (302, 403, 403, 404),
    "sync:reset": (302, 403, 403, 200),
    "sync:records": (302, 403, 403, 404),
    "sync:remote-pick": (302, 403, 403, 404),
    # coupling from the contact and opportunity pages: 404 while the external CRM is off
    "sync:bulk": (302, 403, 403, 405),  # POST only
    "sync:coupling-job": (302, 403, 403, 404),
    "sync:create-from-remote": (302, 403, 403, 404),
    "sync:match": (302, 403, 403, 404),
    "sync:record-panel": (302, 403, 403, 404),
    "sync:remote-search": (302, 403, 403, 404),
    "api:business-link-acknowledge": (401, 405, 405, 405),
    "api:business-link-delete": (401, 405, 405, 405),
    "api:business-links": (401, 200, 200, 200),
    "api:business-relation-detail": (401, 404, 404, 404),
    "api:business-relation-list": (401, 200, 200, 200),
    "api:campaign-detail": (401, 404, 404, 404),
    "api:campaign-entry-detail": (401, 404, 404, 404),
    "api:campaign-entry-list": (401, 200, 200, 200),
    "api:campaign-list": (401, 200, 200, 200),
    "api:campaign-price-lookup": (401, 400, 400, 400),
    "api:contact-detail": (401, 404, 404, 404),
    "api:contact-import": (401, 405, 405, 405),
    "api:contact-list": (401, 200, 200, 200),
    "api:docs": (401, 200, 200, 200),
    "api:document-events": (401, 405, 405, 405),
    "api:interaction-detail": (401, 404, 404, 404),
    "api:interaction-list": (401, 200, 200, 200),
    "api:job": (401, 404, 404, 404),
    "api:linked-record": (401, 405, 405, 405),
    "api:logged-segment-detail": (401, 404, 404, 404),
    "api:logged-segment-list": (401, 200, 200, 200),
    "api:opportunity-detail": (401, 404, 404, 404),
    "api:opportunity-list": (401, 200, 200, 200),
    "api:opportunity-sales-document": (401, 405, 405, 405),
    "api:sales-history": (401, 405, 405, 405),
    "api:sales-history-import": (302, 403, 403, 200),
    "api:sales-history-import-confirm": (302, 403, 403, 405),
    "api:sales-history-import-job": (302, 403, 403, 404),
    "api:sales-history-import-mapping": (302, 403, 403, 302),
    "api:sales-history-import-progress": (302, 403, 403, 404),
    "api:schema": (401, 200, 200, 200),
    "api:sales-quote-detail": (401, 404, 404, 404),
    "api:sales-quote-list": (401, 200, 200, 200),
    "api:sales-quote-order": (401, 405, 405, 405),
    "api:salesperson-detail": (401, 404, 404, 404),
    "api:salesperson-list": (401, 200, 200, 200),
    "api:segment-detail": (401, 404, 404, 404),
    "api:segment-list": (401, 200, 200, 200),
    "api:task-detail": (401, 404, 404, 404),
    "api:task-list": (401, 200, 200, 200),
    "api:token-list": (302, 200, 200, 200),
    "api:token-revoke": (302, 405, 405, 405),
    "campaigns:campaign-activate": (302, 403, 200, 200),
    "campaigns:campaign-create": (302, 403, 200, 200),
    "campaigns:campaign-deactivate": (302, 403, 200, 200),
    "campaigns:campaign-delete": (302, 403, 200, 200),
    "campaigns:campaign-detail": (302, 200, 200, 200),
    "campaigns:campaign-entries-cancel": (302, 403, 405, 405),
    "campaigns:campaign-entries-delete-canceled": (302, 403, 200, 200),
    "campaigns:campaign-entries-export": (302, 200, 200, 200),
    "campaigns:campaign-job": (302, 404, 404, 404),
    "campaigns:campaign-search": (302, 200, 200, 200),
    "campaigns:campaign-update": (302, 403, 200, 200),
    "campaigns:contact-campaign-prices": (302, 200, 200, 200),
    "campaigns:index": (302, 200, 200, 200),
    "campaigns:price-line-create": (302, 403, 200, 200),
    "campaigns:price-line-delete": (302, 403, 404, 404),
    "campaigns:price-line-update": (302, 403, 404, 404),
    "campaigns:price-lookup": (302, 200, 200, 200),
    "contacts:address-lookup": (302, 200, 200, 200),
    "contacts:alt-address-update": (302, 404, 404, 404),
    "contacts:contact-change-type": (302, 200, 200, 200),
    "contacts:contact-create": (302, 200, 200, 200),
    "contacts:contact-delete": (302, 200, 200, 200),
    "contacts:contact-detail": (302, 200, 200, 200),
    "contacts:contact-export-csv": (302, 200, 200, 200),
    "contacts:contact-export-vcf": (302, 200, 200, 200),
    "contacts:contact-import": (302, 200, 200, 200),
    "contacts:contact-import-business-system": (302, 200, 200, 200),
    "contacts:contact-import-confirm": (302, 405, 405, 405),
    "contacts:contact-import-job": (302, 404, 404, 404),
    "contacts:contact-import-mapping": (302, 302, 302, 302),
    "contacts:contact-job-progress": (302, 404, 404, 404),
    "contacts:contact-list": (302, 200, 200, 200),
    "contacts:contact-persons": (302, 200, 200, 200),
    "contacts:contact-profile": (302, 200, 200, 200),
    "contacts:contact-search": (302, 200, 200, 200),
    "contacts:contact-section": (302, 404, 404, 404),
    "contacts:contact-update": (302, 200, 200, 200),
    "contacts:contact-vcard": (302, 200, 200, 200),
    "contacts:duplicate-generate": (302, 403, 405, 405),
    "contacts:duplicate-list": (302, 200, 200, 200),
    "contacts:duplicate-merge": (302, 403, 404, 404),
    "contacts:duplicate-separate": (302, 403, 405, 405),
    "contacts:links-create-as": (302, 200, 200, 200),
    "contacts:links-delete": (302, 404, 404, 404),
    "contacts:links-link-existing": (302, 200, 200, 200),
    "contacts:links-master-side": (302, 404, 404, 404),
    "contacts:links-panel": (302, 200, 200, 200),
    "contacts:lookup-code-create": (302, 404, 404, 404),
    "contacts:profile-answer-create": (302, 403, 200, 200),
    "contacts:profile-answer-delete": (302, 403, 405, 405),
    "contacts:profile-answer-update": (302, 403, 404, 404),
    "contacts:profile-classification": (302, 403, 200, 200),
    "contacts:profile-classification-job": (302, 404, 404, 404),
    "contacts:profile-handout": (302, 404, 404, 404),
    "contacts:profile-index": (302, 200, 200, 200),
    "contacts:profile-question-create": (302, 403, 200, 200),
    "contacts:profile-question-delete": (302, 403, 405, 405),
    "contacts:profile-question-detail": (302, 404, 404, 404),
    "contacts:profile-questionnaire-create": (302, 403, 200, 200),
    "contacts:profile-questionnaire-delete": (302, 403, 405, 405),
    "contacts:profile-questionnaire-detail": (302, 404, 404, 404),
    "contacts:profile-questionnaire-update": (302, 403, 404, 404),
    "contacts:profile-rating-point-set": (302, 403, 405, 405),
    "contacts:profile-test": (302, 404, 404, 404),
    "crm:field-history": (302, 200, 200, 200),
    "home": (302, 200, 200, 200),
    "interactions:contact-statistics": (302, 200, 200, 200),
    "interactions:cover-sheet": (302, 404, 404, 404),
    "interactions:delete-canceled": (302, 403, 200, 200),
    "interactions:entry-action": (302, 405, 405, 405),
    "interactions:entry-comment-add": (302, 405, 405, 405),
    "interactions:entry-comment-delete": (302, 405, 405, 405),
    "interactions:entry-create": (302, 200, 200, 200),
    "interactions:entry-delete-postponed": (302, 405, 405, 405),
    "interactions:entry-detail": (302, 404, 404, 404),
    "interactions:entry-message": (302, 404, 404, 404),
    "interactions:entry-message-part": (302, 404, 404, 404),
    "interactions:entry-resend": (302, 405, 405, 405),
    "interactions:entry-resume": (302, 404, 404, 404),
    "interactions:group-create": (302, 403, 200, 200),
    "interactions:group-list": (302, 200, 200, 200),
    "interactions:group-update": (302, 403, 404, 404),
    "interactions:index": (302, 200, 200, 200),
    "interactions:job-progress": (302, 404, 404, 404),
    "interactions:letters-to-print": (302, 200, 200, 200),
    "interactions:phone-call": (302, 404, 404, 404),
    "interactions:postponed-list": (302, 200, 200, 200),
    "interactions:statistics": (302, 200, 200, 200),
    "interactions:template-create": (302, 403, 200, 200),
    "interactions:template-language-create": (302, 403, 404, 404),
    "interactions:template-language-update": (302, 403, 404, 404),
    "interactions:template-list": (302, 200, 200, 200),
    "interactions:template-update": (302, 403, 404, 404),
    "logout": (302, 405, 405, 405),
    "maillog:setup": (302, 403, 403, 200),
    "maillog:setup-enable": (302, 403, 403, 405),
    "maillog:setup-test": (302, 403, 403, 405),
    "maillog:sync-log": (302, 403, 403, 200),
    "maillog:sync-now": (302, 403, 403, 405),
    "opportunities:activity-assign": (302, 200, 200, 200),
    "opportunities:forecast": (302, 200, 200, 200),
    "opportunities:index": (302, 200, 200, 200),
    "opportunities:opportunity-close": (302, 200, 200, 200),
    "opportunities:opportunity-create": (302, 200, 200, 200),
    "opportunities:opportunity-create-from-interaction": (302, 405, 405, 405),
    "opportunities:opportunity-delete": (302, 405, 403, 405),
    "opportunities:opportunity-detail": (302, 200, 200, 200),
    "opportunities:opportunity-edit": (302, 200, 200, 200),
    "opportunities:opportunity-quote-create": (302, 405, 405, 405),
    "opportunities:opportunity-search": (302, 200, 200, 200),
    "opportunities:opportunity-update": (302, 200, 200, 200),
    "opportunities:opportunity-update-preview": (302, 200, 200, 200),
    "opportunities:pipeline": (302, 200, 200, 200),
    "opportunities:pipeline-move": (302, 405, 405, 405),
    "opportunities:quote-print": (302, 404, 404, 404),
    "opportunities:quote-detail": (302, 404, 404, 404),
    "opportunities:quote-edit": (302, 404, 404, 404),
    "opportunities:salescycle-detail": (302, 200, 200, 200),
    "opportunities:salescycle-list": (302, 200, 200, 200),
    "opportunities:task-attendee-add": (302, 405, 405, 405),
    "opportunities:task-calendar": (302, 200, 200, 200),
    "opportunities:task-cancel": (302, 405, 405, 405),
    "opportunities:task-close": (302, 405, 405, 405),
    "opportunities:task-create": (302, 200, 200, 200),
    "opportunities:task-delete": (302, 405, 405, 405),
    "opportunities:task-detail": (302, 200, 200, 200),
    "opportunities:task-index": (302, 200, 200, 200),
    "opportunities:task-invitations": (302, 405, 405, 405),
    "opportunities:task-list": (302, 200, 200, 200),
    "opportunities:task-reopen": (302, 405, 405, 405),
    "opportunities:task-update": (302, 200, 200, 200),
    "password_change": (302, 200, 200, 200),
    "password_change_done": (302, 200, 200, 200),
    "reports": (302, 200, 200, 200),
    "reports:campaign-details": (302, 200, 200, 200),
    "reports:company-summary": (302, 200, 200, 200),
    "reports:contact-labels": (302, 200, 200, 200),
    "reports:contact-list": (302, 200, 200, 200),
    "reports:contact-statistics": (302, 200, 200, 200),
    "reports:index": (302, 200, 200, 200),
    "reports:interaction-statistics": (302, 404, 404, 404),
    "reports:opportunity-analysis": (302, 200, 200, 200),
    "reports:opportunity-details": (302, 200, 200, 200),
    "reports:opportunity-list": (302, 200, 200, 200),
    "reports:person-summary": (302, 200, 200, 200),
    "reports:sales-cycle-analysis": (302, 200, 200, 200),
    "reports:salespeople": (302, 200, 200, 200),
    "reports:salesperson-opportunities": (302, 200, 200, 200),
    "reports:salesperson-tasks": (302, 200, 200, 200),
    "reports:segment-contacts": (302, 200, 200, 200),
    "reports:segment-labels": (302, 200, 200, 200),
    "reports:segment-statistics": (302, 200, 200, 200),
    "reports:task-analysis": (302, 200, 200, 200),
    "reports:team-tasks": (302, 200, 200, 200),
    "reports:teams": (302, 200, 200, 200),
    "segments:index": (302, 200, 200, 200),
    "segments:log-job": (302, 404, 404, 404),
    "segments:loggedsegment-cancel": (302, 403, 404, 404),
    "segments:loggedsegment-delete-canceled": (302, 403, 200, 200),
    "segments:loggedsegment-list": (302, 200, 200, 200),
    "segments:loggedsegment-resend": (302, 403, 405, 405),
    "segments:savedcriteria-list": (302, 200, 200, 200),
    "segments:setup": (302, 200, 200, 200),
    "segments:segment-actions": (302, 200, 200, 200),
    "segments:segment-activity-assign": (302, 403, 200, 200),
    "segments:segment-cover-sheets": (302, 302, 302, 302),  # no lines: back to the card
    "segments:segment-create": (302, 403, 200, 200),
    "segments:segment-criteria": (302, 403, 200, 200),
    "segments:segment-delete": (302, 403, 405, 405),
    "segments:segment-detail": (302, 200, 200, 200),
    "segments:segment-export": (302, 200, 200, 200),
    "segments:segment-go-back": (302, 403, 200, 200),
    "segments:segment-job": (302, 404, 404, 404),
    "segments:segment-line-add": (302, 403, 200, 200),
    "segments:segment-line-delete": (302, 403, 405, 405),
    "segments:segment-log": (302, 403, 200, 200),
    "segments:segment-mailing-group": (302, 403, 200, 200),
    "segments:segment-opportunities-create": (302, 403, 200, 200),
    "segments:segment-refresh": (302, 403, 200, 200),
    "segments:segment-reuse-criteria": (302, 403, 200, 200),
    "segments:segment-reuse-logged": (302, 403, 200, 200),
    "segments:segment-save-criteria": (302, 403, 200, 200),
    "segments:segment-search": (302, 200, 200, 200),
    "segments:segment-tasks-create": (302, 403, 200, 200),
    "segments:segment-update": (302, 403, 200, 200),
    "setup:index": (302, 200, 200, 200),
    "setup:marketing-setup": (302, 403, 403, 200),
}


def _path_for(route: str, samples: dict[str, int]) -> str:
    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    kind = next((k for prefix, k in SAMPLES if path.startswith(prefix)), None)
    first = [True]

    def int_param(_match):
        if first[0] and kind is not None:
            first[0] = False
            return str(samples[kind])
        first[0] = False
        return "1"

    if path.startswith("history/"):
        path = re.sub(r"<slug:app_label>/<slug:model>", "contacts/contact", path)
    path = re.sub(r"<int:[^>]+>", int_param, path)
    path = re.sub(r"<(?:slug|str|path):[^>]+>|<[^>:]+>", "x", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    path = re.sub(r"\([^)]*\)", "x", path)
    return "/" + path.replace("\\", "").replace("?", "")


def _routes():
    seen = {}
    for route, name in all_routes():
        if route.startswith(SKIPPED_PREFIXES) or name in PUBLIC:
            continue
        key = name or route
        seen.setdefault(key, route)  # format suffixes (api) share a name: keep the first
    return sorted(seen.items())


@pytest.fixture
def samples(db):
    series = series_with_line("CONT", "CT000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series)
    opportunity = OpportunityFactory()
    return {
        "contact": CompanyFactory().pk,
        "opportunity": opportunity.pk,
        "salescycle": opportunity.sales_cycle_id,
        "task": TaskFactory().pk,
        "segment": SegmentFactory().pk,
        "campaign": CampaignFactory().pk,
    }


def _clients(make_user) -> dict[str, Client]:
    users = {
        "sales": make_user("sales", groups=["Sales"]),
        "marketing": make_user("marketing", groups=["Marketing"]),
        "administrator": make_user("admin", groups=["Administrators"], is_staff=True),
    }
    clients = {"anonymous": Client(raise_request_exception=False)}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    return clients


def observe(make_user, samples) -> dict[str, tuple[tuple[int, ...], str, str]]:
    """name -> (statuses per role, path, anonymous Location)."""
    clients = _clients(make_user)
    observed = {}
    for key, route in _routes():
        path = _path_for(route, samples)
        statuses, location = [], ""
        for role in ROLES:
            response = clients[role].get(path)
            statuses.append(response.status_code)
            if role == "anonymous":
                location = response.get("Location", "")
        observed[key] = (tuple(statuses), path, location)
    return observed


def format_matrix(rows: dict[str, tuple[int, ...]]) -> str:
    lines = ["MATRIX: dict[str, tuple[int, int, int, int]] = {"]
    lines += [f'    "{name}": {statuses},' for name, statuses in sorted(rows.items())]
    lines.append("}")
    return "\n".join(lines)


@pytest.mark.django_db
def test_permission_matrix(make_user, samples):
    observed = observe(make_user, samples)
    table = {name: statuses for name, (statuses, _p, _l) in observed.items()}
    if os.environ.get("PRINT_PERMISSION_MATRIX"):
        text = format_matrix(table)
        out = ROOT / ".data" / "permission_matrix_observed.py"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text + "\n")
        print("\n" + text)  # noqa: T201

    # rules that hold whatever the table says
    problems = []
    for name, (statuses, path, location) in observed.items():
        anonymous = statuses[0]
        to_login = anonymous == 302 and "/accounts/login/" in location
        if path.startswith("/api/"):  # endpoints answer 401/403; the API's pages redirect
            if anonymous not in {401, 403, 404, 405} and not to_login:
                problems.append(f"{name} {path}: anonymous API call answered {anonymous}")
        elif not to_login:
            problems.append(f"{name} {path}: anonymous got {anonymous} {location}")
        if any(status >= 500 for status in statuses):
            problems.append(f"{name} {path}: server error {statuses}")
        setup_page = path.startswith("/setup/") or "numberseries" in path
        if setup_page and statuses[1] == 200 and name != "setup:index":
            problems.append(f"{name} {path}: a sales rep can open it")
    assert not problems, "\n".join(problems)

    missing = {name: s for name, s in table.items() if name not in MATRIX}
    assert not missing, (
        f"{len(missing)} URL(s) have no entry in MATRIX (tests/crm/test_permission_matrix.py); "
        "check these observed statuses (anonymous, sales, marketing, administrator) and add "
        "them:\n" + "\n".join(f'    "{n}": {s},' for n, s in sorted(missing.items()))
    )
    stale = sorted(set(MATRIX) - set(table))
    assert not stale, f"MATRIX entries for URLs that no longer exist: {stale}"
    wrong = {
        name: (MATRIX[name], statuses, observed[name][1])
        for name, statuses in table.items()
        if MATRIX[name] != statuses
    }
    assert not wrong, "Status differs from MATRIX (expected, observed, path):\n" + "\n".join(
        f"    {n}: {e} != {o}  {p}" for n, (e, o, p) in sorted(wrong.items())
    )


@pytest.mark.django_db
def test_sales_cannot_change_setup_or_number_series(client, sales_user):
    """Setup writes and number series are out of a sales rep's reach (admin needs staff)."""
    client.force_login(sales_user)
    assert client.post("/setup/marketing/", {}).status_code == 403
    response = client.get("/admin/setup/numberseries/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not sales_user.has_perm("setup.change_numberseries")
    assert not sales_user.has_perm("setup.change_marketingsetup")
