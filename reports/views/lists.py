"""Row reports: one table per report for the page and the CSV (SPEC 10.9, R-2, R-3)."""

from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from reports import selectors
from reports.forms import (
    ContactListReportForm,
    OpportunityReportForm,
    SalesCycleReportForm,
    TaskReportForm,
)
from reports.tables import Column, Table
from reports.tables import cell as _cell
from reports.tables import in_base_currency as _in_base_currency
from reports.tables import money_cell as _money
from reports.views.base import RowPagedReportView, TableReportView
from segments.models import Segment


class ContactListTable(Table):
    columns = [
        Column(gettext_lazy("No."), "number"),
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Type"), lambda c: c.get_type_display()),
        Column(gettext_lazy("Company"), "company_name"),
        Column(gettext_lazy("Salesperson"), "salesperson.code"),
        Column(gettext_lazy("Phone"), "phone"),
        Column(gettext_lazy("E-mail"), "email"),
        Column(gettext_lazy("Open opportunities"), "open_opportunities"),
        Column(gettext_lazy("Open tasks"), "open_tasks"),
    ]


class ContactListReportView(RowPagedReportView):
    permission_required = "contacts.view_contact"
    title = gettext_lazy("Contact list")
    slug = "contact-list"
    form_class = ContactListReportForm
    table = ContactListTable

    def queryset(self, filters):
        return selectors.report_contact_list(filters=filters)


class TaskTable(Table):
    columns = [
        Column(gettext_lazy("Date"), "date", kind="date"),
        Column(gettext_lazy("Type"), lambda t: t.get_type_display()),
        Column(gettext_lazy("Description"), "description"),
        Column(gettext_lazy("Contact"), "contact.name"),
        Column(gettext_lazy("Status"), lambda t: t.get_status_display()),
        Column(gettext_lazy("Priority"), lambda t: t.get_priority_display()),
    ]

    @staticmethod
    def group(t) -> str:
        return str(t.salesperson) if t.salesperson else _("(no salesperson)")


class TeamTaskTable(TaskTable):
    @staticmethod
    def group(t) -> str:
        return str(t.team)


class SalespersonTaskReportView(RowPagedReportView):
    permission_required = "opportunities.view_task"
    grouped = True
    title = gettext_lazy("Salesperson tasks")
    slug = "salesperson-tasks"
    form_class = TaskReportForm
    table = TaskTable

    def queryset(self, filters):
        return selectors.report_salesperson_tasks(filters=filters)


class TeamTaskReportView(SalespersonTaskReportView):
    title = gettext_lazy("Team tasks")
    slug = "team-tasks"
    table = TeamTaskTable

    def queryset(self, filters):
        return selectors.report_team_tasks(filters=filters)


def _opportunity_label(e) -> str:
    return f"{e.opportunity.number} {e.opportunity.description}"


class SalespersonOpportunityTable(Table):
    columns = [
        Column(gettext_lazy("Opportunity"), _opportunity_label),
        Column(gettext_lazy("Contact"), "contact.name"),
        Column(gettext_lazy("Stage"), "stage"),
        Column(gettext_lazy("Estimated value"), "estimated_value", kind="money"),
        Column(gettext_lazy("Calculated current value"), "calculated_current_value", kind="money"),
        Column(gettext_lazy("Probability %"), "probability_percent", kind="percent"),
        Column(gettext_lazy("Estimated close date"), "estimated_close_date", kind="date"),
    ]

    @staticmethod
    def group(e) -> str:
        return str(e.salesperson) if e.salesperson else _("(no salesperson)")


class SalespersonOpportunityReportView(RowPagedReportView):
    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Salesperson opportunities")
    slug = "salesperson-opportunities"
    form_class = OpportunityReportForm
    table = SalespersonOpportunityTable

    def queryset(self, filters):
        return selectors.report_opportunities(filters=filters)


