import json

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.concurrency import VersionAdminForm

from .models import ExternalCrmConnection, SyncFieldMapping, SyncTableMapping


class ConnectionForm(VersionAdminForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password (it is never shown)."),
    )

    class Meta:
        model = ExternalCrmConnection
        fields = ["base_url", "database", "username", "remote_company_id", "page_size",
                  "timeout_s"]  # fmt: skip
        widgets = {"base_url": forms.URLInput(attrs={"placeholder": "http://127.0.0.1:8069"})}


class MappingForm(VersionAdminForm):
    class Meta:
        model = SyncTableMapping
        fields = [
            "is_enabled", "direction", "sync_only_coupled", "update_conflict",
            "deletion_conflict", "interval_min", "inactivity_timeout_min", "is_event_sync",
            "remote_filter", "local_filter", "remote_defaults", "local_defaults", "depends_on",
        ]  # fmt: skip
        widgets = {
            "remote_filter": forms.Textarea(attrs={"rows": 2}),
            "local_filter": forms.Textarea(attrs={"rows": 2}),
            "remote_defaults": forms.Textarea(attrs={"rows": 2}),
            "local_defaults": forms.Textarea(attrs={"rows": 2}),
            "depends_on": forms.Textarea(attrs={"rows": 1}),
        }

    def clean_remote_filter(self):
        value = self.cleaned_data["remote_filter"].strip()
        if value:
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("The remote filter must be a JSON list (a Tryton domain): %(error)s"),
                    params={"error": exc},
                ) from exc
            if not isinstance(parsed, list):
                raise forms.ValidationError(_("The remote filter must be a JSON list."))
        return value

    def clean_depends_on(self):
        value = self.cleaned_data["depends_on"] or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError(
                _('Depends on is a JSON list of mapping names, e.g. ["ACCOUNT"].')
            )
        known = set(SyncTableMapping.objects.values_list("name", flat=True))
        unknown = [v for v in value if v not in known]
        if unknown:
            raise forms.ValidationError(
                _("Unknown mappings: %(names)s"), params={"names": ", ".join(unknown)}
            )
        return value


class FieldMappingForm(VersionAdminForm):
    class Meta:
        model = SyncFieldMapping
        fields = [
            "is_enabled", "local_field", "remote_field", "direction", "constant_value",
            "transformation", "validate_on_write", "clear_on_failure", "is_not_null",
            "use_for_matching", "match_case_sensitive", "match_priority",
        ]  # fmt: skip


class SyncChoiceForm(forms.Form):
    """SYN-14 / SYN-15 "synchronise" on a bidirectional mapping: which side overwrites."""

    winner = forms.ChoiceField(
        label=_("Winning side"),
        choices=[
            ("local", _("This CRM overwrites the external CRM")),
            ("remote", _("The external CRM overwrites this CRM")),
        ],
        widget=forms.RadioSelect,
    )
