"""Who may call what: API clients need the view's scope (SPEC 12.1); users need the same model
permissions as the pages (DjangoModelPermissions, view permission included for reads)."""

from rest_framework import permissions

from .models import ApiClient


class ApiPermission(permissions.DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if isinstance(request.auth, ApiClient):
            scope = view_scope(view, request.method)
            return bool(scope) and request.auth.has_scope(scope)
        if getattr(view, "_ignore_model_permissions", False):
            return True
        model = view_model(view)
        if model is None:
            return False
        perms = self.get_required_permissions(request.method, model)
        perms += list(getattr(view, "extra_user_perms", {}).get(request.method, []))
        return request.user.has_perms(perms)


def view_scope(view, method: str) -> str:
    scope = getattr(view, "scope", "")
    if isinstance(scope, dict):
        return scope.get(method, scope.get("*", ""))
    return scope


def view_model(view):
    model = getattr(view, "perms_model", None)
    if model is not None:
        return model
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    return None
