"""Segment pages (SPEC 5.4): thin views over selectors and services; long work runs as jobs."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import ListView
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from contacts.models import Contact
from crm.concurrency import StaleObjectError
from crm.csv_export import download
from crm.exceptions import ApplicationError
from crm.models import BulkJobStatus
from interactions import letters
from interactions.views import InteractionCoverSheetView

from . import selectors, services
from .criteria import filters_summary
from .forms import (
    ConfirmForm,
    CriteriaForm,
    LineAddForm,
    LineFilterForm,
    LogForm,
    MailingGroupForm,
    ReuseCriteriaForm,
    ReuseLoggedForm,
    SaveCriteriaForm,
    SegmentActivityForm,
    SegmentForm,
    SegmentOpportunitiesForm,
    SegmentTaskForm,
    SegmentUpdateForm,
    criteria_tabs,
)

LIST_PAGE_SIZE = 50
LINES_PAGE_SIZE = 50
VIEW = "segments.view_segment"
CHANGE = "segments.change_segment"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _back(request, segment):
    url = reverse("segments:segment-detail", args=[segment.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


class SegmentListView(PermissionRequiredMixin, ListView):
    permission_required = VIEW
    paginate_by = LIST_PAGE_SIZE
    template_name = "segments/segment_list.html"
    context_object_name = "segments"

    def get_queryset(self):
        return selectors.segment_list(user=self.request.user)


class SegmentCreateView(PermissionRequiredMixin, View):
    permission_required = "segments.add_segment"
    template_name = "segments/segment_form.html"

    def get(self, request):
        # "New segment" on a campaign card comes with ?campaign=<pk> (SPEC 6.3 step 2).
        initial = {"campaign": request.GET["campaign"]} if request.GET.get("campaign") else {}
        return render(request, self.template_name, {"form": SegmentForm(initial=initial)})

    def post(self, request):
        form = SegmentForm(request.POST)
        if form.is_valid():
            try:
                segment = services.segment_create(user=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Segment %(number)s created.") % {"number": segment})
                return redirect(segment.get_absolute_url())
        return render(request, self.template_name, {"form": form})


class SegmentUpdateView(PermissionRequiredMixin, View):
    permission_required = CHANGE
    template_name = "segments/segment_form.html"

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        form = SegmentUpdateForm(instance=segment)
        return render(request, self.template_name, {"form": form, "segment": segment})

    def post(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        form = SegmentUpdateForm(request.POST, instance=selectors.segment_get(pk=pk))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in services.HEADER_FIELDS}
            try:
                services.segment_update(
                    segment=segment,
                    data=data,
                    update_lines=form.cleaned_data["update_lines"],
                    apply_template_to_lines=form.cleaned_data["apply_template_to_lines"],
                    expected_version=form.expected_version,
                )
            except StaleObjectError as exc:
                form.refresh_version(selectors.segment_get(pk=pk))
                form.add_error(None, _error_text(exc))
            except (ValidationError, ApplicationError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Segment saved."))
                return redirect(segment.get_absolute_url())
        return render(request, self.template_name, {"form": form, "segment": segment})


class SegmentDetailView(PermissionRequiredMixin, View):
    """The segment card: header, actions, the running job and the lines (htmx-filtered)."""

    permission_required = VIEW
    template_name = "segments/segment_detail.html"

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        filter_form = LineFilterForm(request.GET or None)
        lines = selectors.segment_lines(segment=segment)
        if filter_form.is_bound and not filter_form.is_valid():
            # An invalid search filters nothing silently: no lines, and the form's errors.
            lines = lines.none()
        elif filter_form.is_bound and filter_form.cleaned_data["q"]:
            q = filter_form.cleaned_data["q"]
            lines = lines.filter(contact__name__icontains=q) | lines.filter(contact__number=q)
        paginator = Paginator(lines, LINES_PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        context = {
            "segment": segment,
            "page_obj": page_obj,
            "lines": page_obj.object_list,
            "filter_form": filter_form,
            "job": segment.running_job,
            "job_is_log": segment.running_job_id is not None
            and segment.running_job.kind == services.LOG_JOB_KIND,
            "job_title": _job_title(segment.running_job),
        }
        if request.htmx and not request.htmx.boosted:
            return render(request, f"{self.template_name}#lines", context)
        return render(request, self.template_name, context)


class SegmentCriteriaView(PermissionRequiredMixin, View):
    """The Add / Reduce / Refine dialog; submitting starts a bulk job (SPEC 5.4 step 2)."""

    permission_required = CHANGE
    template_name = "segments/segment_criteria_form.html"

    def _render(self, request, segment, form):
        tabs = [(key, label, [form[n] for n in names]) for key, label, names in criteria_tabs()]
        return render(request, self.template_name, {"segment": segment, "form": form, "tabs": tabs})

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        form = CriteriaForm(initial={"action": request.GET.get("action", "add")})
        return self._render(request, segment, form)

    def post(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        form = CriteriaForm(request.POST)
        if form.is_valid():
            try:
                job = services.segment_criteria_start(
                    segment=segment,
                    user=request.user,
                    action=form.cleaned_data["action"],
                    options=form.cleaned_data["options"],
                    filters=form.cleaned_data["filters"],
                )
            except (ValidationError, ApplicationError) as exc:
                form.add_error(None, _error_text(exc))
            else:
                _job_outcome(
                    request,
                    job,
                    running=_("The criteria are being applied in the background."),
                    done=_criteria_done,
                )
                return _back(request, segment)
        return self._render(request, segment, form)


def _job_title(job) -> str:
    """The progress bar's title for a job of the segment card (log jobs have their own page)."""
    if job is not None and job.kind == services.OPPORTUNITIES_JOB_KIND:
        return _("Creating opportunities")
    return _("Applying criteria")


