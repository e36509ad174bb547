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
    path = request.path
    for name, label, perm in NAVIGATION:
        if perm and not _has_perm_or_missing(request.user, perm):
            continue
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}


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
