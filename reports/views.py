"""Reports pages: the home dashboard, statistics (SPEC 10) and printable reports with CSV
export of the same rows (SPEC 10.9). Thin views over ``selectors.py``."""

import itertools

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import EmptyPage
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from campaigns.models import Campaign
from contacts.selectors import NoCountPaginator, contact_get
from crm.csv_export import SafeWriter, download
from segments.models import Segment
from setup.models import MarketingSetup

from . import selectors
from .analysis import DIMENSIONS, opportunity_analysis, task_analysis
from .charts import column_chart, hbar_chart
from .forms import (
    ContactLabelForm,
    ContactListReportForm,
    ContactSummaryReportForm,
    DateRangeForm,
    OpportunityAnalysisForm,
    OpportunityDetailsForm,
    OpportunityReportForm,
    SalesCycleReportForm,
    SegmentLabelForm,
    SegmentStatisticsForm,
    TaskAnalysisForm,
    TaskReportForm,
)
from .labels import (
    DEFAULT_LABEL_FORMAT,
    LABEL_FORMATS,
    LABEL_LINES,
    address_block,
    contact_label_queryset,
    contact_label_rows,
    segment_label_queryset,
    segment_label_rows,
)

HTML_ROW_LIMIT = 2000  # a printable page; the CSV carries every row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _money(value) -> str:
    return formats.number_format(value or 0, 2)


class HomeView(LoginRequiredMixin, TemplateView):
    """The role-aware dashboard (replaces the foundation's home page)."""

    template_name = "reports/home.html"

    def get_context_data(self, **kwargs):
        data = selectors.dashboard(user=self.request.user)
        empty = _("No data yet.")
        charts = {
            "pipeline": hbar_chart(
                title=_("Pipeline by stage"),
                rows=[
                    (_("Stage %(stage)s") % {"stage": row["stage"]}, row["estimated_value"])
                    for row in data["pipeline"]
                ],
                empty=empty,
            ),
            "forecast": column_chart(
                title=_("Weighted forecast by month"),
                rows=[
                    (formats.date_format(row["month"], "M y"), row["weighted_value"] or 0)
                    for row in data["forecast"]
                ],
                empty=empty,
            ),
            "interactions": column_chart(
                title=_("Interactions per week"),
                rows=[
                    (formats.date_format(row["week"], "MONTH_DAY_FORMAT"), row["count"])
                    for row in data["interactions_per_week"]
                ],
                empty=empty,
            ),
        }
        return {**super().get_context_data(**kwargs), **data, "charts": charts}


class ReportIndexView(LoginRequiredMixin, TemplateView):
    template_name = "reports/index.html"


class ContactStatisticsView(PermissionRequiredMixin, TemplateView):
    """The contact card's statistics panel (SPEC 10.2), loaded with hx-get."""

    permission_required = "contacts.view_contact"
    template_name = "reports/contact_statistics.html"

    def get_context_data(self, **kwargs):
        contact = contact_get(user=self.request.user, pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "contact": contact,
            "statistics": selectors.contact_statistics(contact=contact),
        }


class _DatedStatisticsView(PermissionRequiredMixin, TemplateView):
    form_class = DateRangeForm

    def filters(self):
        self.form = self.form_class(self.request.GET or None)
        return self.form.filters()

    def get_context_data(self, **kwargs):
        filters = self.filters()
        return {
            **super().get_context_data(**kwargs),
            "form": self.form,
            "rows": self.rows(filters),
        }


class SalespersonStatisticsView(_DatedStatisticsView):
    """SPEC 10.3 for every salesperson."""

    permission_required = "setup.view_salesperson"
    template_name = "reports/salesperson_statistics.html"

    def rows(self, filters):
        return selectors.salesperson_statistics(
            date_from=filters.get("date_from"), date_to=filters.get("date_to")
        )


