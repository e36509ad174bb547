"""The contact (SPEC 3.1), its satellite rows (SPEC 3.2, 3.4), comments and the tombstone of a
deleted contact (CON-39)."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.fields import StoredGeneratedField
from crm.models import TimeStampedModel, normalize_code
from crm.url_cache import reverse_pk
from setup.models import ContactType, CorrespondenceType, LinkType

from .choices import BusinessRelationSummary, CommentTargetKind, MasterSide, PickupStatus

# The fragment search (contacts.selectors.contact_search) reads one column: the searched fields,
# upper-cased and joined by a separator no search text holds, so a fragment matches inside one
# field exactly as an ``icontains`` per field did.
SEARCH_SEPARATOR = "\x1f"
SEARCH_FIELDS = ("name", "company_name", "email", "phone", "city")


def _search_document():
    parts = []
    for name in SEARCH_FIELDS:
        parts += [F(name), Value(SEARCH_SEPARATOR)]
    return Upper(Concat(*parts[:-1], output_field=models.TextField()))


def _phone_digits():
    return Func(
        F("phone"),
        Value("[^0-9]+"),
        Value(""),
        Value("g"),
        function="REGEXP_REPLACE",
        output_field=models.TextField(),
    )


# --------------------------------------------------------------------------------------------
# Contact (SPEC 3.1)
# --------------------------------------------------------------------------------------------


class Contact(TimeStampedModel):
    number = models.CharField(_("no."), max_length=20, unique=True)
    number_series = models.ForeignKey(
        "setup.NumberSeries",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("number series"),
    )
    type = models.CharField(
        _("type"), max_length=10, choices=ContactType, default=ContactType.COMPANY
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    name_2 = models.CharField(_("name 2"), max_length=50, blank=True)
    search_name = models.CharField(_("search name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=30, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=30, blank=True)
    surname = models.CharField(_("surname"), max_length=30, blank=True)
    initials = models.CharField(_("initials"), max_length=30, blank=True)
    job_title = models.CharField(_("job title"), max_length=30, blank=True)
    # A company points to itself (CON-4); a person to its employer, or nothing when independent.
    # The reverse accessor therefore includes the company itself. RESTRICT rather than PROTECT:
    # it still refuses to delete a company that has persons, but lets a company be deleted
    # despite its self-reference (and together with its persons in one delete, CON-37).
    company = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("company"),
    )
    company_name = models.CharField(_("company name"), max_length=100, blank=True)
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("salesperson"),
    )
    salutation = models.ForeignKey(
        "setup.Salutation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("salutation"),
    )
    organizational_level = models.ForeignKey(
        "setup.OrganizationalLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("organizational level"),
    )
    correspondence_type = models.CharField(
        _("correspondence type"),
        max_length=10,
        choices=CorrespondenceType,
        default=CorrespondenceType.BLANK,
        blank=True,
    )
    language = models.ForeignKey(
        "setup.Language",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("language"),
    )
    territory = models.ForeignKey(
        "setup.Territory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("territory"),
    )
    currency = models.ForeignKey(
        "setup.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("currency"),
    )
    country = models.ForeignKey(
        "setup.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("country/region"),
    )
    vat_registration_number = models.CharField(_("VAT registration no."), max_length=20, blank=True)
    registration_number = models.CharField(_("registration no."), max_length=50, blank=True)
    external_id = models.CharField(_("external ID"), max_length=20, blank=True)
    image = models.ImageField(_("image"), upload_to="contacts/", blank=True)
    address = models.CharField(_("address"), max_length=100, blank=True)
    address_2 = models.CharField(_("address 2"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    post_code = models.CharField(_("post code"), max_length=20, blank=True)
    county = models.CharField(_("county"), max_length=30, blank=True)
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    mobile_phone = models.CharField(_("mobile phone no."), max_length=30, blank=True)
    fax = models.CharField(_("fax no."), max_length=30, blank=True)
    pager = models.CharField(_("pager"), max_length=30, blank=True)
    extension = models.CharField(_("extension no."), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), max_length=80, blank=True)
    email_2 = models.EmailField(_("e-mail 2"), max_length=80, blank=True)
    search_email = models.CharField(_("search e-mail"), max_length=80, blank=True, editable=False)
    home_page = models.CharField(_("home page"), max_length=80, blank=True)
    exclude_from_segment = models.BooleanField(_("exclude from segment"), default=False)
    is_privacy_blocked = models.BooleanField(_("privacy blocked"), default=False)
    is_minor = models.BooleanField(_("minor"), default=False)
    has_parental_consent = models.BooleanField(_("parental consent received"), default=False)
    business_relation_summary = models.CharField(
        _("business relation"),
        max_length=20,
        choices=BusinessRelationSummary,
        default=BusinessRelationSummary.NONE,
        editable=False,
    )
    last_modified_at = models.DateTimeField(
        _("last date modified"), default=timezone.now, editable=False
    )
    # Fragment search (generated, never written by the application).
    search_document = StoredGeneratedField(
        expression=_search_document(), output_field=models.TextField()
    )
    search_phone_digits = StoredGeneratedField(
        expression=_phone_digits(), output_field=models.TextField()
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["search_name", "id"]
        permissions = [("merge_contact", "Can merge contacts")]
        indexes = [
            # List page sort; its leading column also serves SPEC 3.1's search_name index.
            # It carries the two generated search columns, so a fragment that many contacts
            # match walks it in the default order reading the index only (no heap row per
            # candidate it skips): the page's ids come from an index-only scan, its rows by
            # primary key (NoCountPaginator). Measured at 1M contacts (bench/README.md,
            # "Contacts", 2026-12-07): the walk for '71 25' skipped 16,000 heap rows.
            models.Index(
                fields=["search_name", "id"],
                include=["search_document", "search_phone_digits"],
                name="contact_search_sort_idx",
            ),
            # The company picker (contacts.pickers, ``kind=company``): the same covering index
            # over companies only, so "companies matching a fragment, by name" stays an
            # index-only scan instead of a heap fetch per person it skips.
            models.Index(
                fields=["search_name", "id"],
                include=["name", "company_name", "email", "phone", "city"],
                condition=Q(type="company"),
                name="contact_company_search_idx",
            ),
            models.Index(fields=["search_email"], name="contact_search_email_idx"),
            models.Index(fields=["post_code"], name="contact_post_code_idx"),
            models.Index(fields=["last_modified_at", "id"], name="contact_last_modified_idx"),
            # Sortable list columns: (column, id) so a sorted page is an index range scan.
            models.Index(fields=["name", "id"], name="contact_name_id_idx"),
            models.Index(fields=["company_name", "id"], name="contact_company_name_id_idx"),
            models.Index(fields=["city", "id"], name="contact_city_id_idx"),
            models.Index(fields=["post_code", "id"], name="contact_post_code_id_idx"),
            # The list's usual filter (country, type) with its default and city sorts: page 1
            # reads 51 index entries, a deep page skips entries of an index-only scan.
            models.Index(
                fields=["country", "type", "search_name", "id"],
                name="contact_country_type_name_idx",
            ),
            models.Index(
                fields=["country", "type", "city", "id"], name="contact_country_type_city_idx"
            ),
            # A company card's persons, sorted (contacts.selectors.company_persons).
            models.Index(
                fields=["company", "type", "search_name", "id"],
                name="contact_company_persons_idx",
            ),
            # CSV import's natural key (contacts.imports.rows._match_existing, same expression).
            models.Index(
                Concat(Upper("name"), Value("|"), Upper("post_code")),
                name="contact_natural_key_idx",
            ),
            # `company` and `salesperson` are indexed by their foreign keys, `number` by its
            # unique constraint.
            # The fragment search: one trigram index on the search document, one on the
            # phone's digits (contacts.selectors.contact_search).
            GinIndex(
                OpClass("search_document", name="gin_trgm_ops"),
                name="contact_search_doc_trgm_idx",
            ),
            GinIndex(
                OpClass("search_phone_digits", name="gin_trgm_ops"),
                name="contact_phone_digits_trgm_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="contact_number_not_blank"),
            models.CheckConstraint(
                condition=Q(type__in=ContactType.values), name="contact_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(correspondence_type__in=CorrespondenceType.values),
                name="contact_correspondence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(business_relation_summary__in=BusinessRelationSummary.values),
                name="contact_business_relation_summary_valid",
            ),
            # CON-4 / SPEC 3.1: a company references nothing (just inserted) or itself; a
            # person never references itself.
            models.CheckConstraint(
                condition=(
                    Q(type=ContactType.COMPANY) & (Q(company__isnull=True) | Q(company=F("pk")))
                )
                | (Q(type=ContactType.PERSON) & ~Q(company=F("pk"))),
                name="contact_company_self_check",
            ),
            # CON-51: parental consent only on a minor.
            models.CheckConstraint(
                condition=Q(has_parental_consent=False) | Q(is_minor=True),
                name="contact_parental_consent_minor_check",
            ),
            # CON-50/51: a minor without parental consent stays privacy-blocked.
            models.CheckConstraint(
                condition=Q(is_minor=False)
                | Q(has_parental_consent=True)
                | Q(is_privacy_blocked=True),
                name="contact_minor_privacy_blocked_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse_pk("contacts:contact-detail", self.pk)  # printed on every list row

    @property
    def is_company(self) -> bool:
        return self.type == ContactType.COMPANY

    @property
    def is_person(self) -> bool:
        return self.type == ContactType.PERSON


# --------------------------------------------------------------------------------------------
# Satellite entities (SPEC 3.2)
# --------------------------------------------------------------------------------------------


class ContactAltAddress(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="alt_addresses",
        verbose_name=_("contact"),
    )
    code = models.CharField(_("code"), max_length=10)
    company_name = models.CharField(_("company name"), max_length=100, blank=True)
    company_name_2 = models.CharField(_("company name 2"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=100, blank=True)
    address_2 = models.CharField(_("address 2"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    post_code = models.CharField(_("post code"), max_length=20, blank=True)
    county = models.CharField(_("county"), max_length=30, blank=True)
    country = models.ForeignKey(
        "setup.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country/region"),
    )
    phone = models.CharField(_("phone no."), max_length=30, blank=True)
    mobile_phone = models.CharField(_("mobile phone no."), max_length=30, blank=True)
    fax = models.CharField(_("fax no."), max_length=30, blank=True)
    pager = models.CharField(_("pager"), max_length=30, blank=True)
    extension = models.CharField(_("extension no."), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), max_length=80, blank=True)
    search_email = models.CharField(_("search e-mail"), max_length=80, blank=True, editable=False)
    home_page = models.CharField(_("home page"), max_length=80, blank=True)
    last_modified_at = models.DateTimeField(
        _("last date modified"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("contact alternate address")
        verbose_name_plural = _("contact alternate addresses")
        ordering = ["contact", "code", "id"]
        indexes = [models.Index(fields=["search_email"], name="contactaltaddress_email_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "code"], name="contactaltaddress_contact_code_unique"
            ),
            models.CheckConstraint(condition=~Q(code=""), name="contactaltaddress_code_not_blank"),
            models.CheckConstraint(
                condition=Q(code=Upper(models.functions.Trim("code"))),
                name="contactaltaddress_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.code}"

    def clean(self) -> None:
        super().clean()
        self.code = normalize_code(self.code)


class ContactAltAddressDateRange(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="alt_address_date_ranges",
        verbose_name=_("contact"),
    )
    starting_date = models.DateField(_("starting date"))
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    alt_address = models.ForeignKey(
        ContactAltAddress,
        on_delete=models.CASCADE,
        related_name="date_ranges",
        verbose_name=_("alternate address"),
    )

    class Meta:
        verbose_name = _("contact alternate address date range")
        verbose_name_plural = _("contact alternate address date ranges")
        ordering = ["contact", "starting_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "starting_date"],
                name="contactaltaddressdaterange_contact_start_unique",
            ),
            models.CheckConstraint(
                condition=Q(ending_date__isnull=True) | Q(ending_date__gte=F("starting_date")),
                name="contactaltaddressdaterange_dates_order_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.starting_date}…{self.ending_date or ''}"

    def clean(self) -> None:
        super().clean()
        if (
            self.alt_address_id is not None
            and self.contact_id is not None
            and self.alt_address.contact_id != self.contact_id
        ):
            raise ValidationError(
                {"alt_address": _("The alternate address must belong to the same contact.")}
            )


# --------------------------------------------------------------------------------------------
# Business relations and links (SPEC 3.4)
# --------------------------------------------------------------------------------------------


class ContactBusinessRelation(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="business_relations",
        verbose_name=_("contact"),
    )
    business_relation = models.ForeignKey(
        "setup.BusinessRelation",
        on_delete=models.PROTECT,
        related_name="contact_business_relations",
        verbose_name=_("business relation"),
    )
    link_type = models.CharField(
        _("link type"), max_length=20, choices=LinkType, default=LinkType.NONE, blank=True
    )
    external_number = models.CharField(_("external no."), max_length=20, blank=True)
    template = models.ForeignKey(
        "setup.CustomerTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    master_side = models.CharField(
        _("master side"), max_length=10, choices=MasterSide, default=MasterSide.CONTACT
    )
    pickup_status = models.CharField(
        _("pickup status"),
        max_length=20,
        choices=PickupStatus,
        default=PickupStatus.PENDING,
        editable=False,
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("contact business relation")
        verbose_name_plural = _("contact business relations")
        ordering = ["contact", "business_relation", "id"]
        indexes = [
            # The business system's pickup feed (SPEC 12.3) reads pending links.
            models.Index(
                fields=["pickup_status", "id"],
                condition=Q(pickup_status=PickupStatus.PENDING),
                name="contactbusrel_pending_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "business_relation"],
                name="contactbusinessrelation_contact_relation_unique",
            ),
            # CON-43: one external record is linked to at most one contact …
            models.UniqueConstraint(
                fields=["link_type", "external_number"],
                condition=~Q(link_type=LinkType.NONE),
                name="contactbusinessrelation_external_number_unique",
            ),
            # … and a contact has at most one link per link type.
            models.UniqueConstraint(
                fields=["contact", "link_type"],
                condition=~Q(link_type=LinkType.NONE),
                name="contactbusinessrelation_contact_link_type_unique",
            ),
            models.CheckConstraint(
                condition=Q(link_type__in=LinkType.values),
                name="contactbusinessrelation_link_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(master_side__in=MasterSide.values),
                name="contactbusinessrelation_master_side_valid",
            ),
            models.CheckConstraint(
                condition=Q(pickup_status__in=PickupStatus.values),
                name="contactbusinessrelation_pickup_status_valid",
            ),
            # external_number is required for a link and blank for a plain relation.
            models.CheckConstraint(
                condition=(Q(link_type=LinkType.NONE) & Q(external_number=""))
                | (~Q(link_type=LinkType.NONE) & ~Q(external_number="")),
                name="contactbusinessrelation_external_number_check",
            ),
        ]

    def __str__(self) -> str:
        if self.link_type:
            return f"{self.contact_id}: {self.get_link_type_display()} {self.external_number}"
        return f"{self.contact_id}: {self.business_relation_id}"

    @property
    def is_link(self) -> bool:
        return self.link_type != LinkType.NONE


# --------------------------------------------------------------------------------------------
# Segmentation data (SPEC 3.2)
# --------------------------------------------------------------------------------------------


class ContactIndustryGroup(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="industry_groups",
        verbose_name=_("contact"),
    )
    industry_group = models.ForeignKey(
        "setup.IndustryGroup",
        on_delete=models.PROTECT,
        related_name="contact_industry_groups",
        verbose_name=_("industry group"),
    )

    class Meta:
        verbose_name = _("contact industry group")
        verbose_name_plural = _("contact industry groups")
        ordering = ["contact", "industry_group", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "industry_group"], name="contactindustrygroup_pair_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.industry_group_id}"


class ContactMailingGroup(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="mailing_groups",
        verbose_name=_("contact"),
    )
    mailing_group = models.ForeignKey(
        "setup.MailingGroup",
        on_delete=models.PROTECT,
        related_name="contact_mailing_groups",
        verbose_name=_("mailing group"),
    )

    class Meta:
        verbose_name = _("contact mailing group")
        verbose_name_plural = _("contact mailing groups")
        ordering = ["contact", "mailing_group", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "mailing_group"], name="contactmailinggroup_pair_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.mailing_group_id}"


class ContactJobResponsibility(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="job_responsibilities",
        verbose_name=_("contact"),
    )
    job_responsibility = models.ForeignKey(
        "setup.JobResponsibility",
        on_delete=models.PROTECT,
        related_name="contact_job_responsibilities",
        verbose_name=_("job responsibility"),
    )

    class Meta:
        verbose_name = _("contact job responsibility")
        verbose_name_plural = _("contact job responsibilities")
        ordering = ["contact", "job_responsibility", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "job_responsibility"],
                name="contactjobresponsibility_pair_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.job_responsibility_id}"


class ContactWebSource(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="web_sources",
        verbose_name=_("contact"),
    )
    web_source = models.ForeignKey(
        "setup.WebSource",
        on_delete=models.PROTECT,
        related_name="contact_web_sources",
        verbose_name=_("web source"),
    )
    search_word = models.CharField(_("search word"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact web source")
        verbose_name_plural = _("contact web sources")
        ordering = ["contact", "web_source", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "web_source"], name="contactwebsource_pair_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.web_source_id} {self.search_word}".strip()


# --------------------------------------------------------------------------------------------
# Comments (SPEC 3.2; shared by every area)
# --------------------------------------------------------------------------------------------


class CommentLine(TimeStampedModel):
    target_kind = models.CharField(_("target kind"), max_length=20, choices=CommentTargetKind)
    target_id = models.BigIntegerField(_("target id"))
    sub_id = models.IntegerField(_("sub id"), default=0)
    line_no = models.PositiveIntegerField(_("line no."))
    date = models.DateField(_("date"), default=timezone.localdate)
    code = models.CharField(_("code"), max_length=10, blank=True)
    comment = models.CharField(_("comment"), max_length=80, blank=True)
    last_modified_at = models.DateTimeField(
        _("last date modified"), default=timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("comment line")
        verbose_name_plural = _("comment lines")
        ordering = ["target_kind", "target_id", "sub_id", "line_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_kind", "target_id", "sub_id", "line_no"],
                name="commentline_target_line_unique",
            ),
            models.CheckConstraint(
                condition=Q(target_kind__in=CommentTargetKind.values),
                name="commentline_target_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(code=Upper(models.functions.Trim("code"))),
                name="commentline_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_kind}#{self.target_id}/{self.sub_id} {self.line_no}: {self.comment}"

    def clean(self) -> None:
        super().clean()
        self.code = normalize_code(self.code)


class DeletedContactTombstone(TimeStampedModel):
    """What is left of a deleted contact, for the business-system feed (CON-39, CON-56)."""

    contact_id = models.BigIntegerField(_("former contact id"), null=True, blank=True)
    number = models.CharField(_("no."), max_length=20)
    name = models.CharField(_("name"), max_length=100, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)
    link_rows = models.JSONField(
        _("links"),
        default=list,
        blank=True,
        help_text=_(
            "The contact's links when deleted: [{link_type, external_number, business_relation}]."
        ),
    )

    class Meta:
        verbose_name = _("deleted contact")
        verbose_name_plural = _("deleted contacts")
        ordering = ["-deleted_at", "-id"]
        indexes = [
            models.Index(fields=["deleted_at", "id"], name="deletedcontact_deleted_at_idx"),
            models.Index(fields=["number"], name="deletedcontact_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()
