"""``/api/v1/…`` (SPEC 12.3), the OpenAPI schema and the browsable docs."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views, views_pages

router = SimpleRouter(trailing_slash=False)
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("segments", views.SegmentViewSet, basename="segment")
router.register("logged-segments", views.LoggedSegmentViewSet, basename="logged-segment")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("campaign-entries", views.CampaignEntryViewSet, basename="campaign-entry")
router.register("sales-quotes", views.SalesQuoteViewSet, basename="sales-quote")
router.register("salespeople", views.SalespersonViewSet, basename="salesperson")
router.register("business-relations", views.BusinessRelationViewSet, basename="business-relation")

v1 = [
    path("contacts/import", views.ContactImportView.as_view(), name="contact-import"),
    path("jobs/<int:pk>", views.JobView.as_view(), name="job"),
    path("business-links", views.BusinessLinkListView.as_view(), name="business-links"),
    path(
        "business-links/<int:pk>/acknowledge",
        views.BusinessLinkAcknowledgeView.as_view(),
        name="business-link-acknowledge",
    ),
    path(
        "business-links/<str:link_type>/<str:external_number>",
        views.BusinessLinkDeleteView.as_view(),
        name="business-link-delete",
    ),
    path(
        "linked-records/<str:link_type>/<str:external_number>",
        views.LinkedRecordView.as_view(),
        name="linked-record",
    ),
    path("document-events", views.DocumentEventView.as_view(), name="document-events"),
    path("sales-history", views.SalesHistoryView.as_view(), name="sales-history"),
    path(
        "campaign-prices/lookup",
        views.CampaignPriceLookupView.as_view(),
        name="campaign-price-lookup",
    ),
    path(
        "sales-quotes/<str:number>/order",
        views.SalesQuoteOrderView.as_view(),
        name="sales-quote-order",
    ),
    path(
        "opportunities/<str:number>/sales-document",
        views.OpportunitySalesDocumentView.as_view(),
        name="opportunity-sales-document",
    ),
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # The split view serves its start-up script as a file: no inline <script> (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
for pattern in v1:  # token-authenticated: the login redirect of the pages does not apply
    pattern.callback = login_not_required(pattern.callback)

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("", include(views_pages.urlpatterns)),  # pages (session login)
]
