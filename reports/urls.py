from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path(
        "contacts/<int:pk>/statistics/",
        views.ContactStatisticsView.as_view(),
        name="contact-statistics",
    ),
    path("statistics/salespeople/", views.SalespersonStatisticsView.as_view(), name="salespeople"),
    path("statistics/teams/", views.TeamStatisticsView.as_view(), name="teams"),
    path(
        "statistics/interactions/<slug:dimension>/",
        views.InteractionStatisticsView.as_view(),
        name="interaction-statistics",
    ),
    path("contact-list/", views.ContactListReportView.as_view(), name="contact-list"),
    path("salesperson-tasks/", views.SalespersonTaskReportView.as_view(), name="salesperson-tasks"),
    path("team-tasks/", views.TeamTaskReportView.as_view(), name="team-tasks"),
    path(
        "salesperson-opportunities/",
        views.SalespersonOpportunityReportView.as_view(),
        name="salesperson-opportunities",
    ),
    path("opportunity-list/", views.OpportunityListReportView.as_view(), name="opportunity-list"),
    path(
        "sales-cycle-analysis/",
        views.SalesCycleAnalysisView.as_view(),
        name="sales-cycle-analysis",
    ),
    path(
        "campaigns/<int:pk>/details/",
        views.CampaignDetailsReportView.as_view(),
        name="campaign-details",
    ),
    path(
        "segments/<int:pk>/contacts/",
        views.SegmentContactsReportView.as_view(),
        name="segment-contacts",
    ),
    path("company-summary/", views.CompanySummaryReportView.as_view(), name="company-summary"),
    path("person-summary/", views.PersonSummaryReportView.as_view(), name="person-summary"),
    path("contact-labels/", views.ContactLabelReportView.as_view(), name="contact-labels"),
    path(
        "segments/<int:pk>/labels/",
        views.SegmentLabelReportView.as_view(),
        name="segment-labels",
    ),
    path(
        "opportunity-details/",
        views.OpportunityDetailsReportView.as_view(),
        name="opportunity-details",
    ),
    path(
        "statistics/segments/",
        views.SegmentStatisticsView.as_view(),
        name="segment-statistics",
    ),
    path(
        "analysis/opportunities/",
        views.OpportunityAnalysisView.as_view(),
        name="opportunity-analysis",
    ),
    path("analysis/tasks/", views.TaskAnalysisView.as_view(), name="task-analysis"),
]
