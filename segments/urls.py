from django.urls import path

from . import views

app_name = "segments"

urlpatterns = [
    path("", views.SegmentListView.as_view(), name="index"),
    path("new/", views.SegmentCreateView.as_view(), name="segment-create"),
    path("saved-criteria/", views.SavedCriteriaListView.as_view(), name="savedcriteria-list"),
    path("logged/", views.LoggedSegmentListView.as_view(), name="loggedsegment-list"),
    path("setup/", views.SegmentSetupView.as_view(), name="setup"),
    path("<int:pk>/", views.SegmentDetailView.as_view(), name="segment-detail"),
    path(
        "<int:pk>/cover-sheets/",
        views.SegmentCoverSheetsView.as_view(),
        name="segment-cover-sheets",
    ),
    path("<int:pk>/update/", views.SegmentUpdateView.as_view(), name="segment-update"),
    path("<int:pk>/delete/", views.SegmentDeleteView.as_view(), name="segment-delete"),
    path("<int:pk>/criteria/", views.SegmentCriteriaView.as_view(), name="segment-criteria"),
    path("<int:pk>/actions/", views.SegmentActionsView.as_view(), name="segment-actions"),
    path("<int:pk>/go-back/", views.SegmentGoBackView.as_view(), name="segment-go-back"),
    path("<int:pk>/refresh/", views.SegmentRefreshView.as_view(), name="segment-refresh"),
    path(
        "<int:pk>/save-criteria/",
        views.SegmentSaveCriteriaView.as_view(),
        name="segment-save-criteria",
    ),
    path(
        "<int:pk>/reuse-criteria/",
        views.SegmentReuseCriteriaView.as_view(),
        name="segment-reuse-criteria",
    ),
    path(
        "<int:pk>/reuse-logged/",
        views.SegmentReuseLoggedView.as_view(),
        name="segment-reuse-logged",
    ),
    path(
        "<int:pk>/mailing-group/",
        views.SegmentMailingGroupView.as_view(),
        name="segment-mailing-group",
    ),
    path("<int:pk>/log/", views.SegmentLogView.as_view(), name="segment-log"),
    path("<int:pk>/export/", views.SegmentExportView.as_view(), name="segment-export"),
    path("<int:pk>/lines/add/", views.SegmentLineAddView.as_view(), name="segment-line-add"),
    path(
        "<int:pk>/lines/<int:line_pk>/delete/",
        views.SegmentLineDeleteView.as_view(),
        name="segment-line-delete",
    ),
    path(
        "<int:pk>/opportunities/",
        views.SegmentOpportunitiesCreateView.as_view(),
        name="segment-opportunities-create",
    ),
    path("<int:pk>/tasks/", views.SegmentTasksCreateView.as_view(), name="segment-tasks-create"),
    path(
        "<int:pk>/activity/",
        views.SegmentActivityAssignView.as_view(),
        name="segment-activity-assign",
    ),
    path(
        "logged/<int:pk>/cancel/",
        views.LoggedSegmentCancelView.as_view(),
        name="loggedsegment-cancel",
    ),
    path(
        "logged/<int:pk>/resend/",
        views.LoggedSegmentResendView.as_view(),
        name="loggedsegment-resend",
    ),
    path(
        "logged/delete-canceled/",
        views.LoggedSegmentDeleteCanceledView.as_view(),
        name="loggedsegment-delete-canceled",
    ),
    path("<int:pk>/jobs/<int:job_id>/", views.SegmentJobProgressView.as_view(), name="segment-job"),
    path("log-jobs/<int:job_id>/", views.SegmentLogJobView.as_view(), name="log-job"),
]

# ---- Type-ahead picker search (crm.widgets.SearchSelect)
from . import pickers  # noqa: E402

urlpatterns += [path("search/", pickers.SegmentSearchView.as_view(), name="segment-search")]
