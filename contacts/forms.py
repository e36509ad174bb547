"""Input parsing for the contact pages (rules live in services.py)."""

import json

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.forms.renderers import get_default_renderer
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from crm.choices import use_cached_code_choices
from crm.concurrency import VersionFormMixin
from crm.linebreaks import LineBreaksFormMixin
from crm.validators import IMAGE_EXTENSIONS, image_validators
from crm.widgets import DateInput
from setup.models import (
    BusinessRelation,
    ContactType,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    NumberSeries,
    WebSource,
)
from setup.services import series_choices

from .models import Contact, ContactAltAddress
from .services import ADDRESS_FIELDS, CONTACT_EDIT_FIELDS, LOOKUP_CODE_MODELS

CONTACT_IMAGE_MAX_BYTES = 2 * 1024 * 1024  # a photo or logo for the card


class SelectWithNew(forms.Select):
    """A code lookup with "+ New" beside it: an inline form creates the code and selects it."""

    template_name = "contacts/widgets/select_with_new.html"

    def __init__(self, *args, new_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.new_url = new_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["new_url"] = self.new_url
        return context

    def render(self, name, value, attrs=None, renderer=None):
        """The ``<select>`` goes through the renderer on its own, where the project's
        ``FastWidgetRenderer`` writes it in Python (an ``{% include %}`` of ``select.html``
        in the template rendered its options one template at a time: a fifth of the contact
        form's CPU for its five lookups); the template only adds the button."""
        renderer = renderer or get_default_renderer()
        context = self.get_context(name, value, attrs)
        context["widget"]["select_html"] = mark_safe(  # noqa: S308 - the renderer's output
            renderer.render(forms.Select.template_name, context)
        )
        return self._render(self.template_name, context, renderer)


def add_new_buttons(form: forms.Form, user) -> None:
    """Give each code lookup of ``form`` a "+ New" when ``user`` may add that code."""
    if user is None:
        return
    for name, model in LOOKUP_CODE_MODELS.items():
        field = form.fields.get(name)
        if field is None or not isinstance(field.widget, forms.Select):
            continue
        if not user.has_perm(f"setup.add_{model._meta.model_name}"):
            continue
        widget = SelectWithNew(
            attrs=field.widget.attrs,
            new_url=reverse("contacts:lookup-code-create", args=[name]),
        )
        widget.choices = field.choices
        field.widget = widget


def address_lookup_container(prefix: str = "") -> str:
    """The id of the element that receives the SET-31 pick list."""
    return "address-lookup" + (f"-{prefix}" if prefix else "")


def add_address_lookup(form: forms.Form) -> None:
    """SET-31: post code, city and country ask the lookup after a change (htmx)."""
    prefix = f"{form.prefix}-" if form.prefix else ""
    url = reverse("contacts:address-lookup")
    for name in ("post_code", "city", "country"):
        field = form.fields.get(name)
        if field is None:
            continue
        field.widget.attrs.update(
            {
                "hx-get": url,
                "hx-trigger": "change",
                "hx-target": f"#{address_lookup_container(form.prefix or '')}",
                "hx-swap": "innerHTML",
                "hx-include": "closest form",
                "hx-vals": json.dumps({"changed": name, "prefix": prefix}),
                "autocomplete": "off",
            }
        )


GENERAL = [
    "name",
    "name_2",
    "search_name",
    "first_name",
    "middle_name",
    "surname",
    "initials",
    "job_title",
    "salesperson",
    "salutation",
    "organizational_level",
    "territory",
    "language",
    "currency",
    "vat_registration_number",
    "registration_number",
    "external_id",
]
COMMUNICATION = [
    *ADDRESS_FIELDS,
    "country",
    "phone",
    "mobile_phone",
    "fax",
    "pager",
    "extension",
    "email",
    "email_2",
    "home_page",
    "correspondence_type",
]
GDPR = ["exclude_from_segment", "is_privacy_blocked", "is_minor", "has_parental_consent"]


class ContactForm(LineBreaksFormMixin, VersionFormMixin, forms.ModelForm):
    """Create and edit form. ``company_text`` is the typed company (CON-20); ``company`` carries
    the chosen company (hidden, or a pick list after an ambiguous name)."""

    company_text = forms.CharField(
        label=_("Company"),
        required=False,
        max_length=100,
        help_text=_("Company name or number; leave empty for an independent person."),
    )
    company = forms.ModelChoiceField(
        queryset=Contact.objects.filter(type=ContactType.COMPANY),
        required=False,
        widget=forms.HiddenInput,
    )

    image = forms.ImageField(
        label=_("Image"),
        required=False,
        validators=image_validators(CONTACT_IMAGE_MAX_BYTES),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{e}" for e in IMAGE_EXTENSIONS)}
        ),
        help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB."),
    )

    class Meta:
        model = Contact
        fields = ["type", "number", *CONTACT_EDIT_FIELDS, "image"]

    def __init__(self, *args, creating: bool = False, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not self.initial.get("image"):
            self.initial["image"] = None  # no file yet: nothing to show or post back
        add_new_buttons(self, user)
        add_address_lookup(self)
        use_cached_code_choices(self)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave blank for the next number of the series.")
        if creating:
            choices = series_choices(setup_field="contact_series")
            if len(choices) > 1:  # SET-18
                self.fields["number_series"] = forms.ModelChoiceField(
                    label=_("Number series"),
                    queryset=NumberSeries.objects.filter(pk__in=[s.pk for s in choices]),
                    initial=choices[0].pk,
                    required=False,
                )
        else:
            del self.fields["type"]
            del self.fields["number"]
            if self.instance.type == ContactType.PERSON and self.instance.company_id:
                self.fields["company_text"].initial = self.instance.company_name
                self.fields["company"].initial = self.instance.company_id
        head = ["type", "number", "number_series"] if creating else []
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("General"),
                *[f for f in head if f in self.fields],
                "company_text",
                "company",
                "version",
                *GENERAL,
                "image",
            ),
            Fieldset(
                _("Communication"),
                *COMMUNICATION[: COMMUNICATION.index("country") + 1],
                HTML(f'<div id="{address_lookup_container()}"></div>'),
                *COMMUNICATION[COMMUNICATION.index("country") + 1 :],
            ),
            Fieldset(_("Privacy"), *GDPR),
            Submit("save", _("Save")),
        )

    def show_pick_list(self, candidates) -> None:
        """CON-20: an ambiguous name turns the company field into a pick list."""
        field = self.fields["company"]
        field.queryset = Contact.objects.filter(pk__in=[c.pk for c in candidates])
        field.widget = forms.RadioSelect(
            choices=[(c.pk, f"{c.number} · {c.name} · {c.city}") for c in candidates]
        )
        field.label = _("Pick the company")

    def _post_clean(self):
        # Validation is the service's job (full_clean with the rules applied first).
        pass

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in CONTACT_EDIT_FIELDS
            if name in self.cleaned_data
        }
        if self.creating:
            data["type"] = self.cleaned_data.get("type") or ContactType.COMPANY
        if data.get("type", self.instance.type) == ContactType.PERSON or (
            not self.creating and self.instance.type == ContactType.PERSON
        ):
            data["company_text"] = self.cleaned_data.get("company_text") or ""
            data["company"] = self.cleaned_data.get("company")
        elif self.cleaned_data.get("company_text"):
            data["company_text"] = self.cleaned_data["company_text"]
        image = self.cleaned_data.get("image")
        if image is False:  # "Clear" ticked
            data["image"] = ""
        elif image and "image" in self.files:
            data["image"] = image
        return data


