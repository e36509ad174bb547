from django.urls import path

from . import views

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="index"),
    path("new/", views.OpportunityCreateView.as_view(), name="opportunity-create"),
    path("<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity-detail"),
    path("<int:pk>/edit/", views.OpportunityEditView.as_view(), name="opportunity-edit"),
    path("<int:pk>/update/", views.OpportunityUpdateView.as_view(), name="opportunity-update"),
    path(
        "<int:pk>/update/preview/",
        views.OpportunityUpdatePreviewView.as_view(),
        name="opportunity-update-preview",
    ),
    path("<int:pk>/close/", views.OpportunityCloseView.as_view(), name="opportunity-close"),
    path("<int:pk>/delete/", views.OpportunityDeleteView.as_view(), name="opportunity-delete"),
    path(
        "<int:pk>/quote/",
        views.OpportunityQuoteCreateView.as_view(),
        name="opportunity-quote-create",
    ),
    path("quotes/<int:pk>/", views.SalesQuoteDetailView.as_view(), name="quote-detail"),
    path("quotes/<int:pk>/edit/", views.SalesQuoteEditView.as_view(), name="quote-edit"),
    path("quotes/<int:pk>/print/", views.SalesQuotePrintView.as_view(), name="quote-print"),
    path(
        "from-interaction/<int:entry_pk>/",
        views.OpportunityFromInteractionView.as_view(),
        name="opportunity-create-from-interaction",
    ),
    path("pipeline/", views.PipelineBoardView.as_view(), name="pipeline"),
    path("pipeline/move/", views.PipelineMoveView.as_view(), name="pipeline-move"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("sales-cycles/", views.SalesCycleListView.as_view(), name="salescycle-list"),
    path("sales-cycles/<int:pk>/", views.SalesCycleDetailView.as_view(), name="salescycle-detail"),
    path("tasks/", views.MyTaskListView.as_view(), name="task-index"),
    path("tasks/all/", views.TaskListView.as_view(), name="task-list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task-create"),
    path("tasks/calendar/", views.TaskCalendarView.as_view(), name="task-calendar"),
    path("tasks/activity/", views.ActivityAssignView.as_view(), name="activity-assign"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task-detail"),
    path("tasks/<int:pk>/edit/", views.TaskUpdateView.as_view(), name="task-update"),
    path("tasks/<int:pk>/close/", views.TaskActionView.as_view(action="close"), name="task-close"),
    path(
        "tasks/<int:pk>/cancel/", views.TaskActionView.as_view(action="cancel"), name="task-cancel"
    ),
    path(
        "tasks/<int:pk>/reopen/", views.TaskActionView.as_view(action="reopen"), name="task-reopen"
    ),
    path(
        "tasks/<int:pk>/delete/", views.TaskActionView.as_view(action="delete"), name="task-delete"
    ),
    path(
        "tasks/<int:pk>/attendees/",
        views.TaskActionView.as_view(action="attendee"),
        name="task-attendee-add",
    ),
    path(
        "tasks/<int:pk>/invitations/",
        views.TaskActionView.as_view(action="invitations"),
        name="task-invitations",
    ),
]

# ---- Type-ahead picker search (crm.widgets.SearchSelect)
from . import pickers  # noqa: E402

urlpatterns += [path("search/", pickers.OpportunitySearchView.as_view(), name="opportunity-search")]
