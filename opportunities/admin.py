from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from crm.widgets import DateInput
from setup.admin_numbers import NumberedAdminMixin

from . import services
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


class OpportunityAdminForm(forms.ModelForm):
    """The admin applies the page's checks: OPP-5 (an activated campaign covering the
    creation date) and OPP-6 (segment and campaign agree)."""

    class Meta:
        model = Opportunity
        fields = "__all__"  # noqa: DJ007 - the admin lists its own fields
        widgets = {"creation_date": DateInput}

    def clean(self):
        data = super().clean()
        campaign = data.get("campaign")
        try:
            if "campaign" in self.changed_data or "creation_date" in self.changed_data:
                services.opportunity_campaign_validate(
                    campaign=campaign,
                    creation_date=data.get("creation_date") or self.instance.creation_date,
                )
            services.opportunity_segment_campaign_validate(
                segment_number=data.get("segment_number") or "", campaign=campaign
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return data


@admin.register(Opportunity)
class OpportunityAdmin(NumberedAdminMixin, admin.ModelAdmin):
    """Read-mostly: opportunities change through the pages (services). A save goes through
    ``opportunity_edit`` so the active entry and open tasks follow (OPP-5/7)."""

    form = OpportunityAdminForm

    list_display = ["number", "description", "salesperson", "status", "creation_date"]
    list_filter = ["status", "sales_cycle"]
    search_fields = ["number", "description"]
    list_select_related = ["salesperson"]
    raw_id_fields = ["contact", "salesperson"]
    inlines = [OpportunityEntryInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if not change:  # pragma: no cover - adding is not allowed
            return super().save_model(request, obj, form, change)
        edited = [f for f in form.changed_data if f in services.OPPORTUNITY_UPDATE_FIELDS]
        services.opportunity_edit(
            opportunity=obj,
            data={f: form.cleaned_data[f] for f in edited},
            user=request.user,
        )
        others = [f for f in form.changed_data if f not in edited]
        if others:
            obj.save(update_fields=[*others, "updated_at"])
        return None


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
