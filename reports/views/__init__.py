"""Reports pages: the home dashboard, statistics (SPEC 10) and printable reports with CSV
export of the same rows (SPEC 10.9). Thin views over ``reports.selectors``.

``base`` holds the table-report machinery, ``dashboard`` the home page and statistics,
``lists`` the row reports (one ``reports.tables.Table`` each), ``sections`` the paged
section reports, ``analysis`` the segment statistics and pivots. Every view stays importable
from here."""

from reports import selectors  # noqa: F401  (tests patch reports.views.selectors)
from reports.views.analysis import OpportunityAnalysisView, SegmentStatisticsView, TaskAnalysisView
from reports.views.base import HTML_ROW_LIMIT, PagedReportView, RowPagedReportView, TableReportView
from reports.views.dashboard import (
    ContactStatisticsView,
    HomeView,
    InteractionStatisticsView,
    ReportIndexView,
    SalespersonStatisticsView,
    TeamStatisticsView,
)
from reports.views.lists import (
    CampaignDetailsReportView,
    ContactListReportView,
    ContactListTable,
    OpportunityListReportView,
    OpportunityListTable,
    SalesCycleAnalysisView,
    SalespersonOpportunityReportView,
    SalespersonOpportunityTable,
    SalespersonTaskReportView,
    SegmentContactsReportView,
    SegmentContactsTable,
    TaskTable,
    TeamTaskReportView,
    TeamTaskTable,
)
from reports.views.sections import (
    CompanySummaryReportView,
    ContactLabelReportView,
    OpportunityDetailsReportView,
    PersonSummaryReportView,
    SegmentLabelReportView,
)

__all__ = [
    "HTML_ROW_LIMIT",
    "CampaignDetailsReportView",
    "CompanySummaryReportView",
    "ContactLabelReportView",
    "ContactListReportView",
    "ContactListTable",
    "ContactStatisticsView",
    "HomeView",
    "InteractionStatisticsView",
    "OpportunityAnalysisView",
    "OpportunityDetailsReportView",
    "OpportunityListReportView",
    "OpportunityListTable",
    "PagedReportView",
    "PersonSummaryReportView",
    "ReportIndexView",
    "RowPagedReportView",
    "SalesCycleAnalysisView",
    "SalespersonOpportunityReportView",
    "SalespersonOpportunityTable",
    "SalespersonStatisticsView",
    "SalespersonTaskReportView",
    "SegmentContactsReportView",
    "SegmentContactsTable",
    "SegmentLabelReportView",
    "SegmentStatisticsView",
    "TableReportView",
    "TaskAnalysisView",
    "TaskTable",
    "TeamStatisticsView",
    "TeamTaskReportView",
    "TeamTaskTable",
]
