from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.concurrency import VersionAdminForm
from crm.extensions import ExtensibleAdminMixin

from . import models
from .services import marketing_setup_update


class CodeTableAdmin(admin.ModelAdmin):
    form = VersionAdminForm  # a stale save is refused (crm.concurrency)
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


for model in (
    models.Territory,
    models.Currency,
    models.BusinessRelation,
    models.IndustryGroup,
    models.MailingGroup,
    models.JobResponsibility,
    models.OrganizationalLevel,
):
    admin.site.register(model, CodeTableAdmin)


@admin.register(models.Country)
class CountryAdmin(CodeTableAdmin):
    list_display = ["code", "name", "address_format"]
    search_fields = ["code", "name"]
    list_filter = ["address_format"]


@admin.register(models.Language)
class LanguageAdmin(CodeTableAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(models.WebSource)
class WebSourceAdmin(CodeTableAdmin):
    list_display = ["code", "description", "url"]


@admin.register(models.PostCode)
class PostCodeAdmin(admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ["code", "city", "county", "country"]
    search_fields = ["code", "city", "county"]
    list_filter = ["country"]


class SalutationFormulaInline(admin.TabularInline):
    model = models.SalutationFormula
    extra = 0


@admin.register(models.Salutation)
class SalutationAdmin(CodeTableAdmin):
    inlines = [SalutationFormulaInline]


class NumberSeriesLineInline(admin.TabularInline):
    model = models.NumberSeriesLine
    extra = 0
    readonly_fields = ["last_number_used", "last_date_used"]


class NumberSeriesRelationshipInline(admin.TabularInline):
    model = models.NumberSeriesRelationship
    fk_name = "series"
    extra = 0
    verbose_name = _("related series")
    verbose_name_plural = _("related series")


@admin.register(models.NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ["code", "description", "default_numbers", "manual_numbers", "date_order"]
    list_filter = ["default_numbers", "manual_numbers", "date_order"]
    search_fields = ["code", "description", "lines__starting_number"]
    inlines = [NumberSeriesLineInline, NumberSeriesRelationshipInline]


class TeamMemberInline(admin.TabularInline):
    model = models.TeamMember
    extra = 0
    autocomplete_fields = ["salesperson"]


@admin.register(models.Team)
class TeamAdmin(CodeTableAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [TeamMemberInline]


@admin.register(models.Salesperson)
class SalespersonAdmin(ExtensibleAdminMixin, admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ["code", "name", "email", "user", "is_blocked", "is_privacy_blocked"]
    list_filter = ["is_blocked", "is_privacy_blocked"]
    search_fields = ["code", "name", "email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["search_email"]


@admin.register(models.CustomerTemplate)
class CustomerTemplateAdmin(admin.ModelAdmin):
    form = VersionAdminForm
    list_display = ["code", "description", "link_type", "contact_type", "number_series"]
    list_filter = ["link_type", "contact_type"]
    search_fields = ["code", "description"]


@admin.register(models.MarketingSetup)
class MarketingSetupAdmin(admin.ModelAdmin):
    fieldsets = [(title, {"fields": names}) for title, names in models.MARKETING_SETUP_GROUPS]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            marketing_setup_update(data=data, user=request.user)
        except ValidationError as exc:  # pragma: no cover - the form validated first
            self.message_user(request, "; ".join(exc.messages), level="error")
