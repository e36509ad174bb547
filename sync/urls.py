from django.urls import path

from . import views, views_records

app_name = "sync"

urlpatterns = [
    path("", views.ConnectionView.as_view(), name="connection"),
    path("reset/", views.ResetView.as_view(), name="reset"),
    path("full-sync/", views.FullSyncView.as_view(), name="full-sync"),
    path("full-sync/<str:group>/", views.FullSyncProgressView.as_view(), name="full-sync-progress"),
    path("mappings/<int:pk>/", views.MappingDetailView.as_view(), name="mapping-detail"),
    path("mappings/<int:pk>/records/", views.RecordsView.as_view(), name="records"),
    path("mappings/<int:pk>/remote/", views.RemotePickView.as_view(), name="remote-pick"),
    path("fields/<int:pk>/", views.FieldMappingEditView.as_view(), name="field-edit"),
    path("errors/", views.ErrorsView.as_view(), name="errors"),
    path("log/", views.LogView.as_view(), name="log"),
    path("log/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path(
        "records/<str:model>/<int:pk>/panel/",
        views_records.RecordPanelView.as_view(),
        name="record-panel",
    ),
    path(
        "records/<str:model>/create-from-remote/",
        views_records.CreateFromRemoteView.as_view(),
        name="create-from-remote",
    ),
    path("records/<str:model>/match/", views_records.MatchView.as_view(), name="match"),
    path("records/<str:model>/bulk/", views_records.BulkView.as_view(), name="bulk"),
    path(
        "mappings/<int:pk>/search/", views_records.RemoteSearchView.as_view(), name="remote-search"
    ),
    path("coupling-jobs/<int:pk>/", views_records.CouplingJobView.as_view(), name="coupling-job"),
]
