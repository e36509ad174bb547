"""Thin views: parse the request, call one selector or service, render."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRedirect

from crm import extensions
from crm.concurrency import VERSION_FIELD, StaleObjectError
from crm.exceptions import ApplicationError
from interactions import selectors as interaction_selectors
from setup.services import salesperson_for_user

from . import selectors, services, task_services
from .filters import OpportunityFilterSet, TaskFilterSet
from .forms import (
    ACTION_CHOICES,
    ActivityAssignForm,
    AttendeeForm,
    InvitationForm,
    OpportunityCloseForm,
    OpportunityCreateForm,
    OpportunityEditForm,
    OpportunityUpdateForm,
    PipelineMoveForm,
    SalesQuoteForm,
    SalesQuoteLineFormSet,
    TaskCloseForm,
    TaskForm,
)
from .models import CloseType, QuoteStatus, SalesCycle, Task


def _errors_to_form(form, exc: Exception) -> None:
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class _Partial:
    """Full page normally; the ``#results`` partial for htmx requests."""

    template_name = ""

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#results"]
        return [self.template_name]


class _ServiceFormView(PermissionRequiredMixin, FormView):
    """A form whose valid data goes to one service call (``perform``)."""

    success_message = ""

    def perform(self, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def version_instance(self):
        """The record an edit form's version token belongs to (crm.concurrency)."""
        return self.opportunity

    def form_valid(self, form):
        try:
            self.result = self.perform(form.cleaned_data)
        except StaleObjectError as exc:
            form.refresh_version(self.version_instance())
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        except (ValidationError, ApplicationError) as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        url = self.get_success_url()
        if self.request.htmx:
            return HttpResponseClientRedirect(url)
        return redirect(url)


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


class OpportunityListView(PermissionRequiredMixin, _Partial, FilterView):
    permission_required = "opportunities.view_opportunity"
    filterset_class = OpportunityFilterSet
    paginate_by = 50
    template_name = "opportunities/opportunity_list.html"

    def get_queryset(self):
        queryset = selectors.opportunity_list(user=self.request.user)
        return extensions.list_annotate("opportunities.opportunity", queryset, self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            extension_columns=extensions.list_columns("opportunities.opportunity", user),
            extension_actions=extensions.list_actions("opportunities.opportunity", user),
            extension_bulk=extensions.list_bulk("opportunities.opportunity", user),
            **kwargs,
        )


class OpportunityDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_opportunity"
    template_name = "opportunities/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        opportunity = selectors.opportunity_get(pk=kwargs["pk"], user=self.request.user)
        return super().get_context_data(
            opportunity=opportunity,
            entries=selectors.opportunity_entries(opportunity=opportunity),
            statistics=selectors.opportunity_statistics(opportunity=opportunity),
            offered=services.opportunity_offered_actions(opportunity=opportunity),
            tasks=selectors.task_list().filter(opportunity=opportunity, team_task__isnull=True),
            card_panels=extensions.card_panels(
                "opportunities.opportunity", opportunity, self.request.user
            ),
            **kwargs,
        )


class OpportunityCreateView(_ServiceFormView):
    permission_required = "opportunities.add_opportunity"
    form_class = OpportunityCreateForm
    template_name = "opportunities/opportunity_form.html"

    def get_initial(self):
        return {
            "contact": self.request.GET.get("contact"),
            "salesperson": salesperson_for_user(self.request.user),
        }

    def perform(self, data):
        return services.opportunity_create(
            user=self.request.user,
            description=data["description"],
            contact=data["contact"],
            salesperson=data["salesperson"],
            sales_cycle=data["sales_cycle"],
            priority=data["priority"],
            creation_date=data["creation_date"],
            activate_first_stage=data["activate_first_stage"],
            estimated_value=data["estimated_value"] or 0,
            chances_percent=data["chances_percent"] or 0,
            estimated_close_date=data["estimated_close_date"],
            campaign=data.get("campaign"),
            segment_number=data["segment"].number if data.get("segment") else "",
        )

    def get_success_url(self):
        return self.result.get_absolute_url()


class _OpportunityFormView(_ServiceFormView):
    permission_required = "opportunities.change_opportunity"
    template_name = "opportunities/opportunity_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.opportunity = selectors.opportunity_get(pk=kwargs["pk"], user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(opportunity=self.opportunity, **kwargs)

    def get_success_url(self):
        return self.opportunity.get_absolute_url()


class OpportunityEditView(_OpportunityFormView):
    success_message = _("Opportunity saved.")
    form_class = OpportunityEditForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "version_instance": self.opportunity}

    def get_initial(self):
        o = self.opportunity
        return {
            "description": o.description,
            "priority": o.priority,
            "salesperson": o.salesperson,
            "campaign": o.campaign_id,
            "segment": o.segment_number or None,
        }

    def perform(self, data):
        changes = {k: data[k] for k in ("description", "priority", "salesperson", "campaign")}
        changes["segment_number"] = data["segment"].number if data.get("segment") else ""
        return services.opportunity_edit(
            opportunity=self.opportunity,
            data=changes,
            reassign_tasks=data["reassign_tasks"],
            move_campaign_tasks=data["move_campaign_tasks"],
            user=self.request.user,
            expected_version=data.get("version"),
        )


