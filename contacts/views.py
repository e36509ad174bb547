"""Contact pages: list, card (with htmx sections), create, edit, change type, delete."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from crm import extensions
from crm.concurrency import StaleObjectError
from setup.models import ContactType

from . import forms, services
from .filters import ContactFilterSet
from .selectors import (
    NoCountPaginator,
    company_get,
    company_persons,
    contact_alt_address_get,
    contact_get,
    contact_list,
    contact_salutations,
    contact_section_rows,
    web_source_url,
)


def add_validation_error(form, exc: ValidationError) -> None:
    """Show a service's ValidationError in place: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ContactListView(PermissionRequiredMixin, FilterView):
    permission_required = "contacts.view_contact"
    filterset_class = ContactFilterSet
    paginate_by = 50
    paginator_class = NoCountPaginator
    template_name = "contacts/contact_list.html"

    def get_queryset(self):
        queryset = contact_list(user=self.request.user)
        return extensions.list_annotate("contacts.contact", queryset, self.request.user)

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        # A fragment search tests its five columns on the covering sort index only.
        paginator.deferred_join = bool(self.request.GET.get("q", "").strip())
        return paginator

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#results"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        current = self.request.GET.get("o", "")
        columns = []
        for key, label in SORT_COLUMNS:
            columns.append((f"-{key}" if current == key else key, label))
        return super().get_context_data(
            sort_columns=columns,
            extension_columns=extensions.list_columns("contacts.contact", self.request.user),
            extension_actions=extensions.list_actions("contacts.contact", self.request.user),
            extension_bulk=extensions.list_bulk("contacts.contact", self.request.user),
            **kwargs,
        )


SORT_COLUMNS = [
    ("number", _("No.")),
    ("name", _("Name")),
    ("company_name", _("Company name")),
    ("city", _("City")),
    ("post_code", _("Post code")),
    ("last_modified_at", _("Last date modified")),
]


class ContactDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "contacts.view_contact"
    template_name = "contacts/contact_detail.html"

    def get_context_data(self, **kwargs):
        contact = contact_get(user=self.request.user, pk=kwargs["pk"])
        context = super().get_context_data(**kwargs)
        persons_page = (
            persons_page_get(company=contact, number=1)
            if contact.type == ContactType.COMPANY
            else None
        )
        context.update(
            contact=contact,
            salutations=contact_salutations(contact=contact),
            persons_page=persons_page,
            persons=persons_page.object_list if persons_page else [],
            sections=SECTIONS_FOR[contact.type],
            card_panels=extensions.card_panels("contacts.contact", contact, self.request.user),
        )
        return context


PERSONS_PAGE_SIZE = 25


def persons_page_get(*, company, number):
    """One page of a company's persons: LIMIT/OFFSET over the persons index plus one COUNT
    bounded by the company's persons (an index-only range), whatever their number."""
    paginator = Paginator(company_persons(company=company), PERSONS_PAGE_SIZE)
    return paginator.get_page(paginator.num_pages if number == "last" else number)


