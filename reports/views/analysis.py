"""Segment statistics (SPEC 5.1 derived figures) and the analysis pages (SPEC 10.8)."""

from django.utils import formats
from django.utils.translation import gettext_lazy

from reports import selectors
from reports.analysis import DIMENSIONS, opportunity_analysis, task_analysis
from reports.forms import (
    OpportunityAnalysisForm,
    SegmentStatisticsForm,
    TaskAnalysisForm,
)
from reports.tables import Column, Table
from reports.tables import money_cell as _money
from reports.views.base import TableReportView
from segments.models import Segment


class SegmentStatisticsTable(Table):
    columns = [
        Column(gettext_lazy("Segment no."), "number"),
        Column(gettext_lazy("Description"), "description"),
        Column(gettext_lazy("Date"), "date", kind="date"),
        Column(gettext_lazy("Salesperson"), "salesperson.code"),
        Column(gettext_lazy("No. of lines"), "line_count"),
        Column(gettext_lazy("Total cost"), "total_cost", kind="money"),
        Column(gettext_lazy("Total duration (min)"), "total_duration", kind="number"),
        Column(gettext_lazy("No. of criteria actions"), "action_count"),
    ]


class SegmentStatisticsView(TableReportView):
    permission_required = "segments.view_segment"
    template_name = "reports/segment_statistics.html"
    title = gettext_lazy("Segment statistics")
    slug = "segment-statistics"
    form_class = SegmentStatisticsForm
    table = SegmentStatisticsTable

    def rows(self, filters):
        segments = selectors.segment_statistics(filters=filters).iterator(chunk_size=2000)
        return self.table.rows(segments)

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