class OpportunityUpdateView(_OpportunityFormView):
    """The update wizard (OPP-15/16) in one form: offered actions come from the service. It
    starts from the current values and shows, before saving, what the save would change."""

    form_class = OpportunityUpdateForm
    template_name = "opportunities/opportunity_update.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "offered": self.offered,
            "stages": list(self.stage_labels.items()),
            "preview_url": reverse(
                "opportunities:opportunity-update-preview", args=[self.opportunity.pk]
            ),
        }

    def get_initial(self):
        o = self.opportunity
        return {
            "date_of_change": timezone.localdate(),
            "estimated_value": o.estimated_value,
            "chances_percent": Decimal(o.chances_percent or 0).quantize(Decimal("0.01")),
            "estimated_close_date": o.estimated_close_date,
            "action": next(iter(self.offered), None),
        }

    def dispatch(self, request, *args, **kwargs):
        self.opportunity = selectors.opportunity_get(pk=kwargs["pk"], user=request.user)
        self.offered = services.opportunity_offered_actions(opportunity=self.opportunity)
        self.stage_labels = selectors.stage_labels(cycle=self.opportunity.sales_cycle)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        values = form.cleaned_data if form.is_bound and form.is_valid() else None
        if values is None and not form.is_bound:
            values = {name: form.get_initial_for_field(f, name) for name, f in form.fields.items()}
        context.update(
            offered_summary=[
                (
                    dict(ACTION_CHOICES).get(action, action),
                    [self.stage_labels.get(s, s) for s in stages],
                )
                for action, stages in self.offered.items()
            ],
            preview=_update_preview(self.opportunity, values),
        )
        return context

    def perform(self, data):
        return services.opportunity_update(opportunity=self.opportunity, **data)


def _update_preview(opportunity, values) -> dict | None:
    if not values or not values.get("action") or not values.get("date_of_change"):
        return None
    try:
        return services.opportunity_update_preview(
            opportunity=opportunity,
            action=values["action"],
            to_stage=values.get("to_stage"),
            date_of_change=values["date_of_change"],
            estimated_value=values.get("estimated_value") or 0,
            chances_percent=values.get("chances_percent") or 0,
            estimated_close_date=values.get("estimated_close_date"),
        )
    except ValidationError as exc:
        return {"rows": [], "errors": exc.messages}


class OpportunityUpdatePreviewView(PermissionRequiredMixin, View):
    """htmx GET of the update form's values: the 'what will change' table, nothing saved."""

    permission_required = "opportunities.change_opportunity"

    def get(self, request, pk):
        opportunity = selectors.opportunity_get(pk=pk, user=request.user)
        offered = services.opportunity_offered_actions(opportunity=opportunity)
        labels = selectors.stage_labels(cycle=opportunity.sales_cycle)
        form = OpportunityUpdateForm(request.GET, offered=offered, stages=list(labels.items()))
        preview = _update_preview(opportunity, form.cleaned_data if form.is_valid() else None)
        if preview is None:
            preview = {"rows": [], "errors": [e for errs in form.errors.values() for e in errs]}
        return render(
            request, "opportunities/opportunity_update.html#preview", {"preview": preview}
        )