class SegmentJobProgressView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def get(self, request, pk, job_id):
        segment = selectors.segment_get(pk=pk, user=request.user)
        job = selectors.segment_job_get(segment=segment, job_id=job_id, user=request.user)
        response = render(
            request,
            "partials/job_progress.html",
            {
                "job": job,
                "poll_url": reverse("segments:segment-job", args=[pk, job_id]),
                "job_title": _job_title(job),
            },
        )
        if job.is_finished:
            return HttpResponseStopPolling(response.content)
        return response


def _job_outcome(request, job, *, running: str, done) -> None:
    """One flash message per outcome of a job just started: "in the background" while it
    runs, its result once it finished (a worker that answered at once, or eager mode)."""
    job.refresh_from_db()
    if job.status == BulkJobStatus.FAILED:
        messages.error(request, job.error)
    elif job.status == BulkJobStatus.SUCCEEDED:
        messages.success(request, done(job.result))
    else:
        messages.info(request, running)


def _criteria_done(result: dict) -> str:
    return _("Criteria applied: %(changed)s lines changed, %(lines)s lines on the segment.") % {
        "changed": result.get("changed", 0),
        "lines": result.get("lines", 0),
    }


class _SegmentFormView(PermissionRequiredMixin, View):
    """One action of the segment card on its own page: GET shows its form (or its
    confirmation), POST runs ``act``; a refusal re-renders the form with the message, so
    nothing typed is lost. ``act`` returns a success message, a response, or None (it then
    added its own messages)."""

    permission_required = CHANGE
    template_name = "segments/segment_action_form.html"
    form_class = ConfirmForm
    title = ""
    intro = ""
    submit_label = ""
    submit_class = "btn-primary"

    def get_form(self, segment, data=None):
        return self.form_class(data)

    def render_form(self, request, segment, form):
        context = {
            "segment": segment,
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label or self.title,
            "submit_class": self.submit_class,
        }
        return render(request, self.template_name, context)

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        return self.render_form(request, segment, self.get_form(segment))

    def post(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        form = self.get_form(segment, request.POST)
        if form.is_valid():
            try:
                outcome = self.act(request, segment, form)
            except ValidationError as exc:
                _add_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                if isinstance(outcome, str):
                    messages.success(request, outcome)
                elif outcome is not None:
                    return outcome
                return _back(request, segment)
        return self.render_form(request, segment, form)

    def act(self, request, segment, form):
        raise NotImplementedError


class SegmentGoBackView(_SegmentFormView):
    title = _lazy("Go back")
    intro = _lazy(
        "Undo the last criteria action: its added lines are deleted, its removed lines re-created."
    )
    submit_class = "btn-warning"

    def act(self, request, segment, form):
        action = services.segment_go_back(segment=segment)
        return _("Action %(position)s undone.") % {"position": action.position}


class SegmentRefreshView(_SegmentFormView):
    title = _lazy("Refresh")
    intro = _lazy("Clear the lines and replay the criteria actions? Line changes are lost.")
    submit_class = "btn-warning"

    def act(self, request, segment, form):
        job = services.segment_refresh_start(segment=segment, user=request.user)
        _job_outcome(
            request,
            job,
            running=_("The segment is being refreshed in the background."),
            done=_criteria_done,
        )


class SegmentSaveCriteriaView(_SegmentFormView):
    form_class = SaveCriteriaForm
    title = _lazy("Save criteria")

    def act(self, request, segment, form):
        saved = services.segment_criteria_save(
            segment=segment, user=request.user, **form.cleaned_data
        )
        return _("Criteria saved as %(code)s.") % {"code": saved.code}


class SegmentReuseCriteriaView(_SegmentFormView):
    form_class = ReuseCriteriaForm
    title = _lazy("Reuse criteria")

    def act(self, request, segment, form):
        if segment.action_count and not form.cleaned_data["confirm_append"]:
            raise ValidationError(
                {
                    "confirm_append": _(
                        "The segment already has criteria actions: confirm appending the saved set."
                    )
                }
            )
        job = services.segment_criteria_reuse_start(
            segment=segment, saved=form.cleaned_data["saved"], user=request.user
        )
        _job_outcome(
            request,
            job,
            running=_("The saved criteria are being applied in the background."),
            done=_criteria_done,
        )


class SegmentReuseLoggedView(_SegmentFormView):
    form_class = ReuseLoggedForm
    title = _lazy("Reuse segment")
    intro = _lazy(
        "Add the contacts of a logged segment (contacts already on the segment are skipped)."
    )

    def act(self, request, segment, form):
        job = services.segment_reuse_logged_start(
            segment=segment, logged=form.cleaned_data["logged"], user=request.user
        )
        _job_outcome(
            request,
            job,
            running=_("The contacts of the logged segment are being added in the background."),
            done=_criteria_done,
        )


class SegmentMailingGroupView(_SegmentFormView):
    form_class = MailingGroupForm
    title = _lazy("Apply mailing group")

    def act(self, request, segment, form):
        result = services.segment_mailing_group_apply(segment=segment, **form.cleaned_data)
        return _("Mailing group assigned to %(added)s contacts.") % result


class SegmentLineAddView(_SegmentFormView):
    form_class = LineAddForm
    title = _lazy("Add line")

    def act(self, request, segment, form):
        number = form.cleaned_data["contact_number"].strip()
        contact = Contact.objects.filter(number=number).first()
        if contact is None:
            raise ValidationError(
                {"contact_number": _("Contact %(number)s does not exist.") % {"number": number}}
            )
        services.segment_line_add(segment=segment, contact=contact, user=request.user)
        return _("Contact %(number)s added.") % {"number": contact.number}


class SegmentLogView(_SegmentFormView):
    """SEG-40..42: log the segment in a background job; its preconditions are checked here,
    so a refusal comes back at once on the form. The job page shows the progress (and that it
    runs in the background), and says "logged" once it is done."""

    form_class = LogForm
    title = _lazy("Log segment")
    intro = _lazy("Log the segment? It is turned into interactions and removed.")
    submit_class = "btn-success"

    def act(self, request, segment, form):
        job = services.segment_log_start(segment=segment, user=request.user, **form.cleaned_data)
        # No "being logged" flash at all: the job page says so while the job runs. A flash
        # queued here while the job still ran was shown beside "logged" whenever the worker
        # finished before the browser opened the job page (one message per outcome).
        url = reverse("segments:log-job", args=[job.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _log_job_done_url(job) -> str:
    follow_up = job.result.get("follow_up")
    if follow_up:
        return reverse("segments:segment-detail", args=[follow_up])
    return reverse("segments:loggedsegment-list")


class SegmentLogJobView(PermissionRequiredMixin, View):
    """Progress of a log job, without loading the segment (it is deleted when logged). The
    page polls itself; once the job succeeded the user is sent on to the follow-up segment
    or the logged segments, once it failed the error is shown and polling stops."""

    permission_required = VIEW
    template_name = "segments/segment_log_job.html"

    def get(self, request, job_id):
        job = selectors.segment_log_job_get(job_id=job_id, user=request.user)
        if job.status == BulkJobStatus.SUCCEEDED:
            messages.success(
                request,
                _("Segment %(number)s logged (entry %(entry_no)s).")
                % {
                    "number": job.result.get("segment_number", job.params.get("segment_number")),
                    "entry_no": job.result.get("entry_no"),
                },
            )
            url = _log_job_done_url(job)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        context = {
            "job": job,
            "poll_url": reverse("segments:log-job", args=[job.pk]),
            "job_title": _("Logging segment %(number)s")
            % {"number": job.params.get("segment_number", "")},
        }
        if request.htmx and not request.htmx.boosted:
            response = render(request, "partials/job_progress.html", context)
            if job.is_finished:
                return HttpResponseStopPolling(response.content)
            return response
        return render(request, self.template_name, context)


class SegmentLineDeleteView(PermissionRequiredMixin, View):
    permission_required = CHANGE

    def post(self, request, pk, line_pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        line = selectors.segment_line_get(segment=segment, pk=line_pk)
        answer = request.POST.get("clear_criteria")
        if answer is None and segment.line_count == 1 and segment.action_count:
            # SEG-8: the last line goes; ask whether to clear criteria and history too.
            return render(
                request,
                "segments/segment_line_confirm_delete.html",
                {"segment": segment, "line": line},
            )
        try:
            services.segment_line_delete(
                line=line, user=request.user, clear_criteria=answer == "yes"
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _error_text(exc))
        return _back(request, segment)


class SegmentDeleteView(PermissionRequiredMixin, View):
    permission_required = "segments.delete_segment"

    def post(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        try:
            services.segment_delete(segment=segment)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return _back(request, segment)
        messages.success(request, _("Segment deleted."))
        return redirect("segments:index")


class SegmentActionsView(PermissionRequiredMixin, View):
    """Criteria history: each action with its options and filters in words (SG-11)."""

    permission_required = VIEW
    template_name = "segments/segment_actions.html"

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        actions = [
            (action, filters_summary(action.filters))
            for action in selectors.segment_actions(segment=segment)
        ]
        return render(request, self.template_name, {"segment": segment, "actions": actions})


class SegmentExportView(PermissionRequiredMixin, View):
    """SEG-51: streamed CSV (one server-side cursor, never the whole file in memory)."""

    permission_required = VIEW

    def get(self, request, pk):
        segment = selectors.segment_get(pk=pk, user=request.user)
        return download(
            selectors.segment_export_rows(segment=segment),
            f"segment-{segment.number}.csv",
            "text/csv; charset=utf-8",
        )


class SavedCriteriaListView(PermissionRequiredMixin, ListView):
    permission_required = VIEW
    paginate_by = LIST_PAGE_SIZE
    template_name = "segments/savedcriteria_list.html"
    context_object_name = "saved_list"

    def get_queryset(self):
        return selectors.saved_criteria_list()


class SegmentSetupView(PermissionRequiredMixin, View):
    """The segments' setup page: the latest integrity check of lines and history
    (decision 0006: they have no database foreign keys; a daily task looks for orphans)."""

    permission_required = VIEW
    template_name = "segments/segment_setup.html"

    def get(self, request):
        report = selectors.segment_integrity_report()
        return render(request, self.template_name, {"report": report})


class LoggedSegmentListView(PermissionRequiredMixin, ListView):
    permission_required = VIEW
    paginate_by = LIST_PAGE_SIZE
    template_name = "segments/loggedsegment_list.html"
    context_object_name = "logged_list"

    def get_queryset(self):
        return selectors.logged_segment_list()


class SegmentOpportunitiesCreateView(_SegmentFormView):
    """SEG-53 / OPP-21: the wizard's fields, then one opportunity per line (a bulk job)."""

    form_class = SegmentOpportunitiesForm
    title = _lazy("Create opportunities")
    intro = _lazy(
        "One opportunity per line with a contact, with the segment's description, "
        "salesperson, campaign and number."
    )

    def act(self, request, segment, form):
        options = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        job = services.segment_opportunities_create_start(
            segment=segment, user=request.user, options=options
        )
        _job_outcome(
            request,
            job,
            running=_("The opportunities are being created in the background."),
            done=lambda result: (
                _("%(count)s opportunities created.") % {"count": result.get("created", 0)}
            ),
        )


class SegmentTasksCreateView(_SegmentFormView):
    """SEG-54 / TSK-15: one task per segment contact."""

    form_class = SegmentTaskForm
    title = _lazy("Create tasks")

    def act(self, request, segment, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        tasks = services.segment_tasks_create(segment=segment, user=request.user, data=data)
        return _("%(count)s tasks created.") % {"count": len(tasks)}


class SegmentActivityAssignView(_SegmentFormView):
    """SEG-54 / TSK-30: one set of activity tasks per segment contact."""

    form_class = SegmentActivityForm
    title = _lazy("Assign activity")

    def act(self, request, segment, form):
        tasks = services.segment_activity_assign(
            segment=segment,
            activity=form.cleaned_data["activity"],
            start_date=form.cleaned_data["start_date"],
        )
        return _("%(count)s tasks created.") % {"count": len(tasks)}


def _logged_confirm(request, *, title, question, hidden=(), danger=False):
    """The confirmation page of an action on the logged segments (no script: GET asks)."""
    context = {"title": title, "question": question, "hidden": hidden, "danger": danger}
    return render(request, "segments/loggedsegment_confirm.html", context)


class _LoggedSegmentPost(PermissionRequiredMixin, View):
    permission_required = CHANGE
    http_method_names = ["post"]  # those that ask first add "get" (their confirmation)

    def get(self, request, pk):
        logged = selectors.logged_segment_list().filter(pk=pk).first()
        if logged is None:
            raise Http404
        return self.confirm(request, logged)

    def confirm(self, request, logged):
        raise Http404

    def post(self, request, pk):
        logged = selectors.logged_segment_list().filter(pk=pk).first()
        if logged is None:
            raise Http404
        try:
            message = self.act(request, logged)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, message)
        url = reverse("segments:loggedsegment-list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


class LoggedSegmentCancelView(_LoggedSegmentPost):
    """SEG-43: cancel / un-cancel (interactions and campaign entries follow)."""

    http_method_names = ["get", "post"]

    def confirm(self, request, logged):
        cancel = request.GET.get("cancel") != "0"
        if cancel:
            title = _("Cancel logged segment %(entry_no)s") % {"entry_no": logged.entry_no}
        else:
            title = _("Un-cancel logged segment %(entry_no)s") % {"entry_no": logged.entry_no}
        return _logged_confirm(
            request,
            title=title,
            question=_("Apply to all its interactions and campaign entries?"),
            hidden=[("cancel", "1" if cancel else "0")],
        )

    def act(self, request, logged):
        cancel = request.POST.get("cancel") != "0"
        services.logged_segment_set_canceled(logged=logged, is_canceled=cancel)
        if cancel:
            return _("Logged segment %(entry_no)s canceled.") % {"entry_no": logged.entry_no}
        return _("Logged segment %(entry_no)s un-canceled.") % {"entry_no": logged.entry_no}


class LoggedSegmentResendView(_LoggedSegmentPost):
    """SEG-43 / INT-20."""

    def act(self, request, logged):
        count = services.logged_segment_resend(logged=logged)
        return _("%(count)s e-mails are being sent again.") % {"count": count}


class LoggedSegmentDeleteCanceledView(PermissionRequiredMixin, View):
    """SEG-43: "Delete canceled logged segments" (bulk job)."""

    permission_required = "segments.delete_loggedsegment"

    def get(self, request):
        return _logged_confirm(
            request,
            title=_("Delete canceled logged segments"),
            question=_("Delete all canceled logged segments? Their interactions stay, canceled."),
            danger=True,
        )

    def post(self, request):
        job = services.logged_segments_delete_canceled_start(user=request.user)
        _job_outcome(
            request,
            job,
            running=_("Canceled logged segments are being deleted."),
            done=lambda result: (
                _("%(count)s canceled logged segments deleted.")
                % {"count": result.get("deleted", 0)}
            ),
        )
        url = reverse("segments:loggedsegment-list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


class SegmentCoverSheetsView(InteractionCoverSheetView):
    """INT-23 / SEG-52: cover sheets for every contact of a segment (one page each)."""

    def _contacts(self, request):
        segment = selectors.segment_get(pk=self.kwargs["pk"])
        contact_ids = segment.lines.filter(contact__isnull=False).values_list(
            "contact_id", flat=True
        )
        contacts = list(letters.cover_sheet_contacts(contact_ids=contact_ids))
        if not contacts:
            raise Http404
        self.extra_context = {"segment": segment, "contact_count": len(contacts)}
        return contacts

    def _nothing_to_print(self, pk):
        """A segment without lines has no sheet to print: back to its card, saying why."""
        segment = selectors.segment_get(pk=pk)  # 404 for an unknown segment
        if segment.lines.exists():
            return None
        messages.warning(
            self.request, _("This segment has no lines: there are no cover sheets to print.")
        )
        return redirect("segments:segment-detail", pk=segment.pk)

    def get(self, request, pk):
        return self._nothing_to_print(pk) or super().get(request)

    def post(self, request, pk):
        return self._nothing_to_print(pk) or super().post(request)