class ContactPersonsView(PermissionRequiredMixin, TemplateView):
    """The card's "Persons" section alone (htmx pager): ``?page=n``."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/contact_persons.html"

    def get_context_data(self, **kwargs):
        contact = contact_get(user=self.request.user, pk=kwargs["pk"])
        if contact.type != ContactType.COMPANY:
            raise Http404
        persons_page = persons_page_get(company=contact, number=self.request.GET.get("page"))
        return super().get_context_data(
            contact=contact, persons_page=persons_page, persons=persons_page.object_list
        )


class ContactCreateView(PermissionRequiredMixin, FormView):
    permission_required = "contacts.add_contact"
    form_class = forms.ContactForm
    template_name = "contacts/contact_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "creating": True, "user": self.request.user}

    def get_initial(self):
        """``?type=person&company=<pk>``: the card's "Add person" pre-fills the company."""
        initial = super().get_initial()
        if self.request.GET.get("type") in ContactType.values:
            initial["type"] = self.request.GET["type"]
        company = company_get(user=self.request.user, pk=self.request.GET.get("company"))
        if company is not None:
            initial.update(type=ContactType.PERSON, company=company.pk, company_text=company.name)
        return initial

    def form_valid(self, form):
        try:
            contact = services.contact_create(
                user=self.request.user,
                data=form.service_data(),
                number=form.cleaned_data.get("number") or "",
                number_series=form.cleaned_data.get("number_series"),
            )
        except services.AmbiguousCompanyError as exc:
            form.show_pick_list(exc.candidates)
            add_validation_error(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        if getattr(contact, "number_warning", ""):
            messages.warning(self.request, contact.number_warning)
        messages.success(
            self.request, _("Contact %(number)s created.") % {"number": contact.number}
        )
        _offer_duplicates(self.request, contact)
        return redirect(contact.get_absolute_url())


def _offer_duplicates(request, contact) -> None:
    """CON-63: after a save that left an unresolved pair, offer the duplicates page."""
    if not getattr(contact, "duplicates_found", False):
        return
    from .dedupe import duplicate_prompt

    prompt = duplicate_prompt(contact_id=contact.pk)
    if prompt:
        messages.warning(
            request,
            format_html(
                '{} <a href="{}" class="alert-link">{}</a>',
                prompt["message"],
                prompt["url"],
                _("Review duplicates"),
            ),
        )


class ContactUpdateView(PermissionRequiredMixin, FormView):
    permission_required = "contacts.change_contact"
    form_class = forms.ContactForm
    template_name = "contacts/contact_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.contact = contact_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.contact, "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contact=self.contact, **kwargs)

    def form_valid(self, form):
        try:
            contact = services.contact_update(
                contact=self.contact,
                user=self.request.user,
                data=form.service_data(),
                expected_version=form.expected_version,
            )
        except StaleObjectError as exc:
            form.refresh_version(self.contact)
            add_validation_error(form, exc)
            return self.form_invalid(form)
        except services.AmbiguousCompanyError as exc:
            form.show_pick_list(exc.candidates)
            add_validation_error(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Contact %(number)s saved.") % {"number": contact.number})
        _offer_duplicates(self.request, contact)
        return redirect(contact.get_absolute_url())


class _ConfirmView(PermissionRequiredMixin, FormView):
    form_class = forms.ConfirmForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.contact = contact_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contact=self.contact, **kwargs)


class ContactDeleteView(_ConfirmView):
    permission_required = "contacts.delete_contact"
    template_name = "contacts/contact_confirm_delete.html"

    def form_valid(self, form):
        try:
            count = services.contact_delete(contact=self.contact, user=self.request.user)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(count)s contact(s) deleted.") % {"count": count})
        return redirect("contacts:contact-list")


class ContactChangeTypeView(_ConfirmView):
    permission_required = "contacts.change_contact"
    template_name = "contacts/contact_change_type.html"

    def form_valid(self, form):
        try:
            contact = services.contact_change_type(contact=self.contact, user=self.request.user)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The contact is now a %(type)s.") % {"type": contact.get_type_display().lower()},
        )
        return redirect(contact.get_absolute_url())


# -- card sections (htmx fragments) --------------------------------------------------------------


def _add_pair(service, field):
    def add(contact, data):
        return service(contact=contact, **{field: data[field]})

    return add


SECTIONS = {
    "mailing-groups": {
        "title": _("Mailing groups"),
        "form": forms.MailingGroupAddForm,
        "add": _add_pair(services.contact_mailing_group_add, "mailing_group"),
        "remove": services.contact_mailing_group_remove,
        "label": "mailing_group",
    },
    "industry-groups": {
        "title": _("Industry groups"),
        "form": forms.IndustryGroupAddForm,
        "add": _add_pair(services.contact_industry_group_add, "industry_group"),
        "remove": services.contact_industry_group_remove,
        "label": "industry_group",
    },
    "job-responsibilities": {
        "title": _("Job responsibilities"),
        "form": forms.JobResponsibilityAddForm,
        "add": _add_pair(services.contact_job_responsibility_add, "job_responsibility"),
        "remove": services.contact_job_responsibility_remove,
        "label": "job_responsibility",
    },
    "business-relations": {
        "title": _("Business relations"),
        "form": forms.BusinessRelationAddForm,
        "add": _add_pair(services.contact_business_relation_add, "business_relation"),
        "remove": services.contact_business_relation_remove,
        "label": "business_relation",
    },
    "web-sources": {
        "title": _("Web sources"),
        "form": forms.WebSourceAddForm,
        "add": lambda contact, data: services.contact_web_source_add(
            contact=contact, web_source=data["web_source"], search_word=data["search_word"]
        ),
        "remove": services.contact_web_source_remove,
        "label": "web_source",
    },
    "alt-addresses": {
        "title": _("Alternate addresses"),
        "form": forms.AltAddressForm,
        "add": lambda contact, data: services.contact_alt_address_create(
            contact=contact, data=data
        ),
        "remove": services.contact_alt_address_delete,
        "label": "code",
    },
    "date-ranges": {
        "title": _("Alternate address date ranges"),
        "form": forms.AltAddressDateRangeForm,
        "add": lambda contact, data: services.contact_alt_address_date_range_create(
            contact=contact, **data
        ),
        "remove": services.contact_alt_address_date_range_delete,
        "label": "starting_date",
    },
    "comments": {
        "title": _("Comments"),
        "form": forms.CommentAddForm,
        "add": lambda contact, data: services.contact_comment_add(contact=contact, **data),
        "remove": services.contact_comment_delete,
        "label": "comment",
    },
}
SECTIONS_FOR = {
    ContactType.COMPANY: [
        "business-relations",
        "industry-groups",
        "web-sources",
        "mailing-groups",
        "alt-addresses",
        "date-ranges",
        "comments",
    ],
    ContactType.PERSON: [
        "job-responsibilities",
        "mailing-groups",
        "industry-groups",
        "business-relations",
        "alt-addresses",
        "date-ranges",
        "comments",
    ],
}