class ConfirmForm(forms.Form):
    """A POST with nothing but the CSRF token (change type, delete)."""


class _RowForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_new_buttons(self, user)


def _row_form(field_name, model, label, extra=None):
    attrs = {
        field_name: forms.ModelChoiceField(queryset=model.objects.order_by("code"), label=label),
        **(extra or {}),
    }
    return type(f"{model.__name__}AddForm", (_RowForm,), attrs)


class LookupCodeForm(forms.Form):
    """The inline "+ New" form (inside the contact form, so its names are prefixed)."""

    new_code = forms.CharField(
        label=_("Code"),
        max_length=10,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    new_description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


IndustryGroupAddForm = _row_form("industry_group", IndustryGroup, _("Industry group"))
MailingGroupAddForm = _row_form("mailing_group", MailingGroup, _("Mailing group"))
JobResponsibilityAddForm = _row_form(
    "job_responsibility", JobResponsibility, _("Job responsibility")
)
BusinessRelationAddForm = _row_form("business_relation", BusinessRelation, _("Business relation"))
WebSourceAddForm = _row_form(
    "web_source",
    WebSource,
    _("Web source"),
    {"search_word": forms.CharField(label=_("Search word"), max_length=30, required=False)},
)


class CommentAddForm(LineBreaksFormMixin, forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    code = forms.CharField(label=_("Code"), max_length=10, required=False)
    comment = forms.CharField(label=_("Comment"), max_length=80)


class AltAddressForm(LineBreaksFormMixin, VersionFormMixin, forms.ModelForm):
    """Add (card section) and edit form; the edit carries the version token (crm.concurrency)."""

    class Meta:
        model = ContactAltAddress
        fields = ["code", "company_name", *ADDRESS_FIELDS, "country", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_address_lookup(self)

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}


class AltAddressDateRangeForm(forms.Form):
    alt_address = forms.ModelChoiceField(
        queryset=ContactAltAddress.objects.none(), label=_("Alternate address")
    )
    starting_date = forms.DateField(label=_("Starting date"), widget=DateInput())
    ending_date = forms.DateField(label=_("Ending date"), required=False, widget=DateInput())

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alt_address"].queryset = ContactAltAddress.objects.filter(contact=contact)


class ContactFilterForm(forms.Form):
    """The list's GET form: crispy, no CSRF, htmx refresh of #results (STYLE §5)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_id = "contact-filters"
        self.helper.attrs = {
            "hx-get": "",
            "hx-target": "#results",
            "hx-swap": "outerHTML",
            "hx-push-url": "true",
            "hx-trigger": "input delay:300ms, submit",
        }
        self.helper.layout = Layout(
            Div(
                *[Div(name, css_class="col-6 col-md-3 col-xl-2") for name in self.fields],
                css_class="row g-2",
            ),
            Submit("filter", _("Filter"), css_class="btn-sm"),
        )