class OpportunityCloseView(_OpportunityFormView):
    """The close wizard; a GET carrying ``close_type`` (the htmx refresh of the type select)
    starts from that type, so only its close codes are offered."""

    form_class = OpportunityCloseForm
    template_name = "opportunities/opportunity_close.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "refresh_url": reverse("opportunities:opportunity-close", args=[self.opportunity.pk]),
        }

    def get_initial(self):
        close_type = self.request.GET.get("close_type")
        return {
            "close_type": close_type if close_type in CloseType.values else CloseType.WON,
            "date_of_change": timezone.localdate(),
            "calculated_current_value": self.opportunity.calculated_current_value,
        }

    def get_context_data(self, **kwargs):
        quote = getattr(self.opportunity, "quote", None)
        return super().get_context_data(quote=quote, **kwargs)

    def perform(self, data):
        return services.opportunity_close(opportunity=self.opportunity, **data)


class OpportunityDeleteView(PermissionRequiredMixin, View):
    permission_required = "opportunities.delete_opportunity"

    def post(self, request, pk):
        opportunity = selectors.opportunity_get(pk=pk, user=request.user)
        try:
            services.opportunity_delete(opportunity=opportunity)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(opportunity.get_absolute_url())
        messages.success(request, _("Opportunity deleted."))
        return redirect("opportunities:index")


class OpportunityQuoteCreateView(PermissionRequiredMixin, View):
    permission_required = "opportunities.add_salesquote"

    def post(self, request, pk):
        opportunity = selectors.opportunity_get(pk=pk, user=request.user)
        try:
            quote = services.sales_quote_create_for_opportunity(
                opportunity=opportunity, create_customer_now=bool(request.POST.get("create"))
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request, _("Sales quote %(number)s created.") % {"number": quote.number}
            )
        return redirect(opportunity.get_absolute_url())


class SalesQuotePrintView(PermissionRequiredMixin, TemplateView):
    """OPP-64: the printable quote. GET shows it; the Print button POSTs, which logs the
    sales_quote interaction (``sales_quote_print``) and comes back with ``?print=1`` so the
    browser's print dialog opens. A refused log shows the reason and prints nothing."""

    permission_required = "opportunities.view_salesquote"
    template_name = "opportunities/salesquote_print.html"

    def get_context_data(self, **kwargs):
        quote = selectors.sales_quote_get(pk=kwargs["pk"], user=self.request.user)
        return super().get_context_data(
            quote=quote, auto_print=self.request.GET.get("print") == "1", **kwargs
        )

    def post(self, request, pk):
        quote = selectors.sales_quote_get(pk=pk, user=request.user)
        url = reverse("opportunities:quote-print", args=[quote.pk])
        try:
            entry = services.sales_quote_print(quote=quote, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(url)
        if entry is not None:
            messages.info(
                request, _("Interaction %(entry_no)s logged.") % {"entry_no": entry.entry_no}
            )
        return redirect(f"{url}?print=1")


class SalesQuoteDetailView(PermissionRequiredMixin, TemplateView):
    """The quote card: header, lines with their amounts, total; links to edit and print."""

    permission_required = "opportunities.view_salesquote"
    template_name = "opportunities/salesquote_detail.html"

    def get_context_data(self, **kwargs):
        quote = selectors.sales_quote_get(pk=kwargs["pk"], user=self.request.user)
        return super().get_context_data(
            quote=quote, lines=selectors.sales_quote_lines(quote=quote), **kwargs
        )


class SalesQuoteEditView(PermissionRequiredMixin, TemplateView):
    """Edit an open quote: header and lines (quantity × unit price); the total is the
    quote's amount. A save based on an older version of the quote is refused."""

    permission_required = "opportunities.change_salesquote"
    template_name = "opportunities/salesquote_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.quote = selectors.sales_quote_get(pk=kwargs["pk"], user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.quote.status != QuoteStatus.OPEN:
            messages.error(
                request, _("Quote %(quote)s is not open.") % {"quote": self.quote.number}
            )
            return redirect(self.quote.get_absolute_url())
        q = self.quote
        form = SalesQuoteForm(
            version_instance=q,
            initial={
                "description": q.description,
                "quote_date": q.quote_date,
                "valid_until": q.valid_until,
                "requested_delivery_date": q.requested_delivery_date,
            },
        )
        lines = SalesQuoteLineFormSet(
            prefix="lines",
            initial=list(
                selectors.sales_quote_lines(quote=q).values("description", "quantity", "unit_price")
            ),
        )
        return self.render_to_response(self.get_context_data(form=form, lines=lines))

    def post(self, request, *args, **kwargs):
        form = SalesQuoteForm(request.POST, version_instance=self.quote)
        lines = SalesQuoteLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            kept = [
                line.cleaned_data
                for line in lines.forms
                if line.has_changed() and not line.cleaned_data.get("DELETE") and not line.is_blank
            ]
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.sales_quote_edit(
                    quote=self.quote,
                    data=data,
                    lines=kept,
                    expected_version=form.cleaned_data.get("version"),
                )
            except StaleObjectError as exc:
                form.refresh_version(self.quote)
                _errors_to_form(form, exc)
            except (ValidationError, ApplicationError) as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Sales quote saved."))
                return redirect(self.quote.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, lines=lines))

    def get_context_data(self, **kwargs):
        return super().get_context_data(quote=self.quote, **kwargs)


