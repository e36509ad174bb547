"""Staff back door for API clients (token shown once), user tokens and the call log."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .forms import ApiClientAdminForm
from .models import ApiCall, ApiClient, ApiUserToken
from .services import api_client_create, api_client_token_rotate, api_client_update


def _token_message(request, client: ApiClient, token: str) -> None:
    messages.warning(
        request,
        _(
            "Token of %(name)s: %(token)s — copy it now, it is shown only once and cannot be "
            "retrieved later."
        )
        % {"name": client.name, "token": token},
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientAdminForm
    list_display = ["name", "is_active", "scope_list", "token_prefix", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["token_prefix", "last_used_at", "created_at", "updated_at"]
    actions = ["rotate_token"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes or [])

    def get_fields(self, request, obj=None):
        fields = ["name", "is_active", "scopes"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            api_client_update(
                client=obj, name=data["name"], is_active=data["is_active"], scopes=data["scopes"]
            )
            return
        client, token = api_client_create(
            name=data["name"], scopes=data["scopes"], is_active=data["is_active"]
        )
        obj.pk = client.pk
        obj.refresh_from_db()
        _token_message(request, client, token)

    @admin.action(description=_("Issue a new token (the old one stops working)"))
    def rotate_token(self, request, queryset):
        for client in queryset:
            _token_message(request, client, api_client_token_rotate(client=client))


@admin.register(ApiUserToken)
class ApiUserTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "token_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["user__username", "name", "token_prefix"]
    list_select_related = ["user"]
    fields = ["user", "name", "token_prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["user", "name", "token_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # users create their own tokens on *My API token*

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        messages.success(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    """Read-only call log; housekeeping drops rows older than 90 days."""

    list_display = ["created_at", "client", "user", "method", "endpoint", "status", "duration_ms"]
    list_filter = ["status", "method", "client", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["endpoint", "client__name", "user__username"]
    list_select_related = ["client", "user"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
