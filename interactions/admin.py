from django.contrib import admin
from django.core.exceptions import ValidationError

from . import models
from .services import SETUP_SLOTS, interaction_template_setup_update


@admin.register(models.InteractionGroup)
class InteractionGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


class InteractionTemplateLanguageInline(admin.TabularInline):
    model = models.InteractionTemplateLanguage
    extra = 0


@admin.register(models.InteractionTemplate)
class InteractionTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "group", "unit_cost", "unit_duration_min"]
    list_filter = ["group", "attachment_mode", "correspondence_type"]
    search_fields = ["code", "description"]
    list_select_related = ["group"]
    inlines = [InteractionTemplateLanguageInline]


@admin.register(models.InteractionTemplateSetup)
class InteractionTemplateSetupAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not models.InteractionTemplateSetup.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # INT-4: the lookup offers only templates without language rows.
        if db_field.name in models.NO_LANGUAGE_SLOTS:
            kwargs["queryset"] = models.InteractionTemplate.objects.filter(languages=None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            interaction_template_setup_update(
                data={slot: form.cleaned_data.get(slot) for slot in SETUP_SLOTS}
            )
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level="error")


@admin.register(models.Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["id", "file_name", "is_read_only", "created_at"]
    search_fields = ["file_name", "email_message_id"]


class InteractionLogEntryCommentInline(admin.TabularInline):
    model = models.InteractionLogEntryComment
    extra = 0


@admin.register(models.InteractionLogEntry)
class InteractionLogEntryAdmin(admin.ModelAdmin):
    list_display = [
        "entry_no",
        "date",
        "description",
        "contact",
        "salesperson",
        "template",
        "is_canceled",
        "is_postponed",
    ]
    list_filter = ["is_canceled", "is_postponed", "evaluation", "correspondence_type"]
    search_fields = ["=entry_no", "description"]
    raw_id_fields = ["contact", "contact_company", "attachment", "alt_address", "bulk_job", "user"]
    list_select_related = ["contact", "salesperson", "template"]
    show_full_result_count = False  # no COUNT(*) over millions of rows
    inlines = [InteractionLogEntryCommentInline]
    date_hierarchy = None


@admin.register(models.InteractionLogEntryComment)
class InteractionLogEntryCommentAdmin(admin.ModelAdmin):
    list_display = ["entry", "line_no", "date", "comment"]
    raw_id_fields = ["entry"]
