"""Row reports: one table per report for the page and the CSV (SPEC 10.9, R-2, R-3)."""

from django.shortcuts import get_object_or_404
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


class SalesCycleAnalysisTable(Table):
    """Rows are (cycle label, stage figures) pairs."""

    columns = [
        Column(gettext_lazy("Stage"), lambda r: r[1]["stage"].stage),
        Column(gettext_lazy("Description"), lambda r: r[1]["stage"].description),
        Column(gettext_lazy("No. of opportunities"), lambda r: r[1]["count"]),
        Column(gettext_lazy("Estimated value"), lambda r: r[1]["estimated_value"], kind="money"),
        Column(
            gettext_lazy("Calculated current value"),
            lambda r: r[1]["calculated_current_value"],
            kind="money",
        ),
        Column(gettext_lazy("Average no. of days"), lambda r: r[1]["average_days"], kind="average"),
    ]

    @staticmethod
    def group(r) -> str:
        return r[0]


class SalesCycleAnalysisView(TableReportView):
    """R-3: per cycle and stage: opportunities, values and average days (SPEC 10.6)."""

    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Sales cycle analysis")
    slug = "sales-cycle-analysis"
    form_class = SalesCycleReportForm
    table = SalesCycleAnalysisTable

    def queryset(self, filters):
        for cycle in selectors.report_sales_cycle_analysis(filters=filters):
            label = f"{cycle['cycle'].code} {cycle['cycle'].description}".strip()
            for stage in cycle["stages"]:
                yield label, stage

    def rows(self, filters):
        return self.table.rows(self.queryset(filters))


class CampaignEntryTable(Table):
    """The campaign's entries (interaction or opportunity entries: missing fields are blank)."""

    columns = [
        Column(gettext_lazy("Entry no."), lambda e: getattr(e, "entry_no", e.pk)),
        Column(gettext_lazy("Date"), lambda e: getattr(e, "date", "")),
        Column(gettext_lazy("Description"), lambda e: getattr(e, "description", "")),
        Column(gettext_lazy("Segment"), lambda e: getattr(e, "segment_number", "")),
        Column(gettext_lazy("Canceled"), lambda e: getattr(e, "is_canceled", False)),
    ]


class CampaignDetailsReportView(TableReportView):
    """R-2: campaign header, statistics (SPEC 10.4) and its entries."""

    permission_required = "campaigns.view_campaign"
    template_name = "reports/campaign_details.html"
    title = gettext_lazy("Campaign details")
    slug = "campaign-details"
    table = CampaignEntryTable

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def rows(self, filters):
        details = selectors.report_campaign_details(campaign=self.campaign, filters=filters)
        return self.table.rows(details["entries"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        details = selectors.report_campaign_details(
            campaign=self.campaign, filters=self.form.filters()
        )
        context.update(campaign=self.campaign, statistics=details["statistics"])
        return context
