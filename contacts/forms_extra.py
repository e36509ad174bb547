"""Forms of the links, duplicates and import pages (input parsing only)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.widgets import DateInput
from setup.models import ContactType, CustomerTemplate, LinkType

from .imports import IMPORT_FIELDS, IMPORT_MAX_BYTES
from .models import MasterSide

LINK_KIND_CHOICES = [(k.value, k.label) for k in LinkType if k != LinkType.NONE]


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class CreateAsForm(forms.Form):
    link_type = forms.ChoiceField(label=_("Create as"), choices=LINK_KIND_CHOICES)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=CustomerTemplate.objects.none(), required=False
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates:
            self.fields["template"].queryset = CustomerTemplate.objects.filter(
                pk__in=[t.pk for t in templates]
            ).order_by("code")
            self.fields["template"].required = True
        else:
            self.fields["template"].widget = forms.HiddenInput()
        self.helper = _helper(_("Create"))


class LinkExistingForm(forms.Form):
    link_type = forms.ChoiceField(label=_("Link type"), choices=LINK_KIND_CHOICES)
    external_number = forms.CharField(label=_("External no."), max_length=20)
    master_side = forms.ChoiceField(
        label=_("Master side"), choices=MasterSide.choices, initial=MasterSide.CONTACT
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Link"))


class MasterSideForm(forms.Form):
    """CON-46: the master side is the only part of a link that changes, and only while pending."""

    master_side = forms.ChoiceField(label=_("Master side"), choices=MasterSide.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class DuplicateGenerateForm(forms.Form):
    number_from = forms.CharField(label=_("Contact no. from"), required=False, max_length=20)
    number_to = forms.CharField(label=_("Contact no. to"), required=False, max_length=20)
    company_number = forms.CharField(label=_("Company no."), required=False, max_length=20)
    modified_from = forms.DateField(label=_("Modified from"), required=False, widget=DateInput())
    modified_to = forms.DateField(label=_("Modified to"), required=False, widget=DateInput())
    external_id = forms.CharField(label=_("External ID"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Generate duplicate search strings"))


class MergeForm(forms.Form):
    keep = forms.ChoiceField(
        label=_("Keep"),
        choices=[("contact", _("Left contact")), ("duplicate", _("Right contact"))],
        initial="contact",
    )
    overrides = forms.MultipleChoiceField(
        label=_("Take the other contact's value"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, differences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overrides"].choices = [(d.name, d.label) for d in differences]


class ClashResolveForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(
        choices=[("delete", _("Remove the duplicate's row")), ("rename", _("Rename"))]
    )
    new_value = forms.CharField(label=_("New code"), required=False, max_length=20)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or vCard file"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.vcf,text/csv,text/vcard,text/x-vcard"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request: a lazy string formatted at import time stays in English.
        self.fields["file"].help_text = _(
            "UTF-8 CSV with a header row, or vCard (.vcf, version 3.0 or 4.0), at most %(size)d MB."
        ) % {"size": IMPORT_MAX_BYTES // 2**20}
        self.helper = _helper(_("Upload"))
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}


class ImportMappingForm(forms.Form):
    """One select per column: the contact field it fills (or ignore); and the contact type of
    rows that carry none (no type column, or a blank cell)."""

    default_type = forms.ChoiceField(
        label=_("Contact type of rows without a type"),
        choices=ContactType.choices,
        initial=ContactType.COMPANY,
        required=False,
        help_text=_("Used for every row when no column is mapped to the type."),
    )

    def clean_default_type(self):
        return self.cleaned_data.get("default_type") or ContactType.COMPANY

    def __init__(self, *args, headers=(), initial_mapping=None, header_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(ignore)")), *[(k, v) for k, v in IMPORT_FIELDS.items()]]
        self.headers = list(headers)
        for index, header in enumerate(self.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=(header_labels or {}).get(header, header),
                choices=choices,
                required=False,
                initial=(initial_mapping or {}).get(header, ""),
            )

    def clean(self):
        data = super().clean()
        used = [v for k, v in data.items() if k.startswith("col_") and v]
        if len(used) != len(set(used)):
            raise forms.ValidationError(_("Each field can be mapped from one column only."))
        if "name" not in used:
            raise forms.ValidationError(_("Map a column to Name."))
        return data

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{i}")
            for i, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{i}")
        }


class ImportConfirmForm(forms.Form):
    skip_rejected = forms.BooleanField(label=_("Skip rejected rows"), required=False)
