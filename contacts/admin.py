"""Staff back door for the contacts area. Business rules live in services, not here."""

from django.contrib import admin
from django.utils.translation import gettext_noop

from setup.admin_numbers import NumberedAdminMixin

from . import models


class ContactAltAddressInline(admin.StackedInline):
    model = models.ContactAltAddress
    extra = 0
    autocomplete_fields = ["country"]
    readonly_fields = ["search_email", "last_modified_at"]


class ContactAltAddressDateRangeInline(admin.TabularInline):
    model = models.ContactAltAddressDateRange
    extra = 0
    raw_id_fields = ["alt_address"]


class ContactBusinessRelationInline(admin.TabularInline):
    model = models.ContactBusinessRelation
    extra = 0
    autocomplete_fields = ["business_relation", "template"]
    readonly_fields = ["pickup_status", "acknowledged_at", "created_at"]


class ContactIndustryGroupInline(admin.TabularInline):
    model = models.ContactIndustryGroup
    extra = 0
    autocomplete_fields = ["industry_group"]


class ContactMailingGroupInline(admin.TabularInline):
    model = models.ContactMailingGroup
    extra = 0
    autocomplete_fields = ["mailing_group"]


class ContactJobResponsibilityInline(admin.TabularInline):
    model = models.ContactJobResponsibility
    extra = 0
    autocomplete_fields = ["job_responsibility"]


class ContactWebSourceInline(admin.TabularInline):
    model = models.ContactWebSource
    extra = 0
    autocomplete_fields = ["web_source"]