def _board_cycle(request) -> SalesCycle | None:
    return selectors.pipeline_board_cycle(
        chosen=request.GET.get("cycle") or request.POST.get("cycle")
    )


class PipelineBoardView(PermissionRequiredMixin, TemplateView):
    """The board: a column per stage; cards move by drag and drop (pipeline_board.js posts
    to ``PipelineMoveView``) or with each card's Move form when scripts are off."""

    permission_required = "opportunities.view_opportunity"
    template_name = "opportunities/pipeline_board.html"

    def get_context_data(self, **kwargs):
        cycle = _board_cycle(self.request)
        return super().get_context_data(
            cycle=cycle,
            cycles=list(selectors.pipeline_board_cycles()),
            columns=selectors.pipeline_board(cycle=cycle) if cycle else [],
            **kwargs,
        )


class PipelineMoveView(PermissionRequiredMixin, View):
    """htmx POST: move a card with the update rules (the service of the Move action and of
    drag and drop); a refusal comes back on the re-rendered board, card in its place."""

    permission_required = "opportunities.change_opportunity"

    def post(self, request):
        form = PipelineMoveForm(request.POST)
        cycle = _board_cycle(request)
        error = ""
        moved = None
        if form.is_valid() and cycle is not None:
            opportunity = selectors.opportunity_get(
                pk=form.cleaned_data["opportunity"], user=request.user
            )
            try:
                services.opportunity_board_move(
                    opportunity=opportunity, to_stage=form.cleaned_data["to_stage"]
                )
            except ValidationError as exc:
                error = _("%(number)s was not moved: %(reason)s") % {
                    "number": opportunity.number,
                    "reason": " ".join(exc.messages),
                }
            else:
                moved = opportunity.pk
        else:
            error = _("Choose an opportunity and a stage.")
        response = render(
            request,
            "opportunities/pipeline_board.html#board",
            {
                "cycle": cycle,
                "columns": selectors.pipeline_board(cycle=cycle) if cycle else [],
                "error": error,
                "moved": moved,
            },
        )
        if error and request.htmx:
            response.headers["HX-Trigger"] = "pipelineMoveRefused"
        return response


class ForecastView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_opportunity"
    template_name = "opportunities/forecast.html"

    def get_context_data(self, **kwargs):
        cycle = None
        if self.request.GET.get("cycle"):
            cycle = selectors.pipeline_board_cycle(chosen=self.request.GET["cycle"])
        rows = selectors.forecast_by_month(cycle=cycle)
        return super().get_context_data(
            rows=rows,
            cycle=cycle,
            cycles=SalesCycle.objects.order_by("code"),
            total_estimated=sum((r["estimated_value"] for r in rows), 0),
            total_weighted=sum((r["weighted_value"] for r in rows), 0),
            **kwargs,
        )


