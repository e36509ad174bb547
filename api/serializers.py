"""Request and response shapes of the API (they also make the OpenAPI schema)."""

from rest_framework import serializers

from campaigns.models import Campaign, CampaignEntry
from contacts.links import EMPLOYEE_SHARED_FIELDS, SHARED_FIELDS
from contacts.models import Contact, ContactBusinessRelation, DeletedContactTombstone
from crm.linebreaks import normalize_line_breaks
from interactions.models import DOCUMENT_SLOTS, InteractionLogEntry
from opportunities.models import Opportunity, SalesQuote, Task
from segments.models import LoggedSegment, Segment
from setup.models import BusinessRelation, Salesperson

MAX_INT = 2_147_483_647
LINK_TYPES = ("customer", "vendor", "bank_account", "employee")


# -- contacts ----------------------------------------------------------------------------------


class ContactLinkSerializer(serializers.ModelSerializer):
    business_relation = serializers.CharField(source="business_relation.code")

    class Meta:
        model = ContactBusinessRelation
        fields = [
            "id",
            "business_relation",
            "link_type",
            "external_number",
            "master_side",
            "pickup_status",
            "acknowledged_at",
        ]


class ContactSerializer(serializers.ModelSerializer):
    company_number = serializers.SerializerMethodField()
    links = ContactLinkSerializer(source="business_relations", many=True, read_only=True)
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    language = serializers.SlugRelatedField(slug_field="code", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "number",
            "type",
            "company_number",
            *SHARED_FIELDS,
            *EMPLOYEE_SHARED_FIELDS,
            "is_privacy_blocked",
            "business_relation_summary",
            "last_modified_at",
            "links",
        ]

    def get_company_number(self, obj) -> str:
        return obj.company.number if obj.company_id and obj.company else ""


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeletedContactTombstone
        fields = ["contact_id", "number", "name", "deleted_at", "link_rows"]


# -- business links ----------------------------------------------------------------------------


class LineBreaksMixin:
    """Contact fields are single-line: line breaks in a value become one space on the way in
    (``crm.linebreaks``); names in ``multi_line_fields`` keep theirs, written ``\\n``."""

    multi_line_fields: tuple[str, ...] = ()

    def to_internal_value(self, data):
        return normalize_line_breaks(super().to_internal_value(data), multi=self.multi_line_fields)


class BusinessRecordSerializer(LineBreaksMixin, serializers.Serializer):
    """CON-58 record data (used with ``create_contact``)."""

    name = serializers.CharField(max_length=100)
    name_2 = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address_2 = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=30, required=False, allow_blank=True)
    post_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    county = serializers.CharField(max_length=30, required=False, allow_blank=True)
    country = serializers.CharField(max_length=10, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=80, required=False, allow_blank=True)
    home_page = serializers.CharField(max_length=80, required=False, allow_blank=True)
    vat_registration_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=10, required=False, allow_blank=True)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    salesperson = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_person = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BusinessLinkCreateSerializer(serializers.Serializer):
    link_type = serializers.ChoiceField(choices=LINK_TYPES)
    external_number = serializers.CharField(max_length=20)
    contact_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    master_side = serializers.ChoiceField(
        choices=("contact", "external"), required=False, default="contact"
    )
    create_contact = serializers.BooleanField(required=False, default=False)
    record = BusinessRecordSerializer(required=False)

    def validate(self, attrs):
        if attrs.get("create_contact"):
            if attrs["link_type"] == "employee":
                raise serializers.ValidationError(
                    {"link_type": "create_contact works for customer, vendor and bank_account."}
                )
            if not attrs.get("record"):
                raise serializers.ValidationError({"record": "Record data is required."})
        elif not attrs.get("contact_number"):
            raise serializers.ValidationError(
                {"contact_number": "Give contact_number, or create_contact with record data."}
            )
        return attrs


class LinkedRecordSerializer(LineBreaksMixin, serializers.Serializer):
    """CON-57 shared fields; code fields carry codes. Only the fields sent are changed."""

    name = serializers.CharField(max_length=100, required=False)
    name_2 = serializers.CharField(max_length=50, required=False, allow_blank=True)
    search_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address_2 = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=30, required=False, allow_blank=True)
    post_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    county = serializers.CharField(max_length=30, required=False, allow_blank=True)
    country = serializers.CharField(max_length=10, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    mobile_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    fax = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=80, required=False, allow_blank=True)
    home_page = serializers.CharField(max_length=80, required=False, allow_blank=True)
    territory = serializers.CharField(max_length=10, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=10, required=False, allow_blank=True)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    salesperson = serializers.CharField(max_length=20, required=False, allow_blank=True)
    vat_registration_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    registration_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    middle_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    surname = serializers.CharField(max_length=30, required=False, allow_blank=True)
    initials = serializers.CharField(max_length=30, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=30, required=False, allow_blank=True)


class ContactImportRecordSerializer(BusinessRecordSerializer):
    link_type = serializers.ChoiceField(choices=("customer", "vendor", "bank_account"))
    external_number = serializers.CharField(max_length=20)


