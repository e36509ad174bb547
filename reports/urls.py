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
]