class SalesCycleListView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_salescycle"
    template_name = "opportunities/salescycle_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(cycles=selectors.sales_cycle_list(), **kwargs)


class SalesCycleDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_salescycle"
    template_name = "opportunities/salescycle_detail.html"

    def get_context_data(self, **kwargs):
        cycle = get_object_or_404(SalesCycle, pk=kwargs["pk"])
        return super().get_context_data(
            cycle=cycle, statistics=selectors.sales_cycle_statistics(cycle=cycle), **kwargs
        )


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


class MyTaskListView(PermissionRequiredMixin, _Partial, FilterView):
    permission_required = "opportunities.view_task"
    filterset_class = TaskFilterSet
    paginate_by = 50
    template_name = "opportunities/task_list.html"
    extra_context = {"mine": True}

    def get_queryset(self):
        return selectors.my_tasks(user=self.request.user)


class TaskListView(MyTaskListView):
    extra_context = {"mine": False}

    def get_queryset(self):
        return selectors.task_list(user=self.request.user).filter(team_task__isnull=True)


class TaskDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_task"
    template_name = "opportunities/task_detail.html"

    def get_context_data(self, **kwargs):
        task = selectors.task_get(pk=kwargs["pk"], user=self.request.user)
        return super().get_context_data(**_task_detail_context(task), **kwargs)


def _task_detail_context(task, **forms) -> dict:
    """The task page's context; ``forms`` replaces a blank form by a bound one with errors."""
    return {
        "task": task,
        "attendees": task.attendees.select_related("contact", "salesperson"),
        "copies": task.member_copies.select_related("salesperson"),
        "attendee_form": AttendeeForm(),
        "invitation_form": InvitationForm(),
        "close_form": TaskCloseForm(),
        **forms,
    }


