"""API endpoints (SPEC 12.3). Each view parses input, calls one service or selector and
answers; API clients need the view's scope, users the matching model permission."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from campaigns.models import Campaign, CampaignEntry, CampaignPriceLine
from campaigns.selectors import campaign_price_lookup
from contacts.imports import (
    contact_create_from_business_system,
    contact_import_from_business_system_start,
)
from contacts.links import (
    business_link_acknowledge,
    business_link_delete_external,
    business_link_payload,
    business_links_pending,
    contact_link_existing,
)
from contacts.models import (
    Contact,
    ContactBusinessRelation,
    DeletedContactTombstone,
    SalesHistoryLine,
)
from crm.models import BulkJob
from crm.selectors import bulk_job_get_for
from interactions.models import InteractionLogEntry
from opportunities.models import Opportunity, SalesQuote, Task
from opportunities.services import sales_quote_order_reported
from segments.models import LoggedSegment, Segment
from setup.models import BusinessRelation, Currency, Salesperson

from . import serializers as s
from .business import linked_record_update, opportunity_sales_document_set
from .documents import document_event_log
from .errors import ApiError
from .filters import ChangedSinceFilterBackend, changed_since_parse
from .models import ApiScope
from .sales_history import (
    sales_history_delete,
    sales_history_lines_import,
    sales_history_lines_prepare,
)
from .views_base import ApiGenericView, ApiReadOnlyViewSet, ApiView

READ = ApiScope.READ_CONTACTS
# SPEC 12.3 gives business-system clients no scope for interactions, tasks, opportunities,
# segments and campaigns: only UI users' tokens read them, with the pages' view permissions.
USERS_ONLY = ""
SALES_HISTORY_PERMISSION = "api.import_sales_history"  # *Setup → Sales history import*


def _serialized(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# -- read resources ----------------------------------------------------------------------------


class ContactViewSet(ApiReadOnlyViewSet):
    """Contacts with shared fields and links; ``changed_since`` also returns tombstones of
    contacts and links deleted since then (first page, key ``deleted``)."""

    scope = READ
    serializer_class = s.ContactSerializer
    queryset = Contact.objects.select_related(
        "company", "country", "territory", "currency", "language", "salesperson"
    ).prefetch_related("business_relations__business_relation")
    filter_backends = [ChangedSinceFilterBackend]
    changed_field = "last_modified_at"
    lookup_field = "number"

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        since = request.query_params.get("changed_since")
        if since and not request.query_params.get("cursor"):
            tombstones = DeletedContactTombstone.objects.filter(
                deleted_at__gte=changed_since_parse(since)
            ).order_by("deleted_at", "id")[:1000]
            response.data["deleted"] = s.TombstoneSerializer(tombstones, many=True).data
        return response


def _read_viewset(model, serializer, *, scope=READ, related=(), lookup="pk"):
    return type(
        f"{model.__name__}ViewSet",
        (ApiReadOnlyViewSet,),
        {
            "scope": scope,
            "serializer_class": serializer,
            "queryset": (
                model.objects.select_related(*related) if related else model.objects
            ).all(),
            "filter_backends": [ChangedSinceFilterBackend],
            "lookup_field": lookup,
            "__doc__": f"{model._meta.verbose_name_plural} (read only; changed_since).",
        },
    )


InteractionViewSet = _read_viewset(
    InteractionLogEntry, s.InteractionLogEntrySerializer, scope=USERS_ONLY
)
SegmentViewSet = _read_viewset(Segment, s.SegmentSerializer, scope=USERS_ONLY)
LoggedSegmentViewSet = _read_viewset(LoggedSegment, s.LoggedSegmentSerializer, scope=USERS_ONLY)
OpportunityViewSet = _read_viewset(Opportunity, s.OpportunitySerializer, scope=USERS_ONLY)
TaskViewSet = _read_viewset(Task, s.TaskSerializer, scope=USERS_ONLY)
CampaignViewSet = _read_viewset(Campaign, s.CampaignSerializer, scope=USERS_ONLY)
CampaignEntryViewSet = _read_viewset(CampaignEntry, s.CampaignEntrySerializer, scope=USERS_ONLY)
SalespersonViewSet = _read_viewset(Salesperson, s.SalespersonSerializer)
BusinessRelationViewSet = _read_viewset(BusinessRelation, s.BusinessRelationSerializer)


class SalesQuoteViewSet(ApiReadOnlyViewSet):
    """Local quotes (``status``, ``changed_since``)."""

    scope = ApiScope.QUOTES
    serializer_class = s.SalesQuoteSerializer
    queryset = SalesQuote.objects.select_related("contact", "template", "currency", "opportunity")
    filter_backends = [ChangedSinceFilterBackend]
    lookup_field = "number"

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "accepted", "declined"])]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        wanted = self.request.query_params.get("status")
        if wanted and self.action == "list":
            if wanted not in ("open", "accepted", "declined"):
                raise ApiError(_("Unknown status."), field="status")
            queryset = queryset.filter(status=wanted)
        return queryset


# -- business links (12.3) ---------------------------------------------------------------------


class BusinessLinkListView(ApiGenericView):
    """``GET``: links awaiting pickup. ``POST``: link an existing contact or create one
    (CON-43/45, CON-59)."""

    scope = ApiScope.LINKS
    perms_model = ContactBusinessRelation
    queryset = ContactBusinessRelation.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["pending"])],
        responses=inline_serializer("BusinessLinkPage", {"results": serializers.ListField()}),
    )
    def get(self, request, *args, **kwargs):
        wanted = request.query_params.get("status", "pending")
        if wanted != "pending":
            raise ApiError(_("Only status=pending is supported."), field="status")
        page = self.paginate_queryset(business_links_pending())
        return self.get_paginated_response([business_link_payload(link=link) for link in page])

    @extend_schema(request=s.BusinessLinkCreateSerializer, responses={201: dict})
    def post(self, request, *args, **kwargs):
        data = _serialized(s.BusinessLinkCreateSerializer, request.data)
        if data["create_contact"]:
            contact = contact_create_from_business_system(
                link_type=data["link_type"],
                external_number=data["external_number"],
                data=dict(data["record"]),
            )
            link = ContactBusinessRelation.objects.get(contact=contact, link_type=data["link_type"])
        else:
            contact = Contact.objects.filter(number=data["contact_number"]).first()
            if contact is None:
                raise ApiError(
                    _("Contact %(number)s does not exist.") % {"number": data["contact_number"]},
                    status_code=404,
                    field="contact_number",
                    code="not_found",
                )
            with transaction.atomic():
                link = contact_link_existing(
                    contact=contact,
                    link_type=data["link_type"],
                    external_number=data["external_number"],
                    master_side=data["master_side"],
                )
                business_link_acknowledge(link=link)  # the business system made it
        link = (
            business_links_pending()
            .model.objects.select_related("contact", "business_relation", "template")
            .get(pk=link.pk)
        )
        return Response(business_link_payload(link=link), status=status.HTTP_201_CREATED)


class BusinessLinkAcknowledgeView(ApiView):
    scope = ApiScope.LINKS
    perms_model = ContactBusinessRelation
    extra_user_perms = {"POST": ["contacts.change_contactbusinessrelation"]}

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk: int, **kwargs):
        link = get_object_or_404(ContactBusinessRelation, pk=pk)
        business_link_acknowledge(link=link)
        return Response({"id": link.pk, "pickup_status": "acknowledged"})


class BusinessLinkDeleteView(ApiView):
    scope = ApiScope.LINKS
    perms_model = ContactBusinessRelation

    @extend_schema(responses={204: None})
    def delete(self, request, link_type: str, external_number: str, **kwargs):
        if (
            not ContactBusinessRelation.objects.filter(
                link_type=link_type, external_number=external_number.strip().upper()
            )
            .exclude(link_type="")
            .exists()
        ):
            raise ApiError(_("No such link."), status_code=404, code="not_found")
        business_link_delete_external(link_type=link_type, external_number=external_number)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinkedRecordView(ApiView):
    """CON-57: shared-field update for a linked number (unknown number → 404)."""

    scope = ApiScope.WRITE_CONTACTS
    perms_model = Contact

    @extend_schema(request=s.LinkedRecordSerializer, responses={200: dict})
    def patch(self, request, link_type: str, external_number: str, **kwargs):
        data = _serialized(s.LinkedRecordSerializer, request.data, partial=True)
        result = linked_record_update(
            link_type=link_type, external_number=external_number, data=dict(data)
        )
        return Response(result)


class ContactImportView(ApiView):
    """CON-58 in bulk: returns the bulk job id (poll ``jobs/{id}``)."""

    scope = ApiScope.WRITE_CONTACTS
    perms_model = Contact

    @extend_schema(request=s.ContactImportSerializer, responses={202: s.JobSerializer})
    def post(self, request, **kwargs):
        data = _serialized(s.ContactImportSerializer, request.data)
        records = [dict(r) for r in data["records"]]
        user = request.user if getattr(request.user, "pk", None) else None
        job = contact_import_from_business_system_start(records=records, user=user)
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


def _job(job: BulkJob) -> dict:
    return {
        "job_id": job.pk,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "error": job.error,
        "result": job.result,
    }


class JobView(ApiView):
    scope = {"GET": ApiScope.WRITE_CONTACTS}
    perms_model = Contact

    @extend_schema(responses=s.JobSerializer)
    def get(self, request, pk: int, **kwargs):
        job = bulk_job_get_for(
            pk=pk, user=request.user if getattr(request.user, "pk", None) else None
        )
        if job is None:
            raise ApiError(_("Not found."), status_code=404, code="not_found")
        return Response(_job(job))


# -- documents, sales history, prices, quotes, opportunities -----------------------------------


class DocumentEventView(ApiView):
    scope = ApiScope.DOCUMENTS
    perms_model = InteractionLogEntry

    @extend_schema(
        request=s.DocumentEventSerializer,
        responses={
            200: s.DocumentEventResultSerializer,
            201: s.DocumentEventResultSerializer,
            202: s.DocumentEventResultSerializer,
        },
    )
    def post(self, request, **kwargs):
        data = _serialized(s.DocumentEventSerializer, request.data)
        user = request.user if getattr(request.user, "pk", None) else None
        result = document_event_log(data=dict(data), user=user)
        return Response(result.body, status=result.status)


class SalesHistoryView(ApiView):
    """``POST``: up to 5,000 lines (all or nothing; ``source_id`` replaces). ``DELETE``: by
    ``source_id`` list or posting-date range (query parameters)."""

    scope = ApiScope.SALES_HISTORY
    perms_model = SalesHistoryLine
    # the pages reserve importing and removing sales history to administrators
    extra_user_perms = {"POST": [SALES_HISTORY_PERMISSION], "DELETE": [SALES_HISTORY_PERMISSION]}

    @extend_schema(
        request=s.SalesHistoryImportSerializer,
        responses={
            201: inline_serializer(
                "SalesHistoryResult",
                {"created": serializers.IntegerField(), "replaced": serializers.IntegerField()},
            )
        },
    )
    def post(self, request, **kwargs):
        data = _serialized(s.SalesHistoryImportSerializer, request.data)
        lines, errors = sales_history_lines_prepare([dict(line) for line in data["lines"]])
        if errors:
            first = errors[0]
            return Response(
                {
                    "code": "invalid",
                    "field": f"lines[{first['line'] - 1}].{first['field']}",
                    "message": first["message"],
                    "errors": [
                        {
                            "code": "invalid",
                            "field": f"lines[{e['line'] - 1}].{e['field']}",
                            "message": e["message"],
                        }
                        for e in errors[:500]
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(sales_history_lines_import(lines=lines), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("source_id", str, many=True),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
        ],
        responses={
            200: inline_serializer("SalesHistoryDeleted", {"deleted": serializers.IntegerField()})
        },
    )
    def delete(self, request, **kwargs):
        data = _serialized(
            s.SalesHistoryDeleteSerializer,
            {
                "source_id": request.query_params.getlist("source_id"),
                **{k: v for k in ("date_from", "date_to") if (v := request.query_params.get(k))},
            },
        )
        deleted = sales_history_delete(
            source_ids=data.get("source_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        return Response({"deleted": deleted})


class CampaignPriceLookupView(ApiView):
    scope = ApiScope.PRICES
    perms_model = CampaignPriceLine

    @extend_schema(parameters=[s.PriceLookupSerializer], responses=s.PriceResultSerializer)
    def get(self, request, **kwargs):
        data = _serialized(s.PriceLookupSerializer, request.query_params)
        contact = None
        if data.get("contact"):
            contact = Contact.objects.filter(number=data["contact"]).first()
            if contact is None:
                raise ApiError(
                    _("Unknown contact."), status_code=404, field="contact", code="not_found"
                )
        currency = None
        if data.get("currency"):
            currency = Currency.objects.filter(code=data["currency"].upper()).first()
            if currency is None:
                raise ApiError(_("Unknown currency."), field="currency", code="does_not_exist")
        result = campaign_price_lookup(
            customer_number=(data.get("customer") or "").upper() or None,
            contact=contact,
            item_code=data["item"].upper(),
            on_date=data["date"],
            quantity=data["quantity"],
            currency=currency,
            unit_of_measure=data.get("unit") or "",
        )
        return Response(
            {
                "unit_price": result.unit_price,
                "price_campaign_number": result.price_campaign_number,
                "price_line_id": result.price_line_id,
                "price_message": str(result.price_message),
                "line_discount_percent": result.line_discount_percent,
                "discount_campaign_number": result.discount_campaign_number,
                "discount_line_id": result.discount_line_id,
                "discount_message": str(result.discount_message),
            }
        )


class SalesQuoteOrderView(ApiView):
    """OPP-62: the order created from an accepted quote."""

    scope = ApiScope.QUOTES
    perms_model = SalesQuote
    extra_user_perms = {"POST": ["opportunities.change_salesquote"]}

    @extend_schema(request=s.QuoteOrderSerializer, responses=s.SalesQuoteSerializer)
    def post(self, request, number: str, **kwargs):
        data = _serialized(s.QuoteOrderSerializer, request.data)
        quote = get_object_or_404(SalesQuote, number=number)
        if quote.status != "accepted":
            raise ApiError(
                _("Quote %(number)s is not accepted.") % {"number": quote.number},
                status_code=409,
                field="number",
                code="not_accepted",
            )
        taken = (
            Opportunity.objects.filter(
                sales_document_kind="order", sales_document_number=data["order_number"]
            )
            .exclude(pk=quote.opportunity_id)
            .first()
        )
        if taken is not None:
            raise ApiError(
                _("Order %(doc)s is already linked to opportunity %(number)s.")
                % {"doc": data["order_number"], "number": taken.number},
                status_code=409,
                field="order_number",
                code="document_linked",
            )
        quote = sales_quote_order_reported(quote=quote, order_number=data["order_number"])
        return Response(s.SalesQuoteSerializer(quote).data)


class OpportunitySalesDocumentView(ApiView):
    """OPP-8: link the opportunity to an order or posted invoice (taken elsewhere → 409)."""

    scope = ApiScope.QUOTES
    perms_model = Opportunity
    extra_user_perms = {"POST": ["opportunities.change_opportunity"]}

    @extend_schema(request=s.SalesDocumentSerializer, responses={200: dict})
    def post(self, request, number: str, **kwargs):
        data = _serialized(s.SalesDocumentSerializer, request.data)
        opportunity = get_object_or_404(Opportunity, number=number)
        opportunity_sales_document_set(
            opportunity=opportunity, kind=data["kind"], number=data["number"]
        )
        return Response(
            {
                "number": opportunity.number,
                "sales_document_kind": data["kind"],
                "sales_document_number": data["number"],
            }
        )