class TeamStatisticsView(_DatedStatisticsView):
    permission_required = "setup.view_team"
    template_name = "reports/team_statistics.html"

    def rows(self, filters):
        return selectors.team_statistics(
            date_from=filters.get("date_from"), date_to=filters.get("date_to")
        )


class InteractionStatisticsView(_DatedStatisticsView):
    """SPEC 10.7 per interaction group or template."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "reports/interaction_statistics.html"

    def get(self, request, *args, **kwargs):
        if kwargs["dimension"] not in {"group", "template"}:
            raise Http404
        return super().get(request, *args, **kwargs)

    def rows(self, filters):
        return selectors.interaction_dimension_statistics(
            dimension=self.kwargs["dimension"],
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )


# --------------------------------------------------------------------------------------------
# Table reports: one definition gives the HTML page and the CSV with the same rows
# --------------------------------------------------------------------------------------------


class TableReportView(PermissionRequiredMixin, TemplateView):
    template_name = "reports/table_report.html"
    title = ""
    form_class = DateRangeForm
    columns: list = []
    slug = ""
    grouped = False  # rows carry a group (CSV gets a first column)

    def queryset(self, filters):
        raise NotImplementedError

    def row(self, obj) -> list:
        raise NotImplementedError

    def group(self, obj) -> str:
        return ""

    def rows(self, filters):
        for obj in self.queryset(filters):
            yield self.group(obj), [_cell(value) for value in self.row(obj)]

    def get(self, request, *args, **kwargs):
        self.form = self.form_class(request.GET or None)
        filters = self.form.filters()
        if request.GET.get("format") == "csv":
            return self.csv(filters)
        return super().get(request, *args, **kwargs)

    def csv(self, filters):
        writer = SafeWriter()
        header = [str(c) for c in self.columns]
        grouped = self.grouped

        def lines():
            yield writer.writerow(([_("Group")] if grouped else []) + header)
            for group, cells in self.rows(filters):
                yield writer.writerow(([group] if grouped else []) + cells)

        return download(lines(), f"{self.slug}.csv", "text/csv; charset=utf-8")

    def html_rows(self, filters) -> tuple[list, bool]:
        """The rows of the HTML page and whether rows were left out."""
        rows = list(itertools.islice(self.rows(filters), HTML_ROW_LIMIT + 1))
        return rows[:HTML_ROW_LIMIT], len(rows) > HTML_ROW_LIMIT

    def get_context_data(self, **kwargs):
        rows, truncated = self.html_rows(self.form.filters())
        groups: list[dict] = []
        for group, cells in rows:
            if not groups or groups[-1]["name"] != group:
                groups.append({"name": group, "rows": []})
            groups[-1]["rows"].append(cells)
        query = self.request.GET.copy()
        query["format"] = "csv"
        return {
            **super().get_context_data(**kwargs),
            "title": self.title,
            "form": self.form,
            "columns": self.columns,
            "groups": groups,
            "truncated": truncated,
            "row_limit": HTML_ROW_LIMIT,
            "csv_query": query.urlencode(),
        }


class PagedReportView(TableReportView):
    """A report of sections (a contact, an opportunity, a label) paged in SQL: the HTML page
    reads ``page_size`` sections with LIMIT/OFFSET over the section queryset (no COUNT, a
    deferred join on deep pages) and the rows of those sections only; the CSV streams every
    section in the selector's chunks."""

    page_size = 100

    def section_queryset(self, filters) -> QuerySet:
        """The ordered sections (one row each), paged for the HTML page."""
        raise NotImplementedError

    def section_rows(self, filters, sections: list | None):
        """(group, cells) rows of ``sections`` (a page), or of every section when None."""
        raise NotImplementedError

    def rows(self, filters):
        return self.section_rows(filters, None)

    def html_rows(self, filters) -> tuple[list, bool]:
        paginator = NoCountPaginator(self.section_queryset(filters), self.page_size)
        try:
            self.page_obj = paginator.page(self.request.GET.get("page") or 1)
        except EmptyPage:
            self.page_obj = paginator.page(1)
        return list(self.section_rows(filters, list(self.page_obj.object_list))), False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_obj"] = self.page_obj
        return context


