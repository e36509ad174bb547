"""Duplicates page, "Generate duplicate search strings" job and merge (SPEC 3.6 step 7)."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from django_htmx.http import HttpResponseStopPolling

from crm.exceptions import ApplicationError
from crm.selectors import bulk_jobs_visible

from .dedupe import (
    GENERATE_JOB_KIND,
    contact_duplicate_mark_separate,
    contact_duplicate_strings_generate_start,
    contact_merge,
    contact_merge_clash_resolve,
    contact_merge_preview,
    duplicate_pair_get,
    duplicate_pair_list,
)
from .forms_extra import DuplicateGenerateForm, MergeForm
from .imports import BS_JOB_KIND, CSV_JOB_KIND

JOB_KINDS = {GENERATE_JOB_KIND, CSV_JOB_KIND, BS_JOB_KIND}


def _pair(pk):
    try:
        return duplicate_pair_get(pk=pk)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


class DuplicateListView(PermissionRequiredMixin, ListView):
    """Pairs ranked by name similarity (pg_trgm), then by matching strings."""

    permission_required = "contacts.view_contactduplicate"
    template_name = "contacts/duplicate_list.html"
    paginate_by = 50

    def get_queryset(self):
        contact = self.request.GET.get("contact")
        return duplicate_pair_list(
            contact_id=int(contact) if contact and contact.isdigit() else None,
            show_separate=self.request.GET.get("separate") == "1",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["generate_form"] = DuplicateGenerateForm()
        context["jobs"] = bulk_jobs_visible(user=self.request.user).filter(kind=GENERATE_JOB_KIND)[
            :1
        ]
        return context


class DuplicateGenerateView(PermissionRequiredMixin, View):
    permission_required = "contacts.change_contactduplicate"

    def post(self, request):
        form = DuplicateGenerateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the filters."))
            return redirect("contacts:duplicate-list")
        contact_duplicate_strings_generate_start(user=request.user, filters=form.cleaned_data)
        messages.info(request, _("Generating duplicate search strings in the background."))
        return redirect("contacts:duplicate-list")


class DuplicateSeparateView(PermissionRequiredMixin, View):
    """CON-62: "Separate contacts" (or undo it)."""

    permission_required = "contacts.change_contactduplicate"

    def post(self, request, pk):
        pair = _pair(pk)
        contact_duplicate_mark_separate(pair=pair, is_separate=request.POST.get("undo") != "1")
        messages.success(request, _("The pair was updated."))
        return redirect("contacts:duplicate-list")


class DuplicateMergeView(PermissionRequiredMixin, View):
    """CON-66: side-by-side differences with override boxes, clashes to resolve, merge."""

    permission_required = "contacts.merge_contact"
    template_name = "contacts/duplicate_merge.html"

    def _sides(self, request, pair):
        keep = request.POST.get("keep") or request.GET.get("keep") or "contact"
        if keep == "duplicate":
            return pair.duplicate, pair.contact, keep
        return pair.contact, pair.duplicate, "contact"

    def _page(self, request, pair, form=None):
        kept, duplicate, keep = self._sides(request, pair)
        preview = contact_merge_preview(kept=kept, duplicate=duplicate)
        form = form or MergeForm(initial={"keep": keep}, differences=preview.differences)
        return render(
            request,
            self.template_name,
            {"pair": pair, "preview": preview, "form": form, "keep": keep},
        )

    def get(self, request, pk):
        return self._page(request, _pair(pk))

    def post(self, request, pk):
        pair = _pair(pk)
        kept, duplicate, keep = self._sides(request, pair)
        if request.POST.get("action") == "resolve":
            try:
                contact_merge_clash_resolve(
                    duplicate=duplicate,
                    key=request.POST.get("key", ""),
                    action=request.POST.get("resolution", ""),
                    new_value=request.POST.get("new_value", ""),
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            except ValidationError as exc:  # the renamed row fails full_clean
                messages.error(request, "; ".join(exc.messages))
            return redirect(f"{reverse('contacts:duplicate-merge', args=[pk])}?keep={keep}")
        preview = contact_merge_preview(kept=kept, duplicate=duplicate)
        form = MergeForm(request.POST, differences=preview.differences)
        if form.is_valid():
            try:
                contact_merge(
                    kept=kept,
                    duplicate=duplicate,
                    overrides=form.cleaned_data["overrides"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Contact %(dup)s was merged into %(kept)s.")
                    % {"dup": duplicate.number, "kept": kept.number},
                )
                return redirect(kept.get_absolute_url())
        return self._page(request, pair, form)


class ContactJobProgressView(PermissionRequiredMixin, View):
    """Polled progress of a contacts bulk job; 286 stops polling once finished."""

    permission_required = "contacts.view_contact"

    def get(self, request, pk):
        job = get_object_or_404(bulk_jobs_visible(user=request.user), pk=pk, kind__in=JOB_KINDS)
        response = render(
            request,
            "partials/job_progress.html",
            {"job": job, "poll_url": reverse("contacts:contact-job-progress", args=[job.pk])},
        )
        if job.is_finished:
            return HttpResponseStopPolling(response.content)
        return response