@admin.register(models.Contact)
class ContactAdmin(NumberedAdminMixin, admin.ModelAdmin):
    # SET-16/17/19: the number comes from the contact series through contact_create.
    add_refused_message = gettext_noop(
        "Contacts are created from the Contacts pages, which take the number from the contact "
        "series; they cannot be added here."
    )
    list_display = [
        "number",
        "name",
        "type",
        "company_name",
        "city",
        "phone",
        "email",
        "salesperson",
        "business_relation_summary",
        "is_privacy_blocked",
        "last_modified_at",
    ]
    list_display_links = ["number", "name"]
    list_filter = [
        "type",
        "business_relation_summary",
        "correspondence_type",
        "is_privacy_blocked",
        "is_minor",
        "exclude_from_segment",
        "salesperson",
        "territory",
        "country",
    ]
    search_fields = [
        "number",
        "name",
        "search_name",
        "company_name",
        "email",
        "phone",
        "city",
        "post_code",
        "external_id",
    ]
    list_select_related = ["company", "salesperson"]
    raw_id_fields = ["company"]
    autocomplete_fields = [
        "salesperson",
        "salutation",
        "organizational_level",
        "language",
        "territory",
        "currency",
        "country",
    ]
    readonly_fields = [
        "number_series",
        "search_email",
        "business_relation_summary",
        "last_modified_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "last_modified_at"
    inlines = [
        ContactBusinessRelationInline,
        ContactIndustryGroupInline,
        ContactMailingGroupInline,
        ContactJobResponsibilityInline,
        ContactWebSourceInline,
        ContactAltAddressInline,
        ContactAltAddressDateRangeInline,
    ]


@admin.register(models.ContactAltAddress)
class ContactAltAddressAdmin(admin.ModelAdmin):
    list_display = ["contact", "code", "company_name", "city", "post_code", "country"]
    list_filter = ["country"]
    search_fields = ["code", "company_name", "city", "post_code", "email", "contact__number"]
    list_select_related = ["contact", "country"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["country"]
    readonly_fields = ["search_email", "last_modified_at"]


@admin.register(models.ContactAltAddressDateRange)
class ContactAltAddressDateRangeAdmin(admin.ModelAdmin):
    list_display = ["contact", "starting_date", "ending_date", "alt_address"]
    list_filter = ["starting_date"]
    search_fields = ["contact__number", "contact__name", "alt_address__code"]
    list_select_related = ["contact", "alt_address"]
    raw_id_fields = ["contact", "alt_address"]


@admin.register(models.ContactBusinessRelation)
class ContactBusinessRelationAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "business_relation",
        "link_type",
        "external_number",
        "master_side",
        "pickup_status",
        "created_at",
        "acknowledged_at",
    ]
    list_filter = ["link_type", "pickup_status", "master_side", "business_relation"]
    search_fields = ["external_number", "contact__number", "contact__name"]
    list_select_related = ["contact", "business_relation"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["business_relation", "template"]
    readonly_fields = ["pickup_status", "acknowledged_at", "created_at", "updated_at"]


@admin.register(models.ContactIndustryGroup)
class ContactIndustryGroupAdmin(admin.ModelAdmin):
    list_display = ["contact", "industry_group"]
    list_filter = ["industry_group"]
    search_fields = ["contact__number", "contact__name", "industry_group__code"]
    list_select_related = ["contact", "industry_group"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["industry_group"]


@admin.register(models.ContactMailingGroup)
class ContactMailingGroupAdmin(admin.ModelAdmin):
    list_display = ["contact", "mailing_group"]
    list_filter = ["mailing_group"]
    search_fields = ["contact__number", "contact__name", "mailing_group__code"]
    list_select_related = ["contact", "mailing_group"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["mailing_group"]


@admin.register(models.ContactJobResponsibility)
class ContactJobResponsibilityAdmin(admin.ModelAdmin):
    list_display = ["contact", "job_responsibility"]
    list_filter = ["job_responsibility"]
    search_fields = ["contact__number", "contact__name", "job_responsibility__code"]
    list_select_related = ["contact", "job_responsibility"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["job_responsibility"]


@admin.register(models.ContactWebSource)
class ContactWebSourceAdmin(admin.ModelAdmin):
    list_display = ["contact", "web_source", "search_word"]
    list_filter = ["web_source"]
    search_fields = ["contact__number", "contact__name", "web_source__code", "search_word"]
    list_select_related = ["contact", "web_source"]
    raw_id_fields = ["contact"]
    autocomplete_fields = ["web_source"]


@admin.register(models.CommentLine)
class CommentLineAdmin(admin.ModelAdmin):
    list_display = ["target_kind", "target_id", "sub_id", "line_no", "date", "code", "comment"]
    list_filter = ["target_kind", "date"]
    search_fields = ["comment", "code", "=target_id"]
    readonly_fields = ["last_modified_at"]


@admin.register(models.DuplicateSearchStringSetup)
class DuplicateSearchStringSetupAdmin(admin.ModelAdmin):
    list_display = ["field", "part", "length"]
    list_filter = ["field", "part"]
    search_fields = ["field"]


@admin.register(models.ContactDuplicateSearchString)
class ContactDuplicateSearchStringAdmin(admin.ModelAdmin):
    list_display = ["contact", "field", "part", "search_string"]
    list_filter = ["field", "part"]
    search_fields = ["search_string", "contact__number", "contact__name"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]


@admin.register(models.ContactDuplicate)
class ContactDuplicateAdmin(admin.ModelAdmin):
    list_display = ["contact", "duplicate", "matching_string_count", "is_separate"]
    list_filter = ["is_separate"]
    search_fields = [
        "contact__number",
        "contact__name",
        "duplicate__number",
        "duplicate__name",
    ]
    list_select_related = ["contact", "duplicate"]
    raw_id_fields = ["contact", "duplicate"]
    readonly_fields = ["matching_string_count"]


@admin.register(models.ContactMergeLog)
class ContactMergeLogAdmin(admin.ModelAdmin):
    list_display = ["merged_at", "kept_number", "duplicate_number", "duplicate_name", "merged_by"]
    list_filter = ["merged_at", "merged_by"]
    search_fields = ["kept_number", "duplicate_number", "duplicate_name"]
    list_select_related = ["merged_by"]
    raw_id_fields = ["kept_contact", "merged_by"]
    date_hierarchy = "merged_at"


@admin.register(models.DeletedContactTombstone)
class DeletedContactTombstoneAdmin(admin.ModelAdmin):
    list_display = ["deleted_at", "number", "name", "contact_id"]
    list_filter = ["deleted_at"]
    search_fields = ["number", "name"]
    date_hierarchy = "deleted_at"


@admin.register(models.SalesHistoryLine)
class SalesHistoryLineAdmin(admin.ModelAdmin):
    list_display = [
        "posting_date",
        "entry_kind",
        "link_type",
        "external_number",
        "contact",
        "item_code",
        "document_number",
        "quantity",
        "amount",
    ]
    list_filter = ["entry_kind", "link_type", "posting_date"]
    search_fields = ["external_number", "item_code", "item_group", "document_number", "source_id"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    date_hierarchy = "posting_date"
