from django.contrib import admin

from . import models


@admin.register(models.CampaignStatus)
class CampaignStatusAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


class CampaignPriceLineInline(admin.TabularInline):
    model = models.CampaignPriceLine
    extra = 0


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "description",
        "status",
        "starting_date",
        "ending_date",
        "salesperson",
        "last_modified_on",
    ]
    list_filter = ["status", "salesperson"]
    search_fields = ["number", "description"]
    list_select_related = ["status", "salesperson"]
    readonly_fields = ["number", "last_modified_on"]
    inlines = [CampaignPriceLineInline]


@admin.register(models.CampaignEntry)
class CampaignEntryAdmin(admin.ModelAdmin):
    list_display = [
        "entry_no",
        "campaign",
        "description",
        "date",
        "document_kind",
        "segment_number",
        "is_canceled",
    ]
    list_filter = ["is_canceled", "document_kind"]
    search_fields = ["campaign__number", "description", "segment_number"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign", "user", "salesperson"]


@admin.register(models.CampaignTargetGroup)
class CampaignTargetGroupAdmin(admin.ModelAdmin):
    list_display = ["campaign", "kind", "number"]
    list_filter = ["kind"]
    search_fields = ["campaign__number", "number"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]


@admin.register(models.CampaignPriceLine)
class CampaignPriceLineAdmin(admin.ModelAdmin):
    list_display = [
        "campaign",
        "item_code",
        "unit_of_measure",
        "currency",
        "minimum_quantity",
        "unit_price",
        "line_discount_percent",
    ]
    search_fields = ["campaign__number", "item_code", "description"]
    list_select_related = ["campaign", "currency"]
    raw_id_fields = ["campaign"]