class ContactImportSerializer(serializers.Serializer):
    records = ContactImportRecordSerializer(many=True, max_length=5000, allow_empty=False)


class JobSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    error = serializers.CharField()
    result = serializers.JSONField()


# -- document events ---------------------------------------------------------------------------


class DocumentEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DOCUMENT_SLOTS)
    document_number = serializers.CharField(max_length=20)
    occurrence = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, default=0)
    version = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False, default=1)
    external_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    date = serializers.DateField()
    time = serializers.TimeField(required=False, allow_null=True)
    salesperson_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    description = serializers.CharField(max_length=100, required=False, allow_blank=True)
    campaign_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    opportunity_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    order_number = serializers.CharField(max_length=20, required=False, allow_blank=True)


class DocumentEventResultSerializer(serializers.Serializer):
    result = serializers.CharField()
    reason = serializers.CharField(required=False)
    entry_no = serializers.IntegerField(required=False)


# -- sales history -----------------------------------------------------------------------------


def _decimal(**kwargs):
    return serializers.DecimalField(
        max_digits=18, decimal_places=kwargs.pop("places", 2), required=False, **kwargs
    )


class SalesHistoryLineSerializer(serializers.Serializer):
    posting_date = serializers.DateField()
    entry_kind = serializers.ChoiceField(choices=("sale", "purchase"), required=False)
    link_type = serializers.ChoiceField(
        choices=("", "customer", "vendor"), required=False, allow_blank=True
    )
    external_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    item_code = serializers.CharField(max_length=20)
    variant_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    item_group = serializers.CharField(max_length=20, required=False, allow_blank=True)
    document_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    quantity = _decimal(places=5)
    amount = _decimal()
    cost_amount = _decimal()
    discount_amount = _decimal()
    due_date = serializers.DateField(required=False, allow_null=True)
    paid_on = serializers.DateField(required=False, allow_null=True)
    source_id = serializers.CharField(max_length=50, required=False, allow_blank=True)


class SalesHistoryImportSerializer(serializers.Serializer):
    lines = SalesHistoryLineSerializer(many=True, max_length=5000, allow_empty=False)


class SalesHistoryDeleteSerializer(serializers.Serializer):
    source_id = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=5000
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if not attrs.get("source_id") and not (attrs.get("date_from") or attrs.get("date_to")):
            raise serializers.ValidationError("Give source_id values or a date range.")
        return attrs


# -- prices, quotes, opportunities -------------------------------------------------------------


class PriceLookupSerializer(serializers.Serializer):
    customer = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=20, required=False, allow_blank=True)
    item = serializers.CharField(max_length=20)
    date = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=5, min_value=0, default=0)
    currency = serializers.CharField(max_length=10, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True)

    def validate(self, attrs):
        if bool(attrs.get("customer")) == bool(attrs.get("contact")):
            raise serializers.ValidationError({"customer": "Give either customer or contact."})
        return attrs


class PriceResultSerializer(serializers.Serializer):
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=5, allow_null=True)
    price_campaign_number = serializers.CharField()
    price_line_id = serializers.IntegerField(allow_null=True)
    price_message = serializers.CharField()
    line_discount_percent = serializers.DecimalField(
        max_digits=8, decimal_places=5, allow_null=True
    )
    discount_campaign_number = serializers.CharField()
    discount_line_id = serializers.IntegerField(allow_null=True)
    discount_message = serializers.CharField()


class SalesQuoteSerializer(serializers.ModelSerializer):
    contact_number = serializers.CharField(source="contact.number", read_only=True)
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    opportunity_number = serializers.SerializerMethodField()

    class Meta:
        model = SalesQuote
        fields = [
            "id",
            "number",
            "contact_number",
            "customer_number",
            "template",
            "opportunity_number",
            "quote_date",
            "valid_until",
            "description",
            "amount",
            "currency",
            "status",
            "external_order_number",
            "updated_at",
        ]

    def get_opportunity_number(self, obj) -> str:
        return obj.opportunity.number if obj.opportunity_id else ""


class QuoteOrderSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=20)


class SalesDocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=("order", "posted_invoice"))
    number = serializers.CharField(max_length=20)


# -- reference data and read resources ---------------------------------------------------------


class SalespersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Salesperson
        fields = ["id", "code", "name", "email", "phone", "job_title", "is_blocked"]


class BusinessRelationSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessRelation
        fields = ["id", "code", "description"]


def model_serializer(model, fields="__all__", exclude=None):
    meta = type(
        "Meta", (), {"model": model, **({"exclude": exclude} if exclude else {"fields": fields})}
    )
    return type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


InteractionLogEntrySerializer = model_serializer(InteractionLogEntry, exclude=["email_body"])
SegmentSerializer = model_serializer(Segment)
LoggedSegmentSerializer = model_serializer(LoggedSegment)
OpportunitySerializer = model_serializer(Opportunity)
TaskSerializer = model_serializer(Task)
CampaignSerializer = model_serializer(Campaign)
CampaignEntrySerializer = model_serializer(CampaignEntry)