class TaskCreateView(_ServiceFormView):
    permission_required = "opportunities.add_task"
    form_class = TaskForm
    template_name = "opportunities/task_form.html"

    def get_initial(self):
        # INT-19: "Create task" on an interaction pre-fills these from the query string.
        initial = {"salesperson": salesperson_for_user(self.request.user)}
        for name in ("contact", "salesperson", "campaign", "opportunity", "description"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def perform(self, data):
        data.pop(VERSION_FIELD, None)
        data = {k: v for k, v in data.items() if v not in (None, "")}
        task = task_services.task_create(user=self.request.user, **data)
        messages.success(self.request, _("Task %(number)s created.") % {"number": task.number})
        return task

    def get_success_url(self):
        return self.result.get_absolute_url()


class OpportunityFromInteractionView(PermissionRequiredMixin, View):
    """INT-18: POST "Create opportunity" on an interaction entry."""

    permission_required = "opportunities.add_opportunity"

    def post(self, request, entry_pk):
        entry = interaction_selectors.interaction_entry_get(pk=entry_pk)
        try:
            opportunity = services.opportunity_create_from_interaction(
                entry=entry, user=request.user
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            back = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = reverse("interactions:index")
            return redirect(back)
        messages.success(
            request, _("Opportunity %(number)s created.") % {"number": opportunity.number}
        )
        return redirect(opportunity.get_absolute_url())


class TaskUpdateView(_ServiceFormView):
    permission_required = "opportunities.change_task"
    form_class = TaskForm
    template_name = "opportunities/task_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.task = selectors.task_get(pk=kwargs["pk"], user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editing": True, "version_instance": self.task}

    def version_instance(self):
        return self.task

    def get_initial(self):
        fields = TaskForm(editing=True).fields
        return {name: getattr(self.task, name) for name in fields if name != VERSION_FIELD}

    def get_context_data(self, **kwargs):
        return super().get_context_data(task=self.task, **kwargs)

    def perform(self, data):
        completed_by = data.pop("completed_by", None)
        data["duration_min"] = data.get("duration_min") or 0
        expected_version = data.pop(VERSION_FIELD, "")
        task, offer = task_services.task_update(
            task=self.task, data=data, completed_by=completed_by, expected_version=expected_version
        )
        if offer:
            messages.info(self.request, _("The meeting changed: send updates to the attendees."))
        return task

    def get_success_url(self):
        return self.task.get_absolute_url()


class TaskActionView(PermissionRequiredMixin, View):
    """POST close / cancel / reopen / delete / add attendee / send invitations."""

    permission_required = "opportunities.change_task"
    action = ""
    # action -> (context name on the task page, form): an invalid form re-renders the page
    forms = {
        "close": ("close_form", TaskCloseForm),
        "attendee": ("attendee_form", AttendeeForm),
        "invitations": ("invitation_form", InvitationForm),
    }

    def post(self, request, pk):
        task = selectors.task_get(pk=pk, user=request.user)
        data: dict = {}
        if self.action in self.forms:
            name, form_class = self.forms[self.action]
            form = form_class(request.POST)
            if not form.is_valid():
                context = _task_detail_context(task, **{name: form})
                return render(request, TaskDetailView.template_name, context)
            data = form.cleaned_data
        closed = False
        try:
            done = self.run(task, data)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if done:
                messages.success(request, done)
            closed = self.action == "close"
        if self.action == "delete" and not Task.objects.filter(pk=task.pk).exists():
            return redirect("opportunities:task-list")
        # TSK-6: closing (not canceling) asks "Register an interaction?" on the task page.
        return redirect(task.get_absolute_url() + ("?register=1" if closed else ""))

    def run(self, task, data) -> str:
        """``data``: the action's valid form data (none for cancel, reopen and delete)."""
        if self.action == "close":
            task_services.task_close(task=task, completed_by=data.get("completed_by"))
            return _("Task closed.")
        if self.action == "cancel":
            task_services.task_cancel(task=task)
            return _("Task canceled.")
        if self.action == "reopen":
            task_services.task_reopen(task=task)
            return _("Task re-opened.")
        if self.action == "delete":
            task_services.task_delete(task=task)
            return _("Task deleted.")
        if self.action == "attendee":
            task_services.attendee_add(task=task, **data)
            return _("Attendee added.")
        if self.action == "invitations":
            sent = task_services.meeting_send_invitations(
                task=task, mode=data["mode"], confirm_resend=data["confirm_resend"]
            )
            return _("%(count)s invitation(s) sent.") % {"count": sent}
        return ""


class TaskCalendarView(PermissionRequiredMixin, TemplateView):
    permission_required = "opportunities.view_task"
    template_name = "opportunities/task_calendar.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        try:
            year = int(self.request.GET.get("year", today.year))
            month = int(self.request.GET.get("month", today.month))
            dt.date(year, month, 1)
        except (ValueError, OverflowError):
            year, month = today.year, today.month
        mine = self.request.GET.get("all") != "1"
        salesperson = salesperson_for_user(self.request.user) if mine else None
        grid = selectors.task_month(year=year, month=month, salesperson=salesperson, mine=mine)
        prev_month = (grid["first"] - dt.timedelta(days=1)).replace(day=1)
        next_month = (grid["first"] + dt.timedelta(days=32)).replace(day=1)
        return super().get_context_data(
            grid=grid,
            prev_month=prev_month,
            next_month=next_month,
            today=today,
            mine=mine,
            no_salesperson=mine and salesperson is None,
            **kwargs,
        )


class ActivityAssignView(_ServiceFormView):
    permission_required = "opportunities.add_task"
    form_class = ActivityAssignForm
    template_name = "opportunities/activity_assign.html"

    def get_initial(self):
        return {
            "start_date": timezone.localdate(),
            "salesperson": salesperson_for_user(self.request.user),
        }

    def perform(self, data):
        tasks = task_services.activity_assign(**data)
        messages.success(
            self.request,
            ngettext(
                "Activity %(code)s assigned: %(count)d task created.",
                "Activity %(code)s assigned: %(count)d tasks created.",
                len(tasks),
            )
            % {"code": data["activity"].code, "count": len(tasks)},
        )
        return tasks

    def get_success_url(self):
        return reverse("opportunities:task-list")
