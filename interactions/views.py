from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView
from django_filters.views import FilterView
from django_htmx.http import HttpResponseStopPolling

from crm.concurrency import StaleObjectError
from crm.request_guard import id_param
from crm.selectors import bulk_jobs_visible
from setup.services import salesperson_for_user

from . import eml, letters, selectors, services
from .filters import InteractionLogEntryFilterSet
from .forms import (
    CoverSheetForm,
    DeleteCanceledForm,
    EntryActionForm,
    EntryCommentForm,
    InteractionForm,
    InteractionGroupForm,
    InteractionTemplateForm,
    InteractionTemplateLanguageForm,
    LettersPrintedForm,
    PhoneCallForm,
    StatisticsFilterForm,
)
from .models import InteractionGroup, InteractionTemplateLanguage

LIST_PAGE_SIZE = 50


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _partial(request, template_name: str, partial: str = "results") -> list[str]:
    if request.htmx and not request.htmx.boosted:
        return [f"{template_name}#{partial}"]
    return [template_name]


# -- the log -------------------------------------------------------------------------------------


class PkUrl:
    """``reverse(name, args=[pk])`` for every row of a page at the cost of one ``reverse``: the
    URL is reversed once with a marker pk, each row fills in its own pk."""

    MARKER = 987_654_321

    def __init__(self, name: str):
        self.head, self.tail = reverse(name, args=[self.MARKER]).split(str(self.MARKER), 1)

    def __call__(self, pk) -> str:
        return f"{self.head}{int(pk)}{self.tail}"


# The per-row links of the log list: key in ``entry.row_urls`` -> (URL name, pk attribute).
LOG_ROW_URLS = {
    "detail": ("interactions:entry-detail", "pk"),
    "message": ("interactions:entry-message", "pk"),
    "resend": ("interactions:entry-resend", "pk"),
    "resume": ("interactions:entry-resume", "pk"),
    "delete_postponed": ("interactions:entry-delete-postponed", "pk"),
    "create_opportunity": ("opportunities:opportunity-create-from-interaction", "pk"),
    "opportunity": ("opportunities:opportunity-detail", "opportunity_id"),
}


def log_row_urls_attach(entries) -> None:
    """Set ``entry.row_urls`` on each entry of a page (the 50 rows cost 7 reverses, not ~150)."""
    urls = {key: (PkUrl(name), attr) for key, (name, attr) in LOG_ROW_URLS.items()}
    for entry in entries:
        entry.row_urls = {
            key: url(getattr(entry, attr))
            for key, (url, attr) in urls.items()
            if getattr(entry, attr) is not None
        }


