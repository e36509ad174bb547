from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from setup.admin_numbers import NumberedAdminMixin

from .models import (
    Activity,
    ActivityStep,
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    SalesQuote,
    Task,
)
from .services import sales_cycle_delete


class SalesCycleStageInline(admin.TabularInline):
    model = SalesCycleStage
    extra = 0
    fields = [
        "stage",
        "description",
        "completed_percent",
        "chances_percent",
        "activity",
        "is_quote_required",
        "allow_skip",
        "date_formula",
    ]


@admin.register(SalesCycle)
class SalesCycleAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "probability_method", "is_blocked"]
    search_fields = ["code", "description"]
    inlines = [SalesCycleStageInline]

    def delete_model(self, request, obj):
        try:
            sales_cycle_delete(cycle=obj)  # OPP-22
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(CloseOpportunityCode)
class CloseOpportunityCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "type"]
    search_fields = ["code", "description"]


class ActivityStepInline(admin.TabularInline):
    model = ActivityStep
    extra = 0
    fields = ["step_no", "type", "description", "priority", "date_formula"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [ActivityStepInline]


class OpportunityEntryInline(admin.TabularInline):
    model = OpportunityEntry
    extra = 0
    can_delete = False
    fields = [
        "entry_no",
        "stage",
        "date_of_change",
        "action_taken",
        "is_active",
        "estimated_value",
        "calculated_current_value",
        "estimated_close_date",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Opportunity)
class OpportunityAdmin(NumberedAdminMixin, admin.ModelAdmin):
    """Read-mostly: opportunities change through the pages (services)."""

    list_display = ["number", "description", "salesperson", "status", "creation_date"]
    list_filter = ["status", "sales_cycle"]
    search_fields = ["number", "description"]
    list_select_related = ["salesperson"]
    raw_id_fields = ["contact", "salesperson"]
    inlines = [OpportunityEntryInline]

    def has_add_permission(self, request):
        return False


@admin.register(SalesQuote)
class SalesQuoteAdmin(NumberedAdminMixin, admin.ModelAdmin):
    """SET-19: a quote's number comes from the sales quote series: quotes are created from
    their opportunity ("Create sales quote"), never added here."""

    add_refused_message = gettext_noop(
        "Sales quotes are created from their opportunity (Create sales quote), which takes "
        "the number from the sales quote series; they cannot be added here."
    )
    list_display = ["number", "contact", "opportunity", "amount", "status"]
    raw_id_fields = ["contact", "opportunity"]
    search_fields = ["number"]


@admin.register(Task)
class TaskAdmin(NumberedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "date", "type", "description", "salesperson", "team", "status"]
    list_filter = ["type", "status", "is_closed"]
    search_fields = ["number", "description"]
    list_select_related = ["salesperson", "team"]
    raw_id_fields = ["contact", "contact_company", "opportunity", "opportunity_entry", "team_task"]

    def has_add_permission(self, request):
        return False