class ContactSectionView(PermissionRequiredMixin, View):
    """GET: one card section as a fragment. POST: add a row (or ``remove=<id>``), then the
    fresh fragment. Invalid input re-renders with 200 (htmx 2 does not swap 4xx)."""

    template_name = "contacts/contact_section.html"

    def get_permission_required(self):
        if self.request.method == "POST":
            return ["contacts.change_contact"]
        return ["contacts.view_contact"]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if kwargs["section"] not in SECTIONS:
            raise Http404
        self.section = SECTIONS[kwargs["section"]]

    def _form(self, data=None):
        form_class = self.section["form"]
        if form_class is forms.AltAddressDateRangeForm:
            return form_class(data, contact=self.contact, prefix=self.kwargs["section"])
        if issubclass(form_class, forms._RowForm):
            return form_class(data, prefix=self.kwargs["section"], user=self.request.user)
        return form_class(data, prefix=self.kwargs["section"])

    def _render(self, form, errors=()):
        name = self.kwargs["section"]
        writable = services.contact_section_is_writable(contact=self.contact, section=name)
        rows = contact_section_rows(
            contact=self.contact, section="alt-addresses" if name == "date-ranges" else name
        )
        if name == "web-sources":
            rows = [(row, web_source_url(row=row)) for row in rows]
        return render(
            self.request,
            self.template_name,
            {
                "contact": self.contact,
                "section": name,
                "title": self.section["title"],
                "rows": rows,
                "form": form if writable else None,
                "errors": errors,  # a refused remove
                "can_change": self.request.user.has_perm("contacts.change_contact"),
            },
        )

    def get(self, request, pk, section):
        self.contact = contact_get(user=request.user, pk=pk)
        return self._render(self._form())

    def post(self, request, pk, section):
        self.contact = contact_get(user=request.user, pk=pk)
        remove = request.POST.get("remove")
        if remove:
            try:
                self.section["remove"](contact=self.contact, pk=int(remove))
            except ValueError as exc:
                raise Http404 from exc
            except ValidationError as exc:  # e.g. a person's company rows (CON-40)
                return self._render(self._form(), errors=exc.messages)
            return self._render(self._form())
        form = self._form(request.POST)
        if form.is_valid():
            try:
                self.section["add"](self.contact, form.cleaned_data)
            except ValidationError as exc:
                add_validation_error(form, exc)
                return self._render(form)
            return self._render(self._form())
        return self._render(form)


class ContactAltAddressUpdateView(PermissionRequiredMixin, FormView):
    """Edit one alternate address; a save based on an outdated version is refused, never
    applied silently (crm.concurrency)."""

    permission_required = "contacts.change_contact"
    form_class = forms.AltAddressForm
    template_name = "contacts/alt_address_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.contact = contact_get(user=request.user, pk=kwargs["pk"])
            self.address = contact_alt_address_get(contact=self.contact, pk=kwargs["address_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.address}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contact=self.contact, address=self.address, **kwargs)

    def form_valid(self, form):
        try:
            services.contact_alt_address_update(
                address=self.address,
                data=form.service_data(),
                expected_version=form.expected_version,
            )
        except StaleObjectError as exc:
            form.refresh_version(self.address)
            add_validation_error(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Alternate address %(code)s saved.") % {"code": self.address.code}
        )
        return redirect(self.contact.get_absolute_url())


def section_url(contact, section) -> str:
    return reverse("contacts:contact-section", args=[contact.pk, section])
