from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.choices import use_cached_code_choices
from crm.concurrency import VersionFormMixin
from crm.widgets import DateInput, SearchSelect
from setup.models import CorrespondenceType, Language, Salesperson

from .models import (
    Evaluation,
    InformationFlow,
    InitiatedBy,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)


class ServiceValidatedModelForm(forms.ModelForm):
    """A ModelForm used for parsing only: the service validates and saves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _post_clean(self):
        pass


class InteractionGroupForm(VersionFormMixin, ServiceValidatedModelForm):
    class Meta:
        model = InteractionGroup
        fields = ["code", "description"]


class InteractionTemplateForm(VersionFormMixin, ServiceValidatedModelForm):
    class Meta:
        model = InteractionTemplate
        fields = [
            "code",
            "description",
            "group",
            "unit_cost",
            "unit_duration_min",
            "information_flow",
            "initiated_by",
            "campaign",
            "is_campaign_target",
            "is_campaign_response",
            "correspondence_type",
            "ignore_contact_correspondence_type",
            "default_language",
            "attachment_mode",
        ]


class InteractionTemplateLanguageForm(VersionFormMixin, ServiceValidatedModelForm):
    class Meta:
        model = InteractionTemplateLanguage
        fields = [
            "language",
            "description",
            "attachment",
            "email_subject",
            "email_body",
            "send_attachment_as_file",
        ]
        widgets = {"email_body": forms.Textarea(attrs={"rows": 8, "class": "font-monospace"})}
        help_texts = {
            "email_body": _(
                "Django template syntax: {{ contact.first_name }}, {% if … %}…{% endif %} and "
                "the default filter. Unknown variables render empty."
            )
        }


class InteractionForm(forms.Form):
    """The "log interaction" wizard (SPEC 4.3): parsing only; INT-9/10 live in the service."""

    contact = forms.ModelChoiceField(
        queryset=Contact.objects.all(),
        required=False,
        label=_("Contact"),
        widget=SearchSelect("contacts:contact-search"),
    )
    template = forms.ModelChoiceField(
        queryset=InteractionTemplate.objects.select_related("group"),
        required=False,
        label=_("Interaction template"),
    )
    description = forms.CharField(max_length=100, required=False, label=_("Description"))
    salesperson = forms.ModelChoiceField(
        queryset=Salesperson.objects.all(), required=False, label=_("Salesperson")
    )
    language = forms.ModelChoiceField(
        queryset=Language.objects.all(), required=False, label=_("Language")
    )
    date = forms.DateField(required=False, label=_("Date"), widget=DateInput())
    time = forms.TimeField(
        required=False, label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    correspondence_type = forms.ChoiceField(
        choices=CorrespondenceType.choices, required=False, label=_("Correspondence type")
    )
    information_flow = forms.ChoiceField(
        choices=InformationFlow.choices, required=False, label=_("Information flow")
    )
    initiated_by = forms.ChoiceField(
        choices=InitiatedBy.choices, required=False, label=_("Initiated by")
    )
    subject = forms.CharField(max_length=100, required=False, label=_("Subject"))
    email_body = forms.CharField(
        required=False, label=_("E-mail body"), widget=forms.Textarea(attrs={"rows": 6})
    )
    attachment_file = forms.FileField(required=False, label=_("Attachment"))
    is_campaign_target = forms.BooleanField(required=False, label=_("Campaign target"))
    is_campaign_response = forms.BooleanField(required=False, label=_("Campaign response"))
    evaluation = forms.ChoiceField(
        choices=Evaluation.choices, required=False, label=_("Evaluation")
    )
    is_successful = forms.BooleanField(
        required=False, initial=True, label=_("Interaction successful")
    )
    cost = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False, label=_("Cost")
    )
    duration_min = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=2, required=False, label=_("Duration (min)")
    )

    # Step 3 links to records of higher areas (campaign, opportunity, task); their fields come
    # from the string foreign keys of the log entry, so no higher app is imported (STYLE 2).
    LINK_FIELDS = ("campaign", "opportunity", "task")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.LINK_FIELDS:
            field = InteractionLogEntry._meta.get_field(name).formfield(required=False)
            if name == "campaign":
                field.widget = SearchSelect("campaigns:campaign-search")
            else:
                field.widget = forms.HiddenInput()
            self.fields[name] = field
        use_cached_code_choices(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("cost", "duration_min"):
            if data.get(name) is None:
                data.pop(name)
        return data


class PhoneCallForm(forms.Form):
    phone = forms.ChoiceField(label=_("Number used"))
    description = forms.CharField(max_length=100, required=False, label=_("Description"))
    is_successful = forms.BooleanField(
        required=False, initial=True, label=_("Interaction successful")
    )
    evaluation = forms.ChoiceField(
        choices=Evaluation.choices, required=False, label=_("Evaluation")
    )
    duration_min = forms.DecimalField(min_value=0, required=False, label=_("Duration (min)"))
    cost = forms.DecimalField(min_value=0, required=False, label=_("Cost"))

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].choices = [(n, n) for n in numbers]
        self.helper = FormHelper()
        self.helper.form_tag = False


class EntryActionForm(forms.Form):
    ACTIONS = [
        ("cancel", _("Cancel")),
        ("uncancel", _("Un-cancel")),
        ("evaluate", _("Evaluate")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    entries = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Entries"))
    evaluation = forms.ChoiceField(choices=Evaluation.choices, required=False)
    delete_attachments = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        values = self.data.getlist("entries") if hasattr(self.data, "getlist") else []
        self.fields["entries"].choices = [(v, v) for v in values]


class DeleteCanceledForm(forms.Form):
    date_from = forms.DateField(required=False, label=_("From"), widget=DateInput())
    date_to = forms.DateField(required=False, label=_("To"), widget=DateInput())
    contact = forms.IntegerField(
        required=False,
        label=_("Contact"),
        widget=SearchSelect("contacts:contact-search", queryset=Contact.objects.all()),
    )
    template = forms.ModelChoiceField(
        queryset=InteractionTemplate.objects.all(), required=False, label=_("Interaction template")
    )
    salesperson = forms.ModelChoiceField(
        queryset=Salesperson.objects.all(), required=False, label=_("Salesperson")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class StatisticsFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label=_("From"), widget=DateInput())
    date_to = forms.DateField(required=False, label=_("To"), widget=DateInput())


class LettersPrintedForm(forms.Form):
    """INT-21: the letters just printed."""

    entries = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, entry_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = [(pk, pk) for pk in entry_ids]


class CoverSheetForm(forms.Form):
    """INT-23: optional free text and remarks; "log interaction" logs one entry per contact."""

    free_text = forms.CharField(
        label=_("Text"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    remarks = forms.CharField(
        label=_("Remarks"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    log_interaction = forms.BooleanField(label=_("Log interaction"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class EntryCommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=80)
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )
