from django.urls import path
from django.utils.translation import gettext_lazy as _

from crm.views import area_placeholder

app_name = "opportunities"

urlpatterns = [
    path(
        "",
        area_placeholder(
            _("Opportunities"),
            _("Opportunities through sales cycles, the pipeline board and the forecast."),
        ),
        name="index",
    ),
    path(
        "tasks/",
        area_placeholder(
            _("Tasks"),
            _("My tasks, team tasks, meetings with invitations, activities and a calendar."),
        ),
        name="task-index",
    ),
]
