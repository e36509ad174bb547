"""Forms of the api pages: sales history CSV import, personal API tokens, the admin client."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from contacts.imports import IMPORT_MAX_BYTES
from crm.validators import FileSizeValidator

from .models import ApiClient, ApiScope
from .sales_history_import import IMPORT_FIELDS, REQUIRED_COLUMNS


class SalesHistoryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        # Formatted when shown, in the reader's language (not once, in English, at import).
        help_text=lazy(
            lambda: (
                _("UTF-8 CSV with a header row, at most %(size)d MB.")
                % {"size": IMPORT_MAX_BYTES // 2**20}
            ),
            str,
        )(),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        validators=[
            FileExtensionValidator(allowed_extensions=["csv"]),
            FileSizeValidator(IMPORT_MAX_BYTES),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Upload")))
        self.helper.attrs = {"enctype": "multipart/form-data"}


class SalesHistoryMappingForm(forms.Form):
    """One select per CSV column: the sales history field it fills (or ignore)."""

    def __init__(self, *args, headers=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(ignore)")), *IMPORT_FIELDS.items()]
        self.headers = list(headers)
        for index, header in enumerate(self.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=(initial_mapping or {}).get(header, ""),
            )

    def clean(self):
        data = super().clean()
        used = [v for k, v in data.items() if k.startswith("col_") and v]
        if len(used) != len(set(used)):
            raise forms.ValidationError(_("Each field can be mapped from one column only."))
        missing = [str(IMPORT_FIELDS[name]) for name in REQUIRED_COLUMNS if name not in used]
        if missing:
            raise forms.ValidationError(
                _("Map a column to: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        return data

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[f"col_{i}"]
            for i, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{i}")
        }


class SalesHistoryConfirmForm(forms.Form):
    skip_rejected = forms.BooleanField(label=_("Skip rejected lines"), required=False)


class ApiUserTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the script that uses it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create token")))


class ApiClientAdminForm(forms.ModelForm):
    """Admin form: scopes as checkboxes; the token is issued by the service, never edited."""

    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = ["name", "is_active", "scopes"]
