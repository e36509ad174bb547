"""Card actions for business-system links (SPEC 3.6 steps 4–6): thin views over links.py."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from crm.exceptions import ApplicationError
from setup.models import LinkType

from .forms_extra import CreateAsForm, LinkExistingForm, MasterSideForm
from .links import (
    TemplateChoiceRequired,
    business_link_set_master_side,
    contact_business_relation_delete,
    contact_create_as,
    contact_link_existing,
    contact_links,
    create_as_templates,
)
from .selectors import contact_get


def _error(form, exc) -> None:
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _done(request, contact):
    """After a successful POST: the card (htmx follows with a full page load)."""
    if request.htmx:
        return HttpResponseClientRedirect(contact.get_absolute_url())
    return redirect(contact.get_absolute_url())


def _render(request, template, context):
    if request.htmx:
        return render(request, f"{template}#form", context)
    return render(request, template, context)


class ContactCreateAsView(PermissionRequiredMixin, View):
    """CON-47: kind → template pick list when several match → new external number."""

    permission_required = "contacts.add_contactbusinessrelation"
    template_name = "contacts/links_create_as.html"

    def get(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        link_type = request.GET.get("link_type", "customer")
        templates = create_as_templates(contact=contact, link_type=link_type)
        form = CreateAsForm(
            initial={"link_type": link_type},
            templates=templates if len(templates) > 1 else None,
        )
        return _render(request, self.template_name, {"contact": contact, "form": form})

    def post(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        link_type = request.POST.get("link_type", "")
        templates = create_as_templates(contact=contact, link_type=link_type)
        form = CreateAsForm(request.POST, templates=templates if len(templates) > 1 else None)
        if form.is_valid():
            try:
                link = contact_create_as(
                    contact=contact,
                    link_type=form.cleaned_data["link_type"],
                    template=form.cleaned_data.get("template"),
                    user=request.user,
                )
            except TemplateChoiceRequired as exc:
                form = CreateAsForm(request.POST, templates=exc.templates)
                form.is_valid()
                form.errors.pop("template", None)
            except (ApplicationError, ValidationError) as exc:
                _error(form, exc)
            else:
                messages.success(
                    request,
                    _("Linked as %(kind)s %(number)s (pending pickup).")
                    % {"kind": link.get_link_type_display(), "number": link.external_number},
                )
                if getattr(link, "warning", ""):
                    messages.warning(request, link.warning)
                return _done(request, contact)
        return _render(request, self.template_name, {"contact": contact, "form": form})


class ContactLinkExistingView(PermissionRequiredMixin, View):
    """CON-49: link type, external number and master side."""

    permission_required = "contacts.add_contactbusinessrelation"
    template_name = "contacts/links_link_existing.html"

    def get(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        return _render(
            request, self.template_name, {"contact": contact, "form": LinkExistingForm()}
        )

    def post(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        form = LinkExistingForm(request.POST)
        if form.is_valid():
            try:
                link = contact_link_existing(
                    contact=contact, user=request.user, **form.cleaned_data
                )
            except (ApplicationError, ValidationError) as exc:
                _error(form, exc)
            else:
                messages.success(
                    request,
                    _("Linked with %(kind)s %(number)s (pending pickup).")
                    % {"kind": link.get_link_type_display(), "number": link.external_number},
                )
                return _done(request, contact)
        return _render(request, self.template_name, {"contact": contact, "form": form})


class ContactBusinessRelationDeleteView(PermissionRequiredMixin, View):
    """CON-46/56: remove a relation row (a wrong link is removed, then created again)."""

    permission_required = "contacts.delete_contactbusinessrelation"
    template_name = "contacts/links_confirm_delete.html"

    def _row(self, request, pk, relation_pk):
        contact = contact_get(user=request.user, pk=pk)
        row = get_object_or_404(
            contact_links(contact=contact).filter(contact=contact), pk=relation_pk
        )
        return contact, row

    def get(self, request, pk, relation_pk):
        contact, row = self._row(request, pk, relation_pk)
        return _render(request, self.template_name, {"contact": contact, "row": row})

    def post(self, request, pk, relation_pk):
        contact, row = self._row(request, pk, relation_pk)
        try:
            contact_business_relation_delete(relation=row, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The business relation was removed."))
        return redirect(contact.get_absolute_url())


class ContactLinkMasterSideView(PermissionRequiredMixin, View):
    """CON-46: change a link's master side while the business system has not picked it up."""

    permission_required = "contacts.change_contactbusinessrelation"
    template_name = "contacts/links_master_side.html"

    def _row(self, request, pk, relation_pk):
        contact = contact_get(user=request.user, pk=pk)
        row = get_object_or_404(
            contact_links(contact=contact).filter(contact=contact).exclude(link_type=LinkType.NONE),
            pk=relation_pk,
        )
        return contact, row

    def get(self, request, pk, relation_pk):
        contact, row = self._row(request, pk, relation_pk)
        form = MasterSideForm(initial={"master_side": row.master_side})
        return _render(request, self.template_name, {"contact": contact, "row": row, "form": form})

    def post(self, request, pk, relation_pk):
        contact, row = self._row(request, pk, relation_pk)
        form = MasterSideForm(request.POST)
        if form.is_valid():
            try:
                business_link_set_master_side(
                    link=row, master_side=form.cleaned_data["master_side"]
                )
            except (ApplicationError, ValidationError) as exc:
                _error(form, exc)
            else:
                messages.success(request, _("The master side was changed."))
                return redirect(contact.get_absolute_url())
        return _render(request, self.template_name, {"contact": contact, "row": row, "form": form})


class ContactLinksPanelView(PermissionRequiredMixin, View):
    """Card fragment: relations and links with their actions (``hx-trigger="load"``)."""

    permission_required = "contacts.view_contact"

    def get(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        rows = list(contact_links(contact=contact))
        return render(request, "contacts/links_panel.html", {"contact": contact, "rows": rows})