class RowPagedReportView(PagedReportView):
    """A report of one row per object of ``queryset``, paged in SQL like the section reports;
    the CSV iterates the whole queryset in chunks."""

    def section_queryset(self, filters):
        return self.queryset(filters)

    def section_rows(self, filters, sections):
        objects = sections
        if objects is None:
            objects = self.queryset(filters).iterator(chunk_size=2000)
        for obj in objects:
            yield self.group(obj), [_cell(value) for value in self.row(obj)]


class ContactListReportView(RowPagedReportView):
    permission_required = "contacts.view_contact"
    title = gettext_lazy("Contact list")
    slug = "contact-list"
    form_class = ContactListReportForm
    columns = [
        gettext_lazy("No."),
        gettext_lazy("Name"),
        gettext_lazy("Type"),
        gettext_lazy("Company"),
        gettext_lazy("Salesperson"),
        gettext_lazy("Phone"),
        gettext_lazy("E-mail"),
        gettext_lazy("Open opportunities"),
        gettext_lazy("Open tasks"),
    ]

    def queryset(self, filters):
        return selectors.report_contact_list(filters=filters)

    def row(self, c):
        return [
            c.number,
            c.name,
            c.get_type_display(),
            c.company_name,
            c.salesperson.code if c.salesperson else "",
            c.phone,
            c.email,
            c.open_opportunities,
            c.open_tasks,
        ]


class SalespersonTaskReportView(RowPagedReportView):
    permission_required = "opportunities.view_task"
    grouped = True
    title = gettext_lazy("Salesperson tasks")
    slug = "salesperson-tasks"
    form_class = TaskReportForm
    columns = [
        gettext_lazy("Date"),
        gettext_lazy("Type"),
        gettext_lazy("Description"),
        gettext_lazy("Contact"),
        gettext_lazy("Status"),
        gettext_lazy("Priority"),
    ]

    def queryset(self, filters):
        return selectors.report_salesperson_tasks(filters=filters)

    def group(self, t):
        return str(t.salesperson) if t.salesperson else _("(no salesperson)")

    def row(self, t):
        return [
            _date(t.date),
            t.get_type_display(),
            t.description,
            t.contact.name if t.contact else "",
            t.get_status_display(),
            t.get_priority_display(),
        ]


class TeamTaskReportView(SalespersonTaskReportView):
    title = gettext_lazy("Team tasks")
    slug = "team-tasks"

    def queryset(self, filters):
        return selectors.report_team_tasks(filters=filters)

    def group(self, t):
        return str(t.team)


class SalespersonOpportunityReportView(RowPagedReportView):
    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Salesperson opportunities")
    slug = "salesperson-opportunities"
    form_class = OpportunityReportForm
    columns = [
        gettext_lazy("Opportunity"),
        gettext_lazy("Contact"),
        gettext_lazy("Stage"),
        gettext_lazy("Estimated value"),
        gettext_lazy("Calculated current value"),
        gettext_lazy("Probability %"),
        gettext_lazy("Estimated close date"),
    ]

    def queryset(self, filters):
        return selectors.report_opportunities(filters=filters)

    def group(self, e):
        return str(e.salesperson) if e.salesperson else _("(no salesperson)")

    def row(self, e):
        return [
            f"{e.opportunity.number} {e.opportunity.description}",
            e.contact.name if e.contact else "",
            e.stage,
            _money(e.estimated_value),
            _money(e.calculated_current_value),
            formats.number_format(e.probability_percent, 1),
            _date(e.estimated_close_date),
        ]