class InteractionLogEntryListView(PermissionRequiredMixin, FilterView):
    permission_required = "interactions.view_interactionlogentry"
    filterset_class = InteractionLogEntryFilterSet
    paginate_by = LIST_PAGE_SIZE
    paginator_class = selectors.CountlessPaginator
    template_name = "interactions/interactionlogentry_list.html"
    postponed = False

    def is_postponed(self) -> bool:
        return self.postponed or self.request.GET.get("postponed") == "true"

    def get_queryset(self):
        queryset = selectors.interaction_entry_list(postponed=self.is_postponed())
        if self.request.GET.get("order") == "oldest":  # the tail, same index backwards
            queryset = queryset.order_by("date", "entry_no")
        return queryset

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except Exception:
            page = paginator.page(1)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_template_names(self):
        return _partial(self.request, self.template_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["postponed"] = self.is_postponed()
        context["action_form"] = EntryActionForm()
        context["evaluations"] = EntryActionForm.base_fields["evaluation"].choices[1:]
        context["task_create_url"] = reverse("opportunities:task-create")
        log_row_urls_attach(context["object_list"])
        return context


class InteractionEntryActionView(PermissionRequiredMixin, View):
    """Cancel / un-cancel (INT-15) and evaluate (INT-17) the selected entries."""

    permission_required = "interactions.change_interactionlogentry"

    def post(self, request):
        form = EntryActionForm(request.POST)
        back = request.POST.get("next") or reverse("interactions:index")
        if not form.is_valid():
            messages.error(request, _("Select at least one interaction."))
            return redirect(back)
        ids = form.cleaned_data["entries"]
        action = form.cleaned_data["action"]
        try:
            if action == "evaluate":
                count = services.interactions_evaluate(
                    entry_ids=ids, evaluation=form.cleaned_data["evaluation"]
                )
            else:
                count = services.interactions_cancel(
                    entry_ids=ids,
                    cancel=action == "cancel",
                    delete_attachments=form.cleaned_data["delete_attachments"],
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(count)s interactions updated.") % {"count": count})
        return redirect(back)


class InteractionCreateView(PermissionRequiredMixin, View):
    """The wizard (SPEC 4.3): one page, steps shown in order; the template choice reloads
    the form with its defaults through htmx. Cancel asks "Finish this interaction later?"."""

    permission_required = "interactions.add_interactionlogentry"
    template_name = "interactions/interaction_form.html"
    entry = None

    def get_entry(self):
        return None

    def _context(self, form):
        contact = form["contact"].value()
        contact_obj = None
        if contact:
            contact_obj = form.fields["contact"].queryset.filter(pk=contact).first()
        return {
            "form": form,
            "contact": contact_obj,
            "entry": self.get_entry(),
            "language_row": selectors.interaction_template_language_row(
                template_id=form["template"].value(), language_id=form["language"].value()
            ),
        }

    def initial(self, request):
        form = InteractionForm(request.GET or None)
        contact = template = None
        if form.is_bound and form.is_valid():
            contact, template = form.cleaned_data["contact"], form.cleaned_data["template"]
        initial = services.interaction_defaults(
            template=template, contact=contact, user=request.user
        )
        initial.update(contact=contact, template=template)
        if form.is_bound and form.is_valid():
            # TSK-6 / links from other pages pre-fill these (a task's wizard, a campaign …).
            for name in ("description", "salesperson", *InteractionForm.LINK_FIELDS):
                if form.cleaned_data.get(name):
                    initial[name] = form.cleaned_data[name]
        return initial

    def get(self, request, *args, **kwargs):
        form = InteractionForm(initial=self.initial(request))
        return render(request, _partial(request, self.template_name, "wizard"), self._context(form))

    def post(self, request, *args, **kwargs):
        form = InteractionForm(request.POST, request.FILES)
        postpone = request.POST.get("action") == "postpone"
        if form.is_valid():
            try:
                entry = services.interaction_create(
                    user=request.user,
                    data=form.service_data(),
                    postpone=postpone,
                    entry=self.get_entry(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if postpone:
                    messages.info(request, _("Interaction saved for later."))
                    return redirect(reverse("interactions:postponed-list"))
                messages.success(request, _("Interaction %(no)s logged.") % {"no": entry.entry_no})
                return redirect(reverse("interactions:index") + f"?contact={entry.contact_id}")
        return render(request, self.template_name, self._context(form))


class InteractionResumeView(InteractionCreateView):
    """INT-12: reopen a postponed entry with its saved values, dated today."""

    def get_entry(self):
        if self.entry is None:
            self.entry = selectors.interaction_entry_get(pk=self.kwargs["pk"])
        return self.entry

    def initial(self, request):
        return services.interaction_resume_values(entry=self.get_entry())


class InteractionPostponedDeleteView(PermissionRequiredMixin, View):
    permission_required = "interactions.add_interactionlogentry"

    def post(self, request, pk):
        try:
            services.interaction_postponed_delete(entry=selectors.interaction_entry_get(pk=pk))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Postponed interaction deleted."))
        return redirect("interactions:postponed-list")


class InteractionResendView(PermissionRequiredMixin, View):
    permission_required = "interactions.change_interactionlogentry"

    def post(self, request, pk):
        try:
            services.interaction_resend(entry=selectors.interaction_entry_get(pk=pk))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The interaction will be sent again."))
        return redirect(request.POST.get("next") or "interactions:index")


class InteractionPhoneCallView(PermissionRequiredMixin, View):
    """INT-22: log a phone call from a contact card (``?contact=<pk>``)."""

    permission_required = "interactions.add_interactionlogentry"
    template_name = "interactions/phone_call_form.html"

    def _contact(self, request):
        from contacts.models import Contact

        pk = id_param(request.GET.get("contact"), name="contact") or 0
        contact = Contact.objects.filter(pk=pk).first()
        if contact is None:
            raise Http404
        return contact

    def _numbers(self, contact):
        return [n for n in (contact.phone, contact.mobile_phone) if n]

    def get(self, request):
        contact = self._contact(request)
        form = PhoneCallForm(numbers=self._numbers(contact))
        return render(request, self.template_name, {"form": form, "contact": contact})

    def post(self, request):
        contact = self._contact(request)
        form = PhoneCallForm(request.POST, numbers=self._numbers(contact))
        if form.is_valid():
            try:
                services.interaction_log_phone_call(
                    user=request.user, contact=contact, **form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Phone call logged."))
                return redirect(reverse("interactions:index") + f"?contact={contact.pk}")
        return render(request, self.template_name, {"form": form, "contact": contact})


class InteractionDeleteCanceledView(PermissionRequiredMixin, View):
    """INT-16: start the background job; the page polls its progress."""

    permission_required = "interactions.delete_interactionlogentry"
    template_name = "interactions/delete_canceled.html"

    def get(self, request):
        return render(request, self.template_name, {"form": DeleteCanceledForm()})

    def post(self, request):
        form = DeleteCanceledForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        job = services.interactions_delete_canceled_start(
            user=request.user, filters=form.cleaned_data
        )
        return render(request, self.template_name, {"form": form, "job": job})


class BulkJobProgressView(PermissionRequiredMixin, View):
    permission_required = "interactions.view_interactionlogentry"

    def get(self, request, pk):
        job = (
            bulk_jobs_visible(user=request.user)
            .filter(pk=pk, kind__startswith="interactions_")
            .first()
        )
        if job is None:
            raise Http404
        response = render(
            request,
            "partials/job_progress.html",
            {"job": job, "poll_url": reverse("interactions:job-progress", args=[pk])},
        )
        if job.is_finished:
            return HttpResponseStopPolling(response.content)
        return response


# -- statistics ----------------------------------------------------------------------------------


class InteractionStatisticsView(PermissionRequiredMixin, TemplateView):
    """SPEC 10.3/10.7: counted interactions per salesperson, template and group."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "interactions/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Without dates in the URL the page shows the last 12 months (never the whole log).
        data = self.request.GET.copy()
        for name, value in selectors.statistics_default_range().items():
            data.setdefault(name, value.isoformat())
        form = StatisticsFilterForm(data)
        dates = form.cleaned_data if form.is_valid() else selectors.statistics_default_range()
        context["form"] = form
        context["tables"] = [
            (label, dimension, selectors.interaction_statistics_by(dimension=dimension, **dates))
            for dimension, label in (
                ("salesperson", _("Salesperson")),
                ("template", _("Template")),
                ("group", _("Group")),
            )
        ]
        return context


class ContactInteractionStatisticsView(PermissionRequiredMixin, View):
    """Fragment for the contact card (``hx-get``, ``hx-trigger="load"``)."""

    permission_required = "interactions.view_interactionlogentry"

    def get(self, request, pk):
        from contacts.models import Contact

        contact = Contact.objects.filter(pk=pk).first()
        if contact is None:
            raise Http404
        stats = selectors.contact_interaction_statistics(contact=contact)
        return render(
            request, "interactions/contact_statistics.html", {"contact": contact, "stats": stats}
        )


# -- groups and templates ------------------------------------------------------------------------


class InteractionGroupListView(PermissionRequiredMixin, ListView):
    permission_required = "interactions.view_interactiongroup"
    template_name = "interactions/interactiongroup_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.interaction_group_list()


class InteractionGroupFormView(PermissionRequiredMixin, View):
    template_name = "interactions/interactiongroup_form.html"

    def get_permission_required(self):
        action = "change" if "pk" in self.kwargs else "add"
        return [f"interactions.{action}_interactiongroup"]

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        group = selectors.interaction_group_list().filter(pk=self.kwargs["pk"]).first()
        if group is None:
            raise Http404
        return group

    def get(self, request, pk=None):
        group = self.get_object()
        form = InteractionGroupForm(instance=group)
        return render(request, self.template_name, {"form": form, "object": group})

    def post(self, request, pk=None):
        group = self.get_object()
        form = InteractionGroupForm(request.POST, instance=group or InteractionGroup())
        if form.is_valid():
            try:
                if group is None:
                    services.interaction_group_create(data=form.cleaned_data)
                else:
                    services.interaction_group_update(
                        group=group, data=form.cleaned_data, expected_version=form.expected_version
                    )
            except StaleObjectError as exc:
                form.refresh_version(group)
                _add_errors(form, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Interaction group saved."))
                return redirect("interactions:group-list")
        return render(request, self.template_name, {"form": form, "object": group})


class InteractionTemplateListView(PermissionRequiredMixin, ListView):
    permission_required = "interactions.view_interactiontemplate"
    template_name = "interactions/interactiontemplate_list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.interaction_template_list()


class InteractionTemplateFormView(PermissionRequiredMixin, View):
    template_name = "interactions/interactiontemplate_form.html"

    def get_permission_required(self):
        action = "change" if "pk" in self.kwargs else "add"
        return [f"interactions.{action}_interactiontemplate"]

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return selectors.interaction_template_get(pk=self.kwargs["pk"])

    def _context(self, form, template, language_form=None):
        return {
            "form": form,
            "object": template,
            "language_form": language_form or InteractionTemplateLanguageForm(),
            "statistics": (
                selectors.interaction_template_statistics(template=template) if template else None
            ),
        }

    def get(self, request, pk=None):
        template = self.get_object()
        form = InteractionTemplateForm(instance=template)
        return render(request, self.template_name, self._context(form, template))

    def post(self, request, pk=None):
        template = self.get_object()
        form = InteractionTemplateForm(request.POST, instance=template)
        if form.is_valid():
            try:
                if template is None:
                    template = services.interaction_template_create(data=form.cleaned_data)
                else:
                    services.interaction_template_update(
                        template=template,
                        data=form.cleaned_data,
                        expected_version=form.expected_version,
                    )
            except StaleObjectError as exc:
                form.refresh_version(template)
                _add_errors(form, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Interaction template saved."))
                return redirect("interactions:template-update", pk=template.pk)
        return render(request, self.template_name, self._context(form, template))


class InteractionTemplateLanguageFormView(PermissionRequiredMixin, View):
    """Add or edit a language row (attachment upload, e-mail subject and body, I-17)."""

    permission_required = "interactions.change_interactiontemplate"
    template_name = "interactions/interactiontemplatelanguage_form.html"

    def get_row(self):
        if "row_pk" not in self.kwargs:
            return None
        row = InteractionTemplateLanguage.objects.filter(
            pk=self.kwargs["row_pk"], template_id=self.kwargs["pk"]
        ).first()
        if row is None:
            raise Http404
        return row

    def get(self, request, pk, row_pk=None):
        template = selectors.interaction_template_get(pk=pk)
        row = self.get_row()
        form = InteractionTemplateLanguageForm(instance=row)
        return render(request, self.template_name, {"form": form, "object": template, "row": row})

    def post(self, request, pk, row_pk=None):
        template = selectors.interaction_template_get(pk=pk)
        row = self.get_row()
        if request.POST.get("action") == "delete" and row is not None:
            services.interaction_template_language_delete(row=row)
            messages.success(request, _("Language row deleted."))
            return redirect("interactions:template-update", pk=pk)
        form = InteractionTemplateLanguageForm(request.POST, request.FILES, instance=row)
        if form.is_valid():
            data = dict(form.cleaned_data)
            language = data.pop("language")
            if data.get("attachment") is False:  # "clear" ticked
                data["attachment"] = ""
            try:
                services.interaction_template_language_save(
                    template=template,
                    language=language,
                    data=data,
                    row=row,
                    expected_version=form.expected_version if row is not None else None,
                )
            except StaleObjectError as exc:
                form.refresh_version(row)
                _add_errors(form, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Language row saved."))
                return redirect("interactions:template-update", pk=pk)
        return render(request, self.template_name, {"form": form, "object": template, "row": row})


# -- printed correspondence (INT-21, INT-23) -----------------------------------------------------


class InteractionLettersToPrintView(PermissionRequiredMixin, View):
    """INT-21: hard-copy letters not printed yet, one printed page each; "Mark as printed"."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "interactions/letters_to_print.html"
    max_letters = 200  # one print run; the next ones appear once these are marked printed

    def get(self, request):
        entries = letters.letters_to_print()[: self.max_letters]
        return render(
            request,
            self.template_name,
            {
                "letters": letters.letters_for_entries(entries),
                "max_letters": self.max_letters,
            },
        )

    def post(self, request):
        if not request.user.has_perm("interactions.change_interactionlogentry"):
            raise PermissionDenied
        form = LettersPrintedForm(request.POST, entry_ids=request.POST.getlist("entries"))
        if not form.is_valid():
            messages.error(request, _("Select at least one letter."))
        else:
            count = services.interaction_letters_mark_printed(
                entry_ids=form.cleaned_data["entries"]
            )
            messages.success(request, _("%(count)s letters marked as printed.") % {"count": count})
        return redirect("interactions:letters-to-print")


class InteractionCoverSheetView(PermissionRequiredMixin, View):
    """INT-23 for one contact (``?contact=<pk>``): the form, then the printable sheet."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "interactions/cover_sheet.html"

    def _contacts(self, request):
        try:
            pk = int(request.GET.get("contact") or 0)
        except ValueError:
            pk = 0
        contacts = list(letters.cover_sheet_contacts(contact_ids=[pk]))
        if not contacts:
            raise Http404
        return contacts

    extra_context: dict | None = None  # set by subclasses (e.g. the segment's cover sheets)

    def get(self, request):
        contacts = self._contacts(request)
        context = {"form": CoverSheetForm(), "contact": contacts[0], **(self.extra_context or {})}
        return render(request, self.template_name, context)

    def post(self, request):
        contacts = self._contacts(request)
        form = CoverSheetForm(request.POST)
        context = {"form": form, "contact": contacts[0], **(self.extra_context or {})}
        if not form.is_valid():
            return render(request, self.template_name, context)
        if form.cleaned_data["log_interaction"]:
            if not request.user.has_perm("interactions.add_interactionlogentry"):
                raise PermissionDenied
            try:
                services.interaction_cover_sheets_log(user=request.user, contacts=contacts)
            except ValidationError as exc:
                _add_errors(form, exc)
                return render(request, self.template_name, context)
        context["sheets"] = letters.cover_sheets(
            contacts=contacts,
            on=timezone.localdate(),
            free_text=form.cleaned_data["free_text"],
            remarks=form.cleaned_data["remarks"],
            salesperson=salesperson_for_user(request.user),
        )
        return render(request, self.template_name, context)


# -- an entry and its comments (INT-14) ----------------------------------------------------------


class InteractionLogEntryDetailView(PermissionRequiredMixin, View):
    permission_required = "interactions.view_interactionlogentry"
    template_name = "interactions/interactionlogentry_detail.html"

    def get(self, request, pk):
        entry = selectors.interaction_entry_get(pk=pk)
        return render(
            request,
            self.template_name,
            {
                "entry": entry,
                "comments": selectors.interaction_entry_comments(entry=entry),
                "comment_form": EntryCommentForm(),
            },
        )


class InteractionMessageView(PermissionRequiredMixin, View):
    """EML-7: a logged e-mail as a message (headers, text body, attachments to download)."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "interactions/interaction_message.html"

    def get(self, request, pk):
        entry = selectors.interaction_entry_get(pk=pk)
        message = eml.message_read(selectors.interaction_entry_message_raw(entry=entry))
        return render(request, self.template_name, {"entry": entry, "message": message})


# Types a browser would render or run: sent as plain bytes (as crm.media does).
_ACTIVE_TYPES = {
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "text/javascript", "application/javascript",
}  # fmt: skip


class InteractionMessagePartView(PermissionRequiredMixin, View):
    """EML-7: one attachment of a logged e-mail, always downloaded, never rendered."""

    permission_required = "interactions.view_interactionlogentry"

    def get(self, request, pk, index):
        entry = selectors.interaction_entry_get(pk=pk)
        part = eml.message_part(selectors.interaction_entry_message_raw(entry=entry), index)
        if part is None:
            raise Http404
        file_name, content_type, payload = part
        if content_type in _ACTIVE_TYPES:
            content_type = "application/octet-stream"
        response = HttpResponse(payload, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, file_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


class InteractionCommentView(PermissionRequiredMixin, View):
    """Add (POST) or delete (POST with ``delete``) a comment; answers the comments fragment."""

    permission_required = "interactions.change_interactionlogentry"
    template_name = "interactions/interactionlogentry_detail.html#comments"

    def post(self, request, pk, comment_pk=None):
        entry = selectors.interaction_entry_get(pk=pk)
        form = EntryCommentForm() if comment_pk else EntryCommentForm(request.POST)
        if comment_pk is not None:
            services.interaction_comment_delete(entry=entry, comment_id=comment_pk)
        elif form.is_valid():
            try:
                services.interaction_comment_add(
                    entry=entry,
                    comment=form.cleaned_data["comment"],
                    date=form.cleaned_data["date"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                form = EntryCommentForm()
        context = {
            "entry": entry,
            "comments": selectors.interaction_entry_comments(entry=entry),
            "comment_form": form,
        }
        if not request.htmx:
            return redirect("interactions:entry-detail", pk=pk)
        return render(request, self.template_name, context)
