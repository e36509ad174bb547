from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.concurrency import VersionFormMixin

from .models import MARKETING_SETUP_GROUPS, MarketingSetup


class MarketingSetupForm(VersionFormMixin, forms.ModelForm):
    rebuild_duplicates = forms.BooleanField(
        label=_("Rebuild the duplicate index now"),
        required=False,
        help_text=_(
            "When you turn on 'maintain duplicate search strings', the index of every company "
            "can be rebuilt in the background."
        ),
    )

    class Meta:
        model = MarketingSetup
        fields = [name for _group, names in MARKETING_SETUP_GROUPS for name in names]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.layout = Layout(
            *[Fieldset(title, *names) for title, names in MARKETING_SETUP_GROUPS],
            "rebuild_duplicates",
            "version",
            Submit("save", _("Save")),
        )

    def _post_clean(self):
        # Validation is the service's job (it couples the switches first, SET-2).
        pass