class OpportunityListReportView(RowPagedReportView):
    permission_required = "opportunities.view_opportunity"
    title = gettext_lazy("Opportunity list")
    slug = "opportunity-list"
    form_class = OpportunityReportForm
    columns = [
        gettext_lazy("Opportunity"),
        gettext_lazy("Sales cycle"),
        gettext_lazy("Stage"),
        gettext_lazy("Contact"),
        gettext_lazy("Campaign"),
        gettext_lazy("Estimated value"),
        gettext_lazy("Calculated current value"),
        gettext_lazy("Status"),
    ]

    def queryset(self, filters):
        return selectors.report_opportunities(filters=filters)

    def row(self, e):
        return [
            f"{e.opportunity.number} {e.opportunity.description}",
            e.sales_cycle.code,
            e.stage,
            e.contact.name if e.contact else "",
            e.campaign.number if e.campaign else "",
            _money(e.estimated_value),
            _money(e.calculated_current_value),
            e.opportunity.get_status_display(),
        ]


class SegmentContactsReportView(RowPagedReportView):
    permission_required = "segments.view_segment"
    title = gettext_lazy("Segment contacts")
    slug = "segment-contacts"
    columns = [
        gettext_lazy("Contact no."),
        gettext_lazy("Name"),
        gettext_lazy("Company"),
        gettext_lazy("Salesperson"),
        gettext_lazy("Phone"),
        gettext_lazy("E-mail"),
        gettext_lazy("City"),
    ]

    def queryset(self, filters):
        segment = get_object_or_404(Segment, pk=self.kwargs["pk"])
        return selectors.report_segment_contacts(segment=segment)

    def row(self, line):
        c = line.contact
        return [
            c.number,
            c.name,
            c.company_name,
            line.salesperson.code if line.salesperson else "",
            c.phone,
            c.email,
            c.city,
        ]


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
        gettext_lazy("Estimated value"),
        gettext_lazy("Calculated current value"),
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


# --------------------------------------------------------------------------------------------
# Company and person summaries, labels, opportunity details (SPEC 10.9)
# --------------------------------------------------------------------------------------------


class CompanySummaryReportView(PagedReportView):
    """Company summary: per company its address block and phone, its interactions (its own
    and its persons', date filter) and open tasks."""

    permission_required = "contacts.view_contact"
    grouped = True
    contact_type = "company"
    title = gettext_lazy("Company summary")
    slug = "company-summary"
    form_class = ContactSummaryReportForm
    columns = [
        gettext_lazy("Section"),
        gettext_lazy("Date"),
        gettext_lazy("Code"),
        gettext_lazy("Description"),
        gettext_lazy("Details"),
    ]

    def header(self, contact, block) -> list:
        return [_("Address"), "", contact.number, " · ".join(block), contact.phone]

    def section_queryset(self, filters):
        return selectors.report_summary_contacts(filters=filters, contact_type=self.contact_type)

    def section_rows(self, filters, sections):
        home = MarketingSetup.load().default_country_id
        countries = {}
        summaries = selectors.report_contact_summaries(
            filters=filters, contact_type=self.contact_type, contacts=sections
        )
        for contact, interactions, tasks in summaries:
            if contact.country_id:
                countries[contact.country_id] = contact.country
            group = f"{contact.number} {contact.name}".strip()
            block = address_block(contact, home_country_id=home, countries=countries)
            yield group, [_cell(v) for v in self.header(contact, block)]
            for entry in interactions:
                yield (
                    group,
                    [
                        _("Interaction"),
                        _date(entry.date),
                        entry.template.code if entry.template else "",
                        entry.description,
                        _("Canceled") if entry.is_canceled else "",
                    ],
                )
            for task in tasks:
                details = [task.get_status_display(), task.get_priority_display()]
                if task.salesperson:
                    details.append(task.salesperson.code)
                yield (
                    group,
                    [
                        _("Open task"),
                        _date(task.date),
                        task.get_type_display(),
                        task.description,
                        ", ".join(details),
                    ],
                )