class OpportunityListTable(Table):
    columns = [
        Column(gettext_lazy("Opportunity"), _opportunity_label),
        Column(gettext_lazy("Sales cycle"), "sales_cycle.code"),
        Column(gettext_lazy("Stage"), "stage"),
        Column(gettext_lazy("Contact"), "contact.name"),
        Column(gettext_lazy("Campaign"), "campaign.number"),
        Column(gettext_lazy("Estimated value"), "estimated_value", kind="money"),
        Column(gettext_lazy("Calculated current value"), "calculated_current_value", kind="money"),
        Column(gettext_lazy("Status"), lambda e: e.opportunity.get_status_display()),
    ]


class OpportunityListReportView(RowPagedReportView):
    permission_required = "opportunities.view_opportunity"
    title = gettext_lazy("Opportunity list")
    slug = "opportunity-list"
    form_class = OpportunityReportForm
    table = OpportunityListTable

    def queryset(self, filters):
        return selectors.report_opportunities(filters=filters)


class SegmentContactsTable(Table):
    columns = [
        Column(gettext_lazy("Contact no."), "contact.number"),
        Column(gettext_lazy("Name"), "contact.name"),
        Column(gettext_lazy("Company"), "contact.company_name"),
        Column(gettext_lazy("Salesperson"), "salesperson.code"),
        Column(gettext_lazy("Phone"), "contact.phone"),
        Column(gettext_lazy("E-mail"), "contact.email"),
        Column(gettext_lazy("City"), "contact.city"),
    ]


class SegmentContactsReportView(RowPagedReportView):
    permission_required = "segments.view_segment"
    title = gettext_lazy("Segment contacts")
    slug = "segment-contacts"
    table = SegmentContactsTable

    def queryset(self, filters):
        segment = get_object_or_404(Segment, pk=self.kwargs["pk"])
        return selectors.report_segment_contacts(segment=segment)


class SalesCycleAnalysisView(TableReportView):
    """R-3: per cycle and stage: opportunities, values and average days (SPEC 10.6)."""

    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Sales cycle analysis")
    slug = "sales-cycle-analysis"
    form_class = SalesCycleReportForm
    columns = [
        gettext_lazy("Stage"),
        gettext_lazy("Description"),
        gettext_lazy("No. of opportunities"),
        _in_base_currency(gettext_lazy("Estimated value")),
        _in_base_currency(gettext_lazy("Calculated current value")),
        gettext_lazy("Average no. of days"),
    ]

    def rows(self, filters):
        for cycle in selectors.report_sales_cycle_analysis(filters=filters):
            group = f"{cycle['cycle'].code} {cycle['cycle'].description}".strip()
            for stage in cycle["stages"]:
                yield (
                    group,
                    [
                        str(stage["stage"].stage),
                        stage["stage"].description,
                        str(stage["count"]),
                        _money(stage["estimated_value"]),
                        _money(stage["calculated_current_value"]),
                        formats.number_format(stage["average_days"], 1),
                    ],
                )


class CampaignDetailsReportView(TableReportView):
    """R-2: campaign header, statistics (SPEC 10.4) and its entries."""

    permission_required = "campaigns.view_campaign"
    template_name = "reports/campaign_details.html"
    title = gettext_lazy("Campaign details")
    slug = "campaign-details"
    columns = [
        gettext_lazy("Entry no."),
        gettext_lazy("Date"),
        gettext_lazy("Description"),
        gettext_lazy("Segment"),
        gettext_lazy("Canceled"),
    ]

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def rows(self, filters):
        details = selectors.report_campaign_details(campaign=self.campaign, filters=filters)
        for entry in details["entries"]:
            yield (
                "",
                [
                    _cell(getattr(entry, "entry_no", entry.pk)),
                    _cell(getattr(entry, "date", "")),
                    _cell(getattr(entry, "description", "")),
                    _cell(getattr(entry, "segment_number", "")),
                    _cell(getattr(entry, "is_canceled", False)),
                ],
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        details = selectors.report_campaign_details(
            campaign=self.campaign, filters=self.form.filters()
        )
        context.update(campaign=self.campaign, statistics=details["statistics"])
        return context
