"""The layout's context: the main navigation and the fixed links of the user menu.

Every page renders them, so they cost no query and no URL resolving per request: the URLs
are reversed once per (script prefix, URLconf) and kept (``_layout``); which entries a user
sees comes from their permission sets, which ``crm.auth_backends`` keeps between requests.
"""

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed to see the entry or "")
NAVIGATION = [
    ("home", _("Home"), ""),
    ("contacts:contact-list", _("Contacts"), "contacts.view_contact"),
    ("interactions:index", _("Interactions"), "interactions.view_interactionlogentry"),
    ("segments:index", _("Segments"), "segments.view_segment"),
    ("opportunities:index", _("Opportunities"), "opportunities.view_opportunity"),
    ("opportunities:task-index", _("Tasks"), "opportunities.view_task"),
    ("campaigns:index", _("Campaigns"), "campaigns.view_campaign"),
    ("contacts:profile-index", _("Profiles"), "contacts.view_contact"),
    ("reports", _("Reports"), ""),
    ("setup:index", _("Setup"), "setup.view_salesperson"),
]

# The user menu and the language switcher of templates/base.html: name in the template ->
# URL name.
LAYOUT_URLS = {
    "home": "home",
    "admin": "admin:index",
    "password_change": "password_change",
    "api_token": "api:token-list",
    "api_docs": "api:docs",
    "logout": "logout",
    "set_language": "set_language",
}

_layouts: dict[tuple, tuple[list[tuple[str, object, str]], dict[str, str]]] = {}


def _layout() -> tuple[list[tuple[str, object, str]], dict[str, str]]:
    """(navigation entries as (url, label, permission), layout URLs), reversed once.

    An entry whose permission names a model that does not exist yet is shown to everyone
    (its page says so): its permission is "" here."""
    key = (get_script_prefix(), get_urlconf())
    layout = _layouts.get(key)
    if layout is None:
        entries = [
            (reverse(name), label, perm if perm and _model_exists(perm) else "")
            for name, label, perm in NAVIGATION
        ]
        urls = {key_: reverse(name) for key_, name in LAYOUT_URLS.items()}
        layout = _layouts[key] = (entries, urls)
    return layout


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    entries, urls = _layout()
    user = request.user
    items = [
        {"url": url, "label": label, "active": False}
        for url, label, perm in entries
        if not perm or user.has_perm(perm)
    ]
    active = active_entry(request.path, [item["url"] for item in items])
    for item in items:
        item["active"] = item["url"] == active
    return {"nav_items": items, "layout_urls": urls}


def active_entry(path: str, urls: list[str]) -> str | None:
    """The one entry a page belongs to: the longest URL that prefixes its path.

    ``/opportunities/tasks/3/`` is under Tasks, not also under Opportunities; the home page
    only for ``/`` itself. None for pages outside every entry (the password change)."""
    matches = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    return max(matches, key=len, default=None)


def _model_exists(perm: str) -> bool:
    from django.apps import apps

    app_label, codename = perm.split(".")
    try:
        apps.get_model(app_label, codename.split("_", 1)[1])
    except LookupError:
        return False
    return True