class PersonSummaryReportView(CompanySummaryReportView):
    """Person summary: per person its details, interactions and open tasks."""

    contact_type = "person"
    title = gettext_lazy("Person summary")
    slug = "person-summary"

    def header(self, contact, block) -> list:
        details = [contact.job_title, contact.company_name, contact.phone, contact.mobile_phone]
        details.append(contact.email)
        return [
            _("Details"),
            "",
            contact.number,
            " · ".join(block),
            ", ".join(d for d in details if d),
        ]


class _LabelReportView(PagedReportView):
    """Labels: one row per label (contact no. and the lines of the label); the page lays them
    out in the chosen format's size and column count (SEG-52)."""

    template_name = "reports/labels.html"
    columns = [
        gettext_lazy("Contact no."),
        *[format_lazy("{} {}", gettext_lazy("Line"), n) for n in range(1, LABEL_LINES + 1)],
    ]

    def label_format(self):
        code = self.form.filters().get("label_format") or DEFAULT_LABEL_FORMAT
        return LABEL_FORMATS[code]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        label_format = self.label_format()
        labels = [cells for group in context["groups"] for cells in group["rows"]]
        context.update(
            label_format=label_format,
            sheet_rows=[
                [
                    [line for line in cells[1:] if line]
                    for cells in labels[i : i + label_format.columns]
                ]
                for i in range(0, len(labels), label_format.columns)
            ],
        )
        return context


class ContactLabelReportView(_LabelReportView):
    """Contact labels in a SEG-52 size, with the active alternate address of today."""

    permission_required = "contacts.view_contact"
    title = gettext_lazy("Contact labels")
    slug = "contact-labels"
    form_class = ContactLabelForm

    def section_queryset(self, filters):
        contacts = selectors.report_label_contacts(filters=filters)
        return contact_label_queryset(contacts=contacts, on_date=timezone.localdate())

    def section_rows(self, filters, sections):
        contacts = sections if sections is not None else self.section_queryset(filters)
        for cells in contact_label_rows(contacts=contacts, on_date=timezone.localdate()):
            yield "", cells


class SegmentLabelReportView(_LabelReportView):
    """SEG-52 / R-4: labels of the segment's contacts, with the active alternate address on
    the segment date, in the chosen size and column count."""

    permission_required = "segments.view_segment"
    title = gettext_lazy("Segment labels")
    slug = "segment-labels"
    form_class = SegmentLabelForm

    def dispatch(self, request, *args, **kwargs):
        self.segment = get_object_or_404(Segment, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def section_queryset(self, filters):
        return segment_label_queryset(segment=self.segment)

    def section_rows(self, filters, sections):
        for cells in segment_label_rows(segment=self.segment, lines=sections):
            yield "", cells

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "segment": self.segment}


class OpportunityDetailsReportView(PagedReportView):
    """Opportunity details: per opportunity its entries (stage history), its tasks and the
    tasks the following stages' activities will plan."""

    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Opportunity details")
    slug = "opportunity-details"
    form_class = OpportunityDetailsForm
    columns = [
        gettext_lazy("Section"),
        gettext_lazy("Date"),
        gettext_lazy("Stage / type"),
        gettext_lazy("Description"),
        gettext_lazy("Status"),
        gettext_lazy("Value / salesperson"),
    ]

    def section_queryset(self, filters):
        return selectors.report_detail_opportunities(filters=filters)

    def section_rows(self, filters, sections):
        for opportunity, entries, tasks, planned in selectors.report_opportunity_details(
            filters=filters, opportunities=sections
        ):
            group = " ".join(
                part
                for part in [
                    opportunity.number,
                    opportunity.description,
                    f"({opportunity.contact.name})" if opportunity.contact else "",
                ]
                if part
            )
            for entry in entries:
                action = entry.get_action_taken_display() if entry.action_taken else ""
                if entry.close_code:
                    action = f"{action} ({entry.close_code.code})".strip()
                yield (
                    group,
                    [
                        _("Stage history"),
                        _date(entry.date_of_change),
                        str(entry.stage),
                        action,
                        _("Active") if entry.is_active else "",
                        _money(entry.estimated_value),
                    ],
                )
            for task in tasks:
                yield (
                    group,
                    [
                        _("Task"),
                        _date(task.date),
                        task.get_type_display(),
                        task.description,
                        task.get_status_display(),
                        task.salesperson.code if task.salesperson else "",
                    ],
                )
            for stage, step in planned:
                yield (
                    group,
                    [
                        _("Planned task"),
                        step.date_formula,
                        _("Stage %(stage)s: %(type)s")
                        % {"stage": stage.stage, "type": step.get_type_display()},
                        step.description,
                        step.get_priority_display(),
                        stage.activity.code,
                    ],
                )


