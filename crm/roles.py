"""The three shipped roles (SPEC 1) and the permissions each one holds.

Rules are written per app with per-model exceptions, so a model added later is covered as soon
as migrations run (``post_migrate`` re-syncs the groups). Actions: v(iew) a(dd) c(hange)
d(elete); ``*`` = every permission of the app, custom ones included.
"""

from django.contrib.auth.models import Group, Permission

SALES = "Sales"
MARKETING = "Marketing"
ADMINISTRATORS = "Administrators"

# app_label -> actions, or (app_label, model) -> actions (the model wins over its app).
ROLE_PERMISSIONS: dict[str, dict[str | tuple[str, str], str]] = {
    SALES: {
        "setup": "v",
        ("setup", "numberseries"): "",
        ("setup", "numberseriesline"): "",
        ("setup", "numberseriesrelationship"): "",
        ("setup", "marketingsetup"): "",
        "crm": "v",
        "contacts": "vacd",
        # README: profiles, duplicates and sales history are marketing or setup work
        ("contacts", "profilequestionnaire"): "v",
        ("contacts", "profilequestion"): "v",
        ("contacts", "profileanswer"): "v",
        ("contacts", "ratingpoint"): "v",
        ("contacts", "contactprofileanswer"): "v",  # answers are ticked with change_contact
        ("contacts", "contactduplicate"): "v",
        ("contacts", "duplicatesearchstringsetup"): "v",
        ("contacts", "saleshistoryline"): "v",
        ("contacts", "deletedcontacttombstone"): "v",
        ("contacts", "contactmergelog"): "v",
        "interactions": "vac",
        # interaction groups and templates are marketing or setup work
        ("interactions", "interactiongroup"): "v",
        ("interactions", "interactiontemplate"): "v",
        ("interactions", "interactiontemplatelanguage"): "v",
        ("interactions", "interactiontemplatesetup"): "v",
        "opportunities": "vacd",
        "segments": "v",
        "campaigns": "v",
        "reports": "v",
    },
    MARKETING: {
        "setup": "v",
        ("setup", "numberseries"): "",
        ("setup", "numberseriesline"): "",
        ("setup", "numberseriesrelationship"): "",
        ("setup", "marketingsetup"): "",
        ("setup", "mailinggroup"): "vacd",
        ("setup", "industrygroup"): "vacd",
        ("setup", "jobresponsibility"): "vacd",
        ("setup", "websource"): "vacd",
        "crm": "v",
        "contacts": "vacd",
        ("contacts", "saleshistoryline"): "v",  # import and removal: administrators
        ("contacts", "deletedcontacttombstone"): "v",
        ("contacts", "contactmergelog"): "v",
        "interactions": "vacd",
        ("interactions", "interactiontemplatesetup"): "v",  # the setup's slots
        "opportunities": "vac",
        "segments": "*",
        "campaigns": "*",
        "reports": "v",
    },
    ADMINISTRATORS: {
        "setup": "*",
        "crm": "*",
        "contacts": "*",
        "interactions": "*",
        "opportunities": "*",
        "segments": "*",
        "campaigns": "*",
        "reports": "*",
        "auth": "*",
        "api": "*",
        "maillog": "*",
        "sync": "*",
    },
}

# Extra custom permissions granted by codename, e.g. merging contacts (SPEC 1).
EXTRA_PERMISSIONS: dict[str, list[str]] = {
    SALES: [],
    MARKETING: ["contacts.merge_contact"],
    ADMINISTRATORS: [],
}


def is_administrator(user) -> bool:
    """A superuser or a member of the Administrators role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ADMINISTRATORS).exists()


_ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def _wanted(perm: Permission, rules: dict[str | tuple[str, str], str]) -> bool:
    app = perm.content_type.app_label
    model = perm.content_type.model
    actions = rules.get((app, model), rules.get(app))
    if not actions:
        return False
    if actions == "*":
        return True
    prefix = perm.codename.split("_", 1)[0]
    return any(_ACTIONS[a] == prefix for a in actions)


def sync_role_permissions() -> None:
    """Create the three groups and give each exactly the permissions of its rules."""
    perms = list(Permission.objects.select_related("content_type"))
    by_label = {f"{p.content_type.app_label}.{p.codename}": p for p in perms}
    for role, rules in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = {p for p in perms if _wanted(p, rules)}
        wanted |= {by_label[label] for label in EXTRA_PERMISSIONS[role] if label in by_label}
        group.permissions.set(wanted)


def sync_role_permissions_on_migrate(sender, app_config=None, **kwargs) -> None:
    """Run once per ``migrate``: after the last installed app that has models."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if app_config is not None and app_config.label != last.label:
        return
    sync_role_permissions()
