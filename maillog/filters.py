"""The register filter of the sync log page."""

import django_filters
from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailLogMessage, Outcome


class EmailLogMessageFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.attrs = {
            "hx-get": "",
            "hx-target": "#results",
            "hx-swap": "outerHTML",
            "hx-push-url": "true",
            "hx-trigger": "input delay:300ms, submit",
        }


class EmailLogMessageFilterSet(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(
        label=_("outcome"), choices=Outcome.choices, empty_label=_("All outcomes")
    )

    class Meta:
        model = EmailLogMessage
        fields = ["outcome"]
        form = EmailLogMessageFilterForm
