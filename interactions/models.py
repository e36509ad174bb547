"""Interactions (SPEC 4): groups, templates, the interaction log and its attachments.

Entries reference campaigns, campaign entries, opportunities, tasks and logged segments by
string foreign keys (STYLE 2: those apps stand higher and import this one, never the reverse).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable, TimeStampedModel
from setup.models import CorrespondenceType

ENTRY_NO_SEQUENCE = "interactions_entry_no_seq"


class InformationFlow(models.TextChoices):
    BLANK = "", _("(none)")
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class InitiatedBy(models.TextChoices):
    BLANK = "", _("(none)")
    US = "us", _("Us")
    THEM = "them", _("Them")


class AttachmentMode(models.TextChoices):
    BLANK = "", _("(none)")
    OPEN = "open", _("Open")
    UPLOAD = "upload", _("Upload")
    MERGE = "merge", _("Merge")


class Evaluation(models.TextChoices):
    BLANK = "", _("(none)")
    VERY_POSITIVE = "very_positive", _("Very positive")
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    VERY_NEGATIVE = "very_negative", _("Very negative")


class DeliveryStatus(models.TextChoices):
    BLANK = "", _("(none)")
    IN_PROGRESS = "in_progress", _("In progress")
    ERROR = "error", _("Error")


class DocumentKind(models.TextChoices):
    BLANK = "", _("(none)")
    SALES_QUOTE = "sales_quote", _("Sales quote")
    SALES_BLANKET_ORDER = "sales_blanket_order", _("Sales blanket order")
    SALES_ORDER_CONFIRMATION = "sales_order_confirmation", _("Sales order confirmation")
    SALES_INVOICE = "sales_invoice", _("Sales invoice")
    SALES_SHIPMENT_NOTE = "sales_shipment_note", _("Sales shipment note")
    SALES_CREDIT_MEMO = "sales_credit_memo", _("Sales credit memo")
    SALES_STATEMENT = "sales_statement", _("Sales statement")
    SALES_REMINDER = "sales_reminder", _("Sales reminder")
    SALES_RETURN_ORDER = "sales_return_order", _("Sales return order")
    SALES_RETURN_RECEIPT = "sales_return_receipt", _("Sales return receipt")
    SALES_FINANCE_CHARGE_MEMO = "sales_finance_charge_memo", _("Sales finance charge memo")
    SALES_DRAFT_INVOICE = "sales_draft_invoice", _("Sales draft invoice")
    PURCHASE_QUOTE = "purchase_quote", _("Purchase quote")
    PURCHASE_BLANKET_ORDER = "purchase_blanket_order", _("Purchase blanket order")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")
    PURCHASE_INVOICE = "purchase_invoice", _("Purchase invoice")
    PURCHASE_RECEIPT = "purchase_receipt", _("Purchase receipt")
    PURCHASE_CREDIT_MEMO = "purchase_credit_memo", _("Purchase credit memo")
    PURCHASE_RETURN_SHIPMENT = "purchase_return_shipment", _("Purchase return shipment")
    PURCHASE_RETURN_ORDER_CONFIRMATION = (
        "purchase_return_order_confirmation",
        _("Purchase return order confirmation"),
    )
    SERVICE_ORDER_CREATE = "service_order_create", _("Service order (created)")
    SERVICE_ORDER_POST = "service_order_post", _("Service order (posted)")
    SERVICE_CONTRACT = "service_contract", _("Service contract")
    SERVICE_CONTRACT_QUOTE = "service_contract_quote", _("Service contract quote")
    SERVICE_QUOTE = "service_quote", _("Service quote")
    COVER_SHEET = "cover_sheet", _("Cover sheet")


# Slots of InteractionTemplateSetup that log documents and must use templates without
# language rows (INT-4).
DOCUMENT_SLOTS = [kind.value for kind in DocumentKind if kind.value not in ("", "cover_sheet")]
NO_LANGUAGE_SLOTS = [*DOCUMENT_SLOTS, "email_logging", "cover_sheet", "outgoing_call"]
OTHER_SLOTS = ["email_logging", "cover_sheet", "outgoing_call", "meeting_invitation"]


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class InteractionGroup(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("interaction group")
        verbose_name_plural = _("interaction groups")

    def get_absolute_url(self) -> str:
        return reverse("interactions:group-update", args=[self.pk])


class InteractionTemplate(TimeStampedModel):
    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    group = models.ForeignKey(
        InteractionGroup,
        on_delete=models.PROTECT,
        related_name="templates",
        verbose_name=_("interaction group"),
    )
    unit_cost = _money(_("unit cost"), default=0, validators=[MinValueValidator(0)])
    unit_duration_min = models.DecimalField(
        _("unit duration (min)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    information_flow = models.CharField(
        _("information flow"), max_length=10, choices=InformationFlow, blank=True, default=""
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=InitiatedBy, blank=True, default=""
    )
    is_campaign_target = models.BooleanField(_("campaign target"), default=False)
    is_campaign_response = models.BooleanField(_("campaign response"), default=False)
    correspondence_type = models.CharField(
        _("correspondence type"),
        max_length=10,
        choices=CorrespondenceType,
        blank=True,
        default=CorrespondenceType.EMAIL,
    )
    ignore_contact_correspondence_type = models.BooleanField(
        _("ignore contact correspondence type"), default=False
    )
    default_language = models.ForeignKey(
        "setup.Language",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default language"),
    )
    attachment_mode = models.CharField(
        _("attachment mode"), max_length=10, choices=AttachmentMode, blank=True, default=""
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interaction_templates",
        verbose_name=_("campaign"),
    )

    class Meta:
        verbose_name = _("interaction template")
        verbose_name_plural = _("interaction templates")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=""), name="interactiontemplate_code_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(code=models.functions.Upper(models.functions.Trim("code"))),
                name="interactiontemplate_code_upper",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="interactiontemplate_unit_cost_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_duration_min__gte=0),
                name="interactiontemplate_unit_duration_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(information_flow__in=InformationFlow.values),
                name="interactiontemplate_information_flow_valid",
            ),
            models.CheckConstraint(
                condition=Q(initiated_by__in=InitiatedBy.values),
                name="interactiontemplate_initiated_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(correspondence_type__in=CorrespondenceType.values),
                name="interactiontemplate_correspondence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(attachment_mode__in=AttachmentMode.values),
                name="interactiontemplate_attachment_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()

    def get_absolute_url(self) -> str:
        return reverse("interactions:template-update", args=[self.pk])


class InteractionTemplateLanguage(TimeStampedModel):
    template = models.ForeignKey(
        InteractionTemplate,
        on_delete=models.CASCADE,
        related_name="languages",
        verbose_name=_("interaction template"),
    )
    language = models.ForeignKey(
        "setup.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to="interaction_templates/%Y/%m/", max_length=250, blank=True
    )
    email_subject = models.CharField(_("e-mail subject"), max_length=100, blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)
    send_attachment_as_file = models.BooleanField(_("send attachment as file"), default=True)

    class Meta:
        verbose_name = _("interaction template language")
        verbose_name_plural = _("interaction template languages")
        ordering = ["template", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"],
                name="interactiontemplatelanguage_template_language_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}/{self.language_id}"


def _slot(verbose_name) -> models.ForeignKey:
    return models.ForeignKey(
        InteractionTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class InteractionTemplateSetup(TimeStampedModel):
    """Singleton: the template used for each document kind and automatic logging (SPEC 4.1)."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    sales_quote = _slot(_("sales quote"))
    sales_blanket_order = _slot(_("sales blanket order"))
    sales_order_confirmation = _slot(_("sales order confirmation"))
    sales_invoice = _slot(_("sales invoice"))
    sales_shipment_note = _slot(_("sales shipment note"))
    sales_credit_memo = _slot(_("sales credit memo"))
    sales_statement = _slot(_("sales statement"))
    sales_reminder = _slot(_("sales reminder"))
    sales_return_order = _slot(_("sales return order"))
    sales_return_receipt = _slot(_("sales return receipt"))
    sales_finance_charge_memo = _slot(_("sales finance charge memo"))
    sales_draft_invoice = _slot(_("sales draft invoice"))
    purchase_quote = _slot(_("purchase quote"))
    purchase_blanket_order = _slot(_("purchase blanket order"))
    purchase_order = _slot(_("purchase order"))
    purchase_invoice = _slot(_("purchase invoice"))
    purchase_receipt = _slot(_("purchase receipt"))
    purchase_credit_memo = _slot(_("purchase credit memo"))
    purchase_return_shipment = _slot(_("purchase return shipment"))
    purchase_return_order_confirmation = _slot(_("purchase return order confirmation"))
    service_order_create = _slot(_("service order (created)"))
    service_order_post = _slot(_("service order (posted)"))
    service_contract = _slot(_("service contract"))
    service_contract_quote = _slot(_("service contract quote"))
    service_quote = _slot(_("service quote"))
    email_logging = _slot(_("e-mail logging"))
    cover_sheet = _slot(_("cover sheet"))
    outgoing_call = _slot(_("outgoing calls"))
    meeting_invitation = _slot(_("meeting invitations"))

    class Meta:
        verbose_name = _("interaction template setup")
        verbose_name_plural = _("interaction template setup")
        constraints = [
            models.CheckConstraint(
                condition=Q(singleton=True), name="interactiontemplatesetup_singleton_check"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Interaction template setup"))

    @classmethod
    def load(cls) -> "InteractionTemplateSetup":
        obj, _created = cls.objects.get_or_create(singleton=True)
        return obj


class Attachment(TimeStampedModel):
    file = models.FileField(
        _("file"), upload_to="interaction_attachments/%Y/%m/", max_length=250, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=250, blank=True)
    is_read_only = models.BooleanField(_("read-only"), default=False)
    email_message_id = models.CharField(_("e-mail message ID"), max_length=250, blank=True)
    checksum = models.CharField(_("checksum"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["email_message_id"],
                condition=~Q(email_message_id=""),
                name="attachment_message_id_idx",
            )
        ]

    def __str__(self) -> str:
        return self.file_name or f"#{self.pk}"


class InteractionLogEntry(TimeStampedModel):
    """One logged interaction (SPEC 4.1); ``entry_no`` comes from a PostgreSQL sequence."""

    entry_no = models.BigIntegerField(
        _("entry no."),
        unique=True,
        editable=False,
        db_default=models.Func(
            models.Value(ENTRY_NO_SEQUENCE),
            function="nextval",
            output_field=models.BigIntegerField(),
        ),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("contact"),
    )
    contact_company = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="company_interaction_entries",
        verbose_name=_("contact company"),
    )
    contact_name_snapshot = models.CharField(_("contact name"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=100)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    information_flow = models.CharField(
        _("information flow"), max_length=10, choices=InformationFlow, blank=True, default=""
    )
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=InitiatedBy, blank=True, default=""
    )
    attachment = models.ForeignKey(
        Attachment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("attachment"),
    )
    cost = _money(_("cost"), default=0)
    duration_min = models.DecimalField(
        _("duration (min)"), max_digits=10, decimal_places=2, default=0
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("salesperson"),
    )
    group = models.ForeignKey(
        InteractionGroup,
        on_delete=models.PROTECT,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        db_index=False,
        related_name="entries",
        verbose_name=_("interaction group"),
    )
    template = models.ForeignKey(
        InteractionTemplate,
        on_delete=models.PROTECT,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        db_index=False,
        related_name="entries",
        verbose_name=_("interaction template"),
    )
    language = models.ForeignKey(
        "setup.Language",
        on_delete=models.PROTECT,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("language"),
    )
    # Cross-area references (indexed by partial indexes below: most entries have none).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("campaign"),
    )
    campaign_entry = models.ForeignKey(
        "campaigns.CampaignEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("campaign entry"),
    )
    is_campaign_target = models.BooleanField(_("campaign target"), default=False)
    is_campaign_response = models.BooleanField(_("campaign response"), default=False)
    segment_number = models.CharField(_("segment no."), max_length=20, blank=True)
    logged_segment = models.ForeignKey(
        "segments.LoggedSegment",
        on_delete=models.SET_NULL,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("logged segment"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("opportunity"),
    )
    task = models.ForeignKey(
        "opportunities.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="interaction_entries",
        verbose_name=_("task"),
    )
    evaluation = models.CharField(
        _("evaluation"), max_length=20, choices=Evaluation, blank=True, default=""
    )
    attempt_failed = models.BooleanField(_("attempt failed"), default=False)
    delivery_status = models.CharField(
        _("delivery status"), max_length=20, choices=DeliveryStatus, blank=True, default=""
    )
    delivery_error = models.CharField(_("delivery error"), max_length=250, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    is_canceled = models.BooleanField(_("canceled"), default=False)
    is_postponed = models.BooleanField(_("postponed"), default=False)
    correspondence_type = models.CharField(
        _("correspondence type"),
        max_length=10,
        choices=CorrespondenceType,
        blank=True,
        default="",
    )
    alt_address = models.ForeignKey(
        "contacts.ContactAltAddress",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alternate address"),
    )
    contact_via = models.CharField(_("contact via"), max_length=80, blank=True)
    document_kind = models.CharField(
        _("document kind"), max_length=40, choices=DocumentKind, blank=True, default=""
    )
    document_number = models.CharField(_("document no."), max_length=20, blank=True)
    document_occurrence = models.PositiveIntegerField(_("document occurrence"), default=0)
    document_version = models.PositiveIntegerField(_("document version"), default=0)
    is_email_logged = models.BooleanField(_("e-mail logged"), default=False)
    email_body = models.TextField(_("e-mail body"), blank=True)
    # Idempotency of bulk logging: one entry per (job, contact).
    bulk_job = models.ForeignKey(
        "crm.BulkJob",
        on_delete=models.SET_NULL,
        db_constraint=False,  # decision 0011
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("bulk job"),
    )

    class Meta:
        verbose_name = _("interaction log entry")
        verbose_name_plural = _("interaction log entries")
        ordering = ["-date", "-entry_no"]
        indexes = [
            # The log list (postponed entries never appear there, INT-12).
            models.Index(
                F("date").desc(),
                F("entry_no").desc(),
                condition=Q(is_postponed=False),
                name="interaction_date_entry_idx",
            ),
            models.Index(
                F("contact"), F("date").desc(), F("entry_no").desc(), name="interaction_contact_idx"
            ),
            models.Index(
                F("contact_company"),
                F("date").desc(),
                F("entry_no").desc(),
                name="interaction_company_idx",
            ),
            models.Index(
                F("salesperson"),
                F("date").desc(),
                F("entry_no").desc(),
                name="interaction_salesperson_idx",
            ),
            models.Index(
                F("template"),
                F("date").desc(),
                F("entry_no").desc(),
                name="interaction_template_idx",
            ),
            models.Index(
                F("group"), F("date").desc(), F("entry_no").desc(), name="interaction_group_idx"
            ),
            # Small sets: the Postponed page and the delete-canceled job.
            models.Index(
                F("date").desc(),
                F("entry_no").desc(),
                condition=Q(is_postponed=True),
                name="interaction_postponed_date_idx",
            ),
            models.Index(F("date"), condition=Q(is_canceled=True), name="interaction_canceled_idx"),
            models.Index(
                F("delivery_status"),
                condition=~Q(delivery_status=""),
                name="interaction_delivery_idx",
            ),
            # Cross-area references: deletes (PROTECT / SET_NULL) and per-record lists.
            models.Index(
                F("campaign"),
                F("date").desc(),
                F("entry_no").desc(),
                condition=Q(campaign__isnull=False),
                name="interaction_campaign_idx",
            ),
            models.Index(
                F("campaign_entry"),
                condition=Q(campaign_entry__isnull=False),
                name="interaction_campaign_entry_idx",
            ),
            models.Index(
                F("logged_segment"),
                condition=Q(logged_segment__isnull=False),
                name="interaction_logged_segment_idx",
            ),
            models.Index(
                F("opportunity"),
                condition=Q(opportunity__isnull=False),
                name="interaction_opportunity_idx",
            ),
            models.Index(F("task"), condition=Q(task__isnull=False), name="interaction_task_idx"),
            # Statistics over a date range: an index-only scan of counted entries (10.1).
            models.Index(
                fields=["date"],
                include=["salesperson", "template", "group", "cost", "duration_min"],
                condition=Q(is_canceled=False, is_postponed=False),
                name="interaction_stats_date_idx",
            ),
            # Letters to print (INT-21): the few hard copies not printed yet.
            models.Index(
                fields=["date", "entry_no"],
                condition=Q(
                    correspondence_type="hard_copy",
                    delivered_at__isnull=True,
                    is_canceled=False,
                    is_postponed=False,
                ),
                name="interaction_to_print_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bulk_job", "contact"],
                condition=Q(bulk_job__isnull=False),
                name="interactionlogentry_bulk_job_contact_unique",
            ),
            models.CheckConstraint(
                condition=Q(information_flow__in=InformationFlow.values),
                name="interactionlogentry_information_flow_valid",
            ),
            models.CheckConstraint(
                condition=Q(initiated_by__in=InitiatedBy.values),
                name="interactionlogentry_initiated_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(evaluation__in=Evaluation.values),
                name="interactionlogentry_evaluation_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery_status__in=DeliveryStatus.values),
                name="interactionlogentry_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(correspondence_type__in=CorrespondenceType.values),
                name="interactionlogentry_correspondence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(document_kind__in=DocumentKind.values),
                name="interactionlogentry_document_kind_valid",
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="interactionlogentry_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(duration_min__gte=0), name="interactionlogentry_duration_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_no} {self.description}"


class InteractionLogEntryComment(TimeStampedModel):
    entry = models.ForeignKey(
        InteractionLogEntry,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("interaction log entry"),
    )
    line_no = models.PositiveIntegerField(_("line no."))
    date = models.DateField(_("date"))
    comment = models.CharField(_("comment"), max_length=80)

    class Meta:
        verbose_name = _("interaction comment")
        verbose_name_plural = _("interaction comments")
        ordering = ["entry", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "line_no"], name="interactionlogentrycomment_entry_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.line_no}"
