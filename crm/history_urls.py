from django.urls import path

from . import views_history

app_name = "crm"

urlpatterns = [
    path(
        "<slug:app_label>/<slug:model>/<int:object_id>/",
        views_history.field_history,
        name="field-history",
    ),
]
