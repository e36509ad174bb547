"""Campaign pages: thin views over selectors and services."""

import copy

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from contacts.models import Contact
from crm.concurrency import StaleObjectError
from crm.csv_export import SafeWriter
from crm.exceptions import ApplicationError
from crm.models import BulkJobStatus
from crm.selectors import bulk_jobs_visible

from . import selectors, services
from .charts import statistics_bars
from .filters import CampaignFilterSet
from .forms import (
    CampaignForm,
    CampaignPriceLineForm,
    PriceLookupForm,
    StatisticsPeriodForm,
)
from .models import CampaignPriceLine

ENTRIES_SHOWN = 100


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class CampaignMixin:
    """Loads ``self.campaign`` through the selector (404 for an unknown pk)."""

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(selectors.campaign_list(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.campaign, **kwargs)


class CampaignListView(PermissionRequiredMixin, FilterView):
    permission_required = "campaigns.view_campaign"
    filterset_class = CampaignFilterSet
    paginate_by = 50
    template_name = "campaigns/campaign_list.html"

    def get_queryset(self):
        return selectors.campaign_list()

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#results"]
        return [self.template_name]


class CampaignDetailView(PermissionRequiredMixin, CampaignMixin, TemplateView):
    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/campaign_detail.html"

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("part") == "statistics":
            return [f"{self.template_name}#statistics"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        period = StatisticsPeriodForm(self.request.GET or None)
        dates = period.cleaned_data if period.is_bound and period.is_valid() else {}
        stats = selectors.campaign_statistics(
            campaign=self.campaign,
            date_from=dates.get("date_from"),
            date_to=dates.get("date_to"),
        )
        entries = list(selectors.campaign_entry_list(campaign=self.campaign)[: ENTRIES_SHOWN + 1])
        return super().get_context_data(
            stats=stats,
            period=period,
            chart=statistics_bars(stats),
            price_lines=selectors.campaign_price_lines(campaign=self.campaign),
            entries=entries[:ENTRIES_SHOWN],
            more_entries=len(entries) > ENTRIES_SHOWN,
            segments=selectors.campaign_segments(campaign=self.campaign),
            **kwargs,
        )


class CampaignCreateView(PermissionRequiredMixin, FormView):
    permission_required = "campaigns.add_campaign"
    template_name = "campaigns/campaign_form.html"
    form_class = CampaignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "creating": True}

    def get_initial(self):
        from setup.services import salesperson_for_user

        return {"salesperson": salesperson_for_user(self.request.user)}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                user=self.request.user,
                typed_number=data.get("number") or "",
                description=data["description"],
                status=data["status"],
                starting_date=data["starting_date"],
                ending_date=data["ending_date"],
                salesperson=data["salesperson"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Campaign %(number)s created.") % {"number": campaign})
        return redirect(campaign)


class CampaignUpdateView(PermissionRequiredMixin, CampaignMixin, FormView):
    permission_required = "campaigns.change_campaign"
    template_name = "campaigns/campaign_form.html"
    form_class = CampaignForm

    def get_form_kwargs(self):
        # The form writes into its instance while validating; the service gets the original.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.campaign)}

    def form_valid(self, form):
        try:
            services.campaign_update(
                campaign=self.campaign,
                data=form.cleaned_data,
                expected_version=form.expected_version,
            )
        except StaleObjectError as exc:
            form.refresh_version(self.campaign)
            _add_errors(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Campaign saved."))
        return redirect(self.campaign)


class ConfirmActionView(PermissionRequiredMixin, CampaignMixin, TemplateView):
    """GET shows a confirmation page; POST runs the action."""

    permission_required = "campaigns.change_campaign"
    template_name = "campaigns/campaign_confirm.html"
    title = ""
    danger = False

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title, question=self.get_question(), danger=self.danger, **kwargs
        )

    def get_question(self) -> str:
        return ""

    def post(self, request, *args, **kwargs):
        try:
            response = self.act()
        except (ApplicationError, ValidationError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            messages.error(request, message)
            response = None
        response = response or redirect(self.campaign)
        if request.htmx:
            return HttpResponseClientRedirect(response.url)
        return response


class CampaignDeleteView(ConfirmActionView):
    permission_required = "campaigns.delete_campaign"
    title = gettext_lazy("Delete campaign")
    danger = True

    def get_question(self) -> str:
        return _("Delete campaign %(number)s with its price lines and entries?") % {
            "number": self.campaign.number
        }

    def act(self):
        services.campaign_delete(campaign=self.campaign)
        messages.success(self.request, _("Campaign deleted."))
        return redirect("campaigns:index")


class CampaignActivateView(ConfirmActionView):
    title = gettext_lazy("Activate special prices")

    def get_question(self) -> str:
        if not self.campaign.price_line_count:
            return _("Campaign %(number)s has no price lines. Activate anyway?") % {
                "number": self.campaign.number
            }
        return _(
            "Activate the special prices of campaign %(number)s for its target segment lines "
            "and interactions?"
        ) % {"number": self.campaign.number}

    def act(self):
        result = services.campaign_activate(
            campaign=self.campaign,
            activate_without_prices=self.request.POST.get("confirm") == "1",
            user=self.request.user,
        )
        inserted = result.inserted
        if result.job is not None:  # one message per outcome: the job may be done already
            job = result.job
            job.refresh_from_db()
            if job.status == BulkJobStatus.FAILED:
                messages.error(self.request, job.error)
                return None
            if job.status != BulkJobStatus.SUCCEEDED:
                messages.info(self.request, _("Activation runs in the background."))
                return redirect("campaigns:campaign-job", pk=self.campaign.pk, job_id=job.pk)
            inserted = job.result.get("inserted", 0)
        messages.success(
            self.request,
            _("Special prices activated: %(count)s target rows added.") % {"count": inserted},
        )
        return None


class CampaignDeactivateView(ConfirmActionView):
    title = gettext_lazy("Deactivate special prices")
    danger = True

    def get_question(self) -> str:
        return _("Remove all target rows of campaign %(number)s?") % {
            "number": self.campaign.number
        }

    def act(self):
        count = services.campaign_deactivate(campaign=self.campaign)
        messages.success(
            self.request, _("Special prices deactivated (%(count)s rows).") % {"count": count}
        )


class CampaignEntriesCancelView(ConfirmActionView):
    """CMP-11: multi-select on the card; the first POST shows the confirmation with the
    selection carried in hidden fields, the confirmed POST applies it (no script needed)."""

    http_method_names = ["post"]
    title = gettext_lazy("Canceled state of entries")

    def get_question(self) -> str:
        return _("Change the canceled state of the selected entries and their interactions?")

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirm") != "1":
            hidden = [("entry", pk) for pk in request.POST.getlist("entry")]
            hidden.append(("is_canceled", request.POST.get("is_canceled", "")))
            return self.render_to_response(self.get_context_data(hidden=hidden))
        return super().post(request, *args, **kwargs)

    def act(self):
        ids = [int(pk) for pk in self.request.POST.getlist("entry") if pk.isdigit()]
        ids = list(self.campaign.entries.filter(pk__in=ids).values_list("pk", flat=True))
        value = self.request.POST.get("is_canceled") == "1"
        count = services.campaign_entries_set_canceled(entry_ids=ids, is_canceled=value)
        messages.success(self.request, _("%(count)s entries changed.") % {"count": count})


class CampaignEntriesDeleteCanceledView(ConfirmActionView):
    title = gettext_lazy("Delete canceled entries")
    danger = True

    def get_question(self) -> str:
        return _("Delete the canceled entries of campaign %(number)s and their interactions?") % {
            "number": self.campaign.number
        }

    def act(self):
        job = services.campaign_entries_delete_canceled_start(
            campaign=self.campaign, user=self.request.user
        )
        return redirect("campaigns:campaign-job", pk=self.campaign.pk, job_id=job.pk)


class CampaignJobView(PermissionRequiredMixin, CampaignMixin, TemplateView):
    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/campaign_job.html"

    def get(self, request, *args, **kwargs):
        job = get_object_or_404(
            bulk_jobs_visible(user=request.user),
            pk=kwargs["job_id"],
            target_type="campaigns.campaign",
            target_id=self.campaign.pk,
        )
        titles = {
            "campaign_activate": _("Activate special prices"),
            "campaign_entries_delete_canceled": _("Delete canceled entries"),
        }
        context = self.get_context_data(job=job, job_title=titles.get(job.kind, job.kind))
        if request.htmx:
            response = render(request, "partials/job_progress.html", context)
            if job.is_finished:
                response.status_code = HttpResponseStopPolling.status_code
            return response
        return TemplateResponse(request, self.template_name, context)


class CampaignEntriesExportView(PermissionRequiredMixin, CampaignMixin, View):
    permission_required = "campaigns.view_campaign"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="campaign-{self.campaign.number}-entries.csv"'
        )
        writer = SafeWriter(response)
        writer.writerow(
            [
                _("Entry no."),
                _("Date"),
                _("Description"),
                _("Segment no."),
                _("Document kind"),
                _("Salesperson"),
                _("User"),
                _("Canceled"),
                _("No. of interactions"),
                _("Cost"),
                _("Duration (min)"),
            ]
        )
        for entry in selectors.campaign_entries_for_export(campaign=self.campaign).iterator(
            chunk_size=2000
        ):
            writer.writerow(
                [
                    entry.entry_no,
                    entry.date.isoformat(),
                    entry.description,
                    entry.segment_number,
                    entry.document_kind,
                    entry.salesperson.code if entry.salesperson else "",
                    entry.user.get_username() if entry.user else "",
                    _("Yes") if entry.is_canceled else _("No"),
                    entry.interaction_count,
                    entry.interaction_cost,
                    entry.interaction_duration,
                ]
            )
        return response


class PriceLineCreateView(PermissionRequiredMixin, CampaignMixin, FormView):
    permission_required = "campaigns.change_campaign"
    template_name = "campaigns/price_line_form.html"
    form_class = CampaignPriceLineForm

    def form_valid(self, form):
        try:
            services.campaign_price_line_create(campaign=self.campaign, data=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Price line saved."))
        return redirect(self.campaign)


class PriceLineMixin(CampaignMixin):
    def dispatch(self, request, *args, **kwargs):
        self.line = get_object_or_404(
            CampaignPriceLine.objects.select_related("currency"),
            pk=kwargs["line_id"],
            campaign_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class PriceLineUpdateView(PermissionRequiredMixin, PriceLineMixin, FormView):
    permission_required = "campaigns.change_campaign"
    template_name = "campaigns/price_line_form.html"
    form_class = CampaignPriceLineForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": copy.copy(self.line)}

    def form_valid(self, form):
        try:
            services.campaign_price_line_update(
                line=self.line, data=form.cleaned_data, expected_version=form.expected_version
            )
        except StaleObjectError as exc:
            form.refresh_version(self.line)
            _add_errors(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Price line saved."))
        return redirect(self.campaign)


class PriceLineDeleteView(PermissionRequiredMixin, PriceLineMixin, View):
    """GET asks (the confirmation page), POST deletes."""

    permission_required = "campaigns.change_campaign"

    def get(self, request, *args, **kwargs):
        context = {
            "campaign": self.campaign,
            "title": _("Delete price line"),
            "question": _("Delete this price line?"),
            "danger": True,
        }
        return render(request, "campaigns/campaign_confirm.html", context)

    def post(self, request, *args, **kwargs):
        services.campaign_price_line_delete(line=self.line)
        messages.success(request, _("Price line deleted."))
        return redirect(self.campaign)


class PriceLookupView(PermissionRequiredMixin, FormView):
    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/price_lookup.html"
    form_class = PriceLookupForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "item_code" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get_initial(self):
        return {"on_date": timezone.localdate(), "quantity": 1}

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        context = {"form": form}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            contact = None
            if data["contact_number"]:
                contact = Contact.objects.filter(number=data["contact_number"].strip()).first()
                if contact is None:
                    form.add_error("contact_number", _("No contact with this number."))
                    return self.render_to_response(context)
            try:
                context["result"] = selectors.campaign_price_lookup(
                    customer_number=data["customer_number"] or None,
                    contact=contact,
                    item_code=data["item_code"],
                    on_date=data["on_date"],
                    quantity=data["quantity"],
                    currency=data["currency"],
                    unit_of_measure=data["unit_of_measure"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
        return self.render_to_response(context)


class ContactCampaignPricesView(PermissionRequiredMixin, TemplateView):
    """6.4 fragment for the contact card (``hx-get`` … ``hx-trigger="load"``): price lines of
    activated campaigns targeting the contact's company, valid today."""

    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/partials/contact_campaign_prices.html"

    def get_context_data(self, **kwargs):
        contact = get_object_or_404(Contact, pk=kwargs["contact_pk"])
        return super().get_context_data(
            contact=contact,
            lines=selectors.campaign_prices_for_company(
                company=contact, on_date=timezone.localdate()
            ),
            **kwargs,
        )
