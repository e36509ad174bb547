from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="index"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("price-lookup/", views.PriceLookupView.as_view(), name="price-lookup"),
    path(
        "contacts/<int:contact_pk>/prices/",
        views.ContactCampaignPricesView.as_view(),
        name="contact-campaign-prices",
    ),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/update/", views.CampaignUpdateView.as_view(), name="campaign-update"),
    path("<int:pk>/delete/", views.CampaignDeleteView.as_view(), name="campaign-delete"),
    path("<int:pk>/activate/", views.CampaignActivateView.as_view(), name="campaign-activate"),
    path(
        "<int:pk>/deactivate/", views.CampaignDeactivateView.as_view(), name="campaign-deactivate"
    ),
    path(
        "<int:pk>/entries/cancel/",
        views.CampaignEntriesCancelView.as_view(),
        name="campaign-entries-cancel",
    ),
    path(
        "<int:pk>/entries/delete-canceled/",
        views.CampaignEntriesDeleteCanceledView.as_view(),
        name="campaign-entries-delete-canceled",
    ),
    path(
        "<int:pk>/entries/export.csv",
        views.CampaignEntriesExportView.as_view(),
        name="campaign-entries-export",
    ),
    path("<int:pk>/jobs/<int:job_id>/", views.CampaignJobView.as_view(), name="campaign-job"),
    path(
        "<int:pk>/price-lines/new/", views.PriceLineCreateView.as_view(), name="price-line-create"
    ),
    path(
        "<int:pk>/price-lines/<int:line_id>/update/",
        views.PriceLineUpdateView.as_view(),
        name="price-line-update",
    ),
    path(
        "<int:pk>/price-lines/<int:line_id>/delete/",
        views.PriceLineDeleteView.as_view(),
        name="price-line-delete",
    ),
]

# ---- Type-ahead picker search (crm.widgets.SearchSelect)
from . import pickers  # noqa: E402

urlpatterns += [path("search/", pickers.CampaignSearchView.as_view(), name="campaign-search")]
