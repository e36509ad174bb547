from django.urls import reverse
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


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for name, label, perm in NAVIGATION:
        if perm and not _has_perm_or_missing(request.user, perm):
            continue
        items.append({"url": reverse(name), "label": label, "active": False})
    active = active_entry(request.path, [item["url"] for item in items])
    for item in items:
        item["active"] = item["url"] == active
    return {"nav_items": items}


def active_entry(path: str, urls: list[str]) -> str | None:
    """The one entry a page belongs to: the longest URL that prefixes its path.

    ``/opportunities/tasks/3/`` is under Tasks, not also under Opportunities; the home page
    only for ``/`` itself. None for pages outside every entry (the password change)."""
    matches = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    return max(matches, key=len, default=None)


def _has_perm_or_missing(user, perm: str) -> bool:
    """Entries whose model is not built yet are shown to everyone (their page says so)."""
    from django.apps import apps

    if user.has_perm(perm):
        return True
    app_label, codename = perm.split(".")
    model = codename.split("_", 1)[1]
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return True
    return False
