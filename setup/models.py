from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable, TimeStampedModel, normalize_code

from .dateformula import validate_date_formula
from .numbering import NumberPattern


class CorrespondenceType(models.TextChoices):
    BLANK = "", _("(none)")
    HARD_COPY = "hard_copy", _("Hard copy")
    EMAIL = "email", _("E-mail")


# --------------------------------------------------------------------------------------------
# Number series (SPEC 2.2)
# --------------------------------------------------------------------------------------------


class NumberSeries(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    default_numbers = models.BooleanField(
        _("default numbers"),
        default=True,
        help_text=_("Numbers are issued automatically when the number is left blank."),
    )
    manual_numbers = models.BooleanField(
        _("manual numbers"), default=False, help_text=_("Users may type their own number.")
    )
    date_order = models.BooleanField(
        _("date order"),
        default=False,
        help_text=_("Numbers must be issued in non-decreasing date order."),
    )
    related_series = models.ManyToManyField(
        "self",
        through="NumberSeriesRelationship",
        symmetrical=False,
        related_name="+",
        blank=True,
        verbose_name=_("related series"),
    )

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="numberseries_code_not_blank"),
            models.CheckConstraint(
                condition=Q(code=models.functions.Upper(models.functions.Trim("code"))),
                name="numberseries_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = normalize_code(self.code)


class NumberSeriesLine(TimeStampedModel):
    series = models.ForeignKey(
        NumberSeries, on_delete=models.CASCADE, related_name="lines", verbose_name=_("series")
    )
    starting_date = models.DateField(_("starting date"), null=True, blank=True)
    starting_number = models.CharField(_("starting number"), max_length=20)
    ending_number = models.CharField(_("ending number"), max_length=20, blank=True)
    warning_number = models.CharField(_("warning number"), max_length=20, blank=True)
    increment_by = models.PositiveIntegerField(
        _("increment by"), default=1, validators=[MinValueValidator(1)]
    )
    last_number_used = models.CharField(_("last number used"), max_length=20, blank=True)
    last_date_used = models.DateField(_("last date used"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("number series line")
        verbose_name_plural = _("number series lines")
        ordering = ["series", "starting_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "starting_date"],
                nulls_distinct=False,
                name="numberseriesline_series_start_unique",
            ),
            models.CheckConstraint(
                condition=Q(increment_by__gte=1), name="numberseriesline_increment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}: {self.starting_number}…{self.ending_number}"

    def clean(self) -> None:
        """SET-10: every number of the line has the starting number's shape, in order."""
        errors: dict[str, str] = {}
        try:
            pattern = NumberPattern(self.starting_number)
        except ValueError as exc:
            raise ValidationError({"starting_number": str(exc)}) from exc
        for field in ("ending_number", "warning_number", "last_number_used"):
            value = getattr(self, field)
            if value and not pattern.same_shape(value):
                errors[field] = _(
                    "%(value)s must have the same length and non-digit characters as %(start)s."
                ) % {"value": value, "start": self.starting_number}
        if not errors:
            start = pattern.numeric(self.starting_number)
            warning = pattern.numeric(self.warning_number) if self.warning_number else None
            ending = pattern.numeric(self.ending_number) if self.ending_number else None
            if warning is not None and warning < start:
                errors["warning_number"] = _("The warning number must not be below the start.")
            if ending is not None and ending < start:
                errors["ending_number"] = _("The ending number must not be below the start.")
            if warning is not None and ending is not None and warning > ending:
                errors["warning_number"] = _(
                    "The warning number must not be above the ending number."
                )
        if errors:
            raise ValidationError(errors)


class NumberSeriesRelationship(models.Model):
    series = models.ForeignKey(NumberSeries, on_delete=models.CASCADE, related_name="relationships")
    related = models.ForeignKey(NumberSeries, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("number series relationship")
        verbose_name_plural = _("number series relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "related"], name="numberseriesrelationship_pair_unique"
            ),
            models.CheckConstraint(
                condition=~Q(series=models.F("related")),
                name="numberseriesrelationship_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} → {self.related_id}"


# --------------------------------------------------------------------------------------------
# Code tables (SPEC 2.4)
# --------------------------------------------------------------------------------------------


class Territory(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("territory")
        verbose_name_plural = _("territories")


class AddressFormat(models.TextChoices):
    CITY_POST_CODE = "city_post_code", _("City + post code")
    POST_CODE_CITY = "post_code_city", _("Post code + city")


class Country(CodeTable):
    name = models.CharField(_("name"), max_length=50, blank=True)
    address_format = models.CharField(
        _("address format"),
        max_length=20,
        choices=AddressFormat,
        default=AddressFormat.POST_CODE_CITY,
    )

    class Meta(CodeTable.Meta):
        verbose_name = _("country/region")
        verbose_name_plural = _("countries/regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class PostCode(TimeStampedModel):
    code = models.CharField(_("post code"), max_length=20)
    city = models.CharField(_("city"), max_length=30)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("country")
    )
    county = models.CharField(_("county"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("post code")
        verbose_name_plural = _("post codes")
        ordering = ["code", "city", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "city"], name="postcode_code_city_unique")
        ]
        indexes = [models.Index(fields=["city"], name="postcode_city_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.city}"


class Language(CodeTable):
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta(CodeTable.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Currency(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")


class BusinessRelation(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("business relation")
        verbose_name_plural = _("business relations")


class IndustryGroup(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("industry group")
        verbose_name_plural = _("industry groups")


class MailingGroup(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("mailing group")
        verbose_name_plural = _("mailing groups")


class JobResponsibility(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("job responsibility")
        verbose_name_plural = _("job responsibilities")


class OrganizationalLevel(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("organizational level")
        verbose_name_plural = _("organizational levels")


class WebSource(CodeTable):
    url = models.CharField(
        _("URL"), max_length=250, help_text=_("Must contain %1, replaced by the search word.")
    )

    class Meta(CodeTable.Meta):
        verbose_name = _("web source")
        verbose_name_plural = _("web sources")
        constraints = [
            *CodeTable.Meta.constraints,
            models.CheckConstraint(condition=Q(url__contains="%1"), name="websource_url_has_1"),
        ]

    def clean(self) -> None:
        super().clean()
        if "%1" not in (self.url or ""):
            raise ValidationError({"url": _("The URL must contain the placeholder %1.")})


# --------------------------------------------------------------------------------------------
# Salutations (SPEC 2.5)
# --------------------------------------------------------------------------------------------


class Salutation(CodeTable):
    class Meta(CodeTable.Meta):
        verbose_name = _("salutation")
        verbose_name_plural = _("salutations")


class SalutationType(models.TextChoices):
    FORMAL = "formal", _("Formal")
    INFORMAL = "informal", _("Informal")


class SalutationPart(models.TextChoices):
    BLANK = "", _("(none)")
    JOB_TITLE = "job_title", _("Job title")
    FIRST_NAME = "first_name", _("First name")
    MIDDLE_NAME = "middle_name", _("Middle name")
    SURNAME = "surname", _("Surname")
    INITIALS = "initials", _("Initials")
    COMPANY_NAME = "company_name", _("Company name")


class SalutationFormula(TimeStampedModel):
    salutation = models.ForeignKey(
        Salutation, on_delete=models.CASCADE, related_name="formulas", verbose_name=_("salutation")
    )
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("language")
    )
    salutation_type = models.CharField(
        _("salutation type"), max_length=10, choices=SalutationType, default=SalutationType.FORMAL
    )
    formula = models.CharField(_("formula"), max_length=50)
    part_1 = models.CharField(_("%1"), max_length=20, choices=SalutationPart, blank=True)
    part_2 = models.CharField(_("%2"), max_length=20, choices=SalutationPart, blank=True)
    part_3 = models.CharField(_("%3"), max_length=20, choices=SalutationPart, blank=True)
    part_4 = models.CharField(_("%4"), max_length=20, choices=SalutationPart, blank=True)
    part_5 = models.CharField(_("%5"), max_length=20, choices=SalutationPart, blank=True)

    class Meta:
        verbose_name = _("salutation formula")
        verbose_name_plural = _("salutation formulas")
        ordering = ["salutation", "language", "salutation_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["salutation", "language", "salutation_type"],
                nulls_distinct=False,
                name="salutationformula_unique",
            ),
            models.CheckConstraint(
                condition=Q(salutation_type__in=SalutationType.values),
                name="salutationformula_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.formula

    @property
    def parts(self) -> list[str]:
        return [self.part_1, self.part_2, self.part_3, self.part_4, self.part_5]


# --------------------------------------------------------------------------------------------
# Salespeople and teams (SPEC 2.3, 8.1)
# --------------------------------------------------------------------------------------------


class Salesperson(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), max_length=80, blank=True)
    email_2 = models.EmailField(_("e-mail 2"), max_length=80, blank=True)
    search_email = models.CharField(_("search e-mail"), max_length=80, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    job_title = models.CharField(_("job title"), max_length=30, blank=True)
    commission_percent = models.DecimalField(
        _("commission %"),
        max_digits=8,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    image = models.ImageField(_("image"), upload_to="salespeople/", blank=True)
    is_blocked = models.BooleanField(_("blocked"), default=False)
    is_privacy_blocked = models.BooleanField(_("privacy blocked"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        ordering = ["code"]
        indexes = [models.Index(fields=["search_email"], name="salesperson_search_email_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="salesperson_code_not_blank"),
            models.CheckConstraint(
                condition=Q(code=models.functions.Upper(models.functions.Trim("code"))),
                name="salesperson_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def clean(self) -> None:
        self.code = normalize_code(self.code)
        self.search_email = (self.email or "").upper()


class Team(CodeTable):
    name = models.CharField(_("name"), max_length=50, blank=True)
    members = models.ManyToManyField(
        Salesperson, through="TeamMember", related_name="teams", verbose_name=_("members")
    )

    class Meta(CodeTable.Meta):
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


def salesperson_unchoosable_message(salesperson: "Salesperson") -> str:
    """SET-21/22: why a salesperson cannot be newly chosen, or "" when it can."""
    if salesperson.is_privacy_blocked:
        return _("Salesperson %(code)s is blocked due to privacy.") % {"code": salesperson.code}
    if salesperson.is_blocked:
        return _("Salesperson %(code)s is blocked.") % {"code": salesperson.code}
    return ""


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    salesperson = models.ForeignKey(
        Salesperson, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "salesperson"], name="teammember_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.salesperson_id}"

    def clean(self) -> None:
        """SET-21/22: a blocked or privacy-blocked salesperson cannot join a team (existing
        memberships stay)."""
        if not self.salesperson_id:
            return
        if not self._state.adding:
            before = TeamMember.objects.filter(pk=self.pk).values_list("salesperson_id", flat=True)
            if self.salesperson_id in before:
                return
        message = salesperson_unchoosable_message(self.salesperson)
        if message:
            raise ValidationError({"salesperson": message})


# --------------------------------------------------------------------------------------------
# Customer templates (SPEC 2.6)
# --------------------------------------------------------------------------------------------


class LinkType(models.TextChoices):
    NONE = "", _("(none)")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    EMPLOYEE = "employee", _("Employee")


class ContactType(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class CustomerTemplate(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    link_type = models.CharField(
        _("link type"),
        max_length=20,
        choices=[
            (LinkType.CUSTOMER, LinkType.CUSTOMER.label),
            (LinkType.VENDOR, LinkType.VENDOR.label),
            (LinkType.EMPLOYEE, LinkType.EMPLOYEE.label),
        ],
    )
    contact_type = models.CharField(_("contact type"), max_length=10, choices=ContactType)
    payment_terms_code = models.CharField(_("payment terms code"), max_length=10, blank=True)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("currency")
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("country")
    )
    number_series = models.ForeignKey(
        NumberSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("number series"),
    )
    extra_defaults = models.JSONField(
        _("extra defaults"),
        default=list,
        blank=True,
        help_text=_("List of [key, value] pairs passed unchanged to the business system."),
    )

    class Meta:
        verbose_name = _("customer template")
        verbose_name_plural = _("customer templates")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(link_type__in=["customer", "vendor", "employee"]),
                name="customertemplate_link_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(contact_type__in=ContactType.values),
                name="customertemplate_contact_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()

    def clean(self) -> None:
        self.code = normalize_code(self.code)
        pairs = self.extra_defaults or []
        if not isinstance(pairs, list) or not all(
            isinstance(p, list | tuple)
            and len(p) == 2
            and len(str(p[0])) <= 50
            and len(str(p[1])) <= 250
            for p in pairs
        ):
            raise ValidationError(
                {"extra_defaults": _("Give a list of [key, value] pairs (key ≤ 50, value ≤ 250).")}
            )


# --------------------------------------------------------------------------------------------
# Marketing setup (SPEC 2.1)
# --------------------------------------------------------------------------------------------


def _series_fk(verbose: str) -> models.ForeignKey:
    return models.ForeignKey(
        NumberSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose,
    )


def _setup_fk(to: str | type[models.Model], verbose: str) -> models.ForeignKey:
    return models.ForeignKey(
        to, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=verbose
    )


class MarketingSetupQuerySet(models.QuerySet):
    """``update()`` sends no signal: it refreshes the cached row of ``MarketingSetup.load``."""

    def update(self, **kwargs):
        from crm import caching

        count = super().update(**kwargs)
        caching.bump("marketing-setup")
        return count


class MarketingSetup(TimeStampedModel):
    """The one setup row (SPEC 2.1), created by a data migration; it cannot be deleted."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    objects = MarketingSetupQuerySet.as_manager()
    # Numbering
    contact_series = _series_fk(_("contact nos."))
    campaign_series = _series_fk(_("campaign nos."))
    segment_series = _series_fk(_("segment nos."))
    task_series = _series_fk(_("task nos."))
    opportunity_series = _series_fk(_("opportunity nos."))
    sales_quote_series = _series_fk(_("sales quote nos."))
    # External numbers (adapted)
    customer_series = _series_fk(_("customer nos."))
    vendor_series = _series_fk(_("vendor nos."))
    bank_account_series = _series_fk(_("bank account nos."))
    employee_series = _series_fk(_("employee nos."))
    # Business relations reserved for links
    customer_relation = _setup_fk(BusinessRelation, _("business relation for customers"))
    vendor_relation = _setup_fk(BusinessRelation, _("business relation for vendors"))
    bank_account_relation = _setup_fk(BusinessRelation, _("business relation for bank accounts"))
    employee_relation = _setup_fk(BusinessRelation, _("business relation for employees"))
    # Inheritance (CON-20…24)
    inherit_salesperson = models.BooleanField(_("inherit salesperson"), default=True)
    inherit_territory = models.BooleanField(_("inherit territory"), default=True)
    inherit_country = models.BooleanField(_("inherit country/region"), default=True)
    inherit_language = models.BooleanField(_("inherit language"), default=True)
    inherit_address = models.BooleanField(_("inherit address details"), default=True)
    inherit_communication = models.BooleanField(_("inherit communication details"), default=True)
    # Defaults
    default_salesperson = _setup_fk(Salesperson, _("default salesperson"))
    default_territory = _setup_fk(Territory, _("default territory"))
    default_country = _setup_fk(Country, _("default country/region"))
    default_language = _setup_fk(Language, _("default language"))
    default_correspondence_type = models.CharField(
        _("default correspondence type"), max_length=10, choices=CorrespondenceType, blank=True
    )
    default_company_salutation = _setup_fk(Salutation, _("default company salutation"))
    default_person_salutation = _setup_fk(Salutation, _("default person salutation"))
    default_sales_cycle = _setup_fk("opportunities.SalesCycle", _("default sales cycle"))
    default_task_date_formula = models.CharField(
        _("default task date formula"), max_length=30, blank=True
    )
    base_currency = _setup_fk(Currency, _("base currency"))
    # Duplicates
    maintain_duplicate_strings = models.BooleanField(
        _("maintain duplicate search strings"), default=True
    )
    autosearch_duplicates = models.BooleanField(_("autosearch for duplicates"), default=True)
    duplicate_hit_percent = models.PositiveSmallIntegerField(
        _("search hit %"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("marketing setup")
        verbose_name_plural = _("marketing setup")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="marketingsetup_singleton"),
            models.CheckConstraint(
                condition=Q(duplicate_hit_percent__gte=1, duplicate_hit_percent__lte=100),
                name="marketingsetup_hit_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(autosearch_duplicates=False) | Q(maintain_duplicate_strings=True),
                name="marketingsetup_autosearch_needs_maintain",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Marketing setup"))

    def get_absolute_url(self) -> str:
        return reverse("setup:marketing-setup")

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.base_currency_id is None:
            errors["base_currency"] = _("The base currency must have a value.")
        if self.default_salesperson_id:  # SET-4, SET-22
            message = salesperson_unchoosable_message(self.default_salesperson)
            if message:
                errors["default_salesperson"] = message
        seen: dict[int, str] = {}
        for field in RELATION_FIELDS:
            value = getattr(self, f"{field}_id")
            if value is None:
                continue
            if value in seen:
                errors[field] = _("Business relation %(code)s is already used for %(other)s.") % {
                    "code": getattr(self, field).code,
                    "other": self._meta.get_field(seen[value]).verbose_name,
                }
            seen[value] = field
        if self.default_task_date_formula:
            try:
                validate_date_formula(self.default_task_date_formula)
            except ValidationError as exc:
                errors["default_task_date_formula"] = exc.messages[0]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "MarketingSetup":
        """The setup row, from the cache (``crm.caching``; any save of the row refreshes it).
        Read it with ``select_for_update`` instead where it is changed."""
        from crm import caching

        caching.invalidate_on_change("marketing-setup", cls)
        return caching.cached(
            "marketing-setup",
            "row",
            lambda: cls.objects.get_or_create(singleton=True)[0],
        )


RELATION_FIELDS = [
    "customer_relation",
    "vendor_relation",
    "bank_account_relation",
    "employee_relation",
]

MARKETING_SETUP_GROUPS: list[tuple[str, list[str]]] = [
    (
        _("Numbering"),
        [
            "contact_series",
            "campaign_series",
            "segment_series",
            "task_series",
            "opportunity_series",
            "sales_quote_series",
        ],
    ),
    (
        _("External numbers"),
        ["customer_series", "vendor_series", "bank_account_series", "employee_series"],
    ),
    (
        _("Business relations"),
        ["customer_relation", "vendor_relation", "bank_account_relation", "employee_relation"],
    ),
    (
        _("Inheritance"),
        [
            "inherit_salesperson",
            "inherit_territory",
            "inherit_country",
            "inherit_language",
            "inherit_address",
            "inherit_communication",
        ],
    ),
    (
        _("Defaults"),
        [
            "default_salesperson",
            "default_territory",
            "default_country",
            "default_language",
            "default_correspondence_type",
            "default_company_salutation",
            "default_person_salutation",
            "default_sales_cycle",
            "default_task_date_formula",
            "base_currency",
        ],
    ),
    (
        _("Duplicates"),
        ["maintain_duplicate_strings", "autosearch_duplicates", "duplicate_hit_percent"],
    ),
]
