"""Forms of the e-mail logging pages (SPEC 11)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailLoggingSetup


class EmailLoggingSetupForm(forms.ModelForm):
    """Server, account, folders and run settings. The password is never shown back: blank
    keeps the stored one."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored password."),
    )

    class Meta:
        model = EmailLoggingSetup
        fields = [
            "imap_host",
            "imap_port",
            "security",
            "username",
            "password",
            "inbox_folder",
            "archive_folder",
            "skipped_folder",
            "batch_size",
            "poll_interval_min",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def setup_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "password"}