# --------------------------------------------------------------------------------------------
# Segment statistics (SPEC 5.1 derived figures)
# --------------------------------------------------------------------------------------------


class SegmentStatisticsView(TableReportView):
    permission_required = "segments.view_segment"
    template_name = "reports/segment_statistics.html"
    title = gettext_lazy("Segment statistics")
    slug = "segment-statistics"
    form_class = SegmentStatisticsForm
    columns = [
        gettext_lazy("Segment no."),
        gettext_lazy("Description"),
        gettext_lazy("Date"),
        gettext_lazy("Salesperson"),
        gettext_lazy("No. of lines"),
        gettext_lazy("Total cost"),
        gettext_lazy("Total duration (min)"),
        gettext_lazy("No. of criteria actions"),
    ]

    def rows(self, filters):
        for segment in selectors.segment_statistics(filters=filters).iterator(chunk_size=2000):
            yield (
                "",
                [
                    segment.number,
                    segment.description,
                    _date(segment.date),
                    segment.salesperson.code if segment.salesperson else "",
                    str(segment.line_count),
                    _money(segment.total_cost),
                    _money(segment.total_duration),
                    str(segment.action_count),
                ],
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [cells for group in context["groups"] for cells in group["rows"]]
        ids = dict(
            Segment.objects.filter(number__in=[cells[0] for cells in rows]).values_list(
                "number", "pk"
            )
        )
        context["segment_rows"] = [(cells, ids.get(cells[0])) for cells in rows]
        return context


# --------------------------------------------------------------------------------------------
# Analysis pages (SPEC 10.8)
# --------------------------------------------------------------------------------------------


class _AnalysisView(TableReportView):
    template_name = "reports/analysis.html"

    def analyse(self, filters):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.form = self.form_class(request.GET or None)
        self.pivot = self.analyse(self.form.filters())
        self.columns = [
            DIMENSIONS[self.pivot.dimension][2],
            *self.pivot.period_labels,
            gettext_lazy("Total"),
        ]
        return super().get(request, *args, **kwargs)

    def number(self, value) -> str:
        if isinstance(value, int):
            return formats.number_format(value, 0)
        return _money(value)

    def rows(self, filters):
        for row in self.pivot.rows:
            yield "", [row["label"], *map(self.number, row["cells"]), self.number(row["total"])]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "pivot": self.pivot,
            "total_cells": [
                *map(self.number, self.pivot.totals),
                self.number(self.pivot.grand_total),
            ],
        }


class OpportunityAnalysisView(_AnalysisView):
    permission_required = "opportunities.view_opportunity"
    title = gettext_lazy("Opportunity analysis")
    slug = "opportunity-analysis"
    form_class = OpportunityAnalysisForm

    def analyse(self, filters):
        return opportunity_analysis(filters=filters)


class TaskAnalysisView(_AnalysisView):
    permission_required = "opportunities.view_task"
    title = gettext_lazy("Task analysis")
    slug = "task-analysis"
    form_class = TaskAnalysisForm

    def analyse(self, filters):
        return task_analysis(filters=filters)
