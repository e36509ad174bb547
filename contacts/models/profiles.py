"""Profiles and classification (SPEC 9.1); rules in ``contacts/profiles.py``."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel, normalize_code

from .contact import Contact

# --------------------------------------------------------------------------------------------
# Profiles and classification (SPEC 9.1); rules in ``profiles.py``
# --------------------------------------------------------------------------------------------


class QuestionnaireContactType(models.TextChoices):
    ANY = "", _("(any)")
    COMPANIES = "companies", _("Companies")
    PEOPLE = "people", _("People")


class QuestionnairePriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    VERY_LOW = "very_low", _("Very low")
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class AnswerPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    VERY_LOW_HIDDEN = "very_low_hidden", _("Very low (hidden)")
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class CustomerClassField(models.TextChoices):
    BLANK = "", _("(none)")
    SALES = "sales", _("Sales")
    PROFIT = "profit", _("Profit")
    SALES_FREQUENCY = "sales_frequency", _("Sales frequency (invoices/year)")
    AVG_INVOICE_AMOUNT = "avg_invoice_amount", _("Avg. invoice amount")
    DISCOUNT_PERCENT = "discount_percent", _("Discount %")
    AVG_OVERDUE_DAYS = "avg_overdue_days", _("Avg. overdue (days)")


class VendorClassField(models.TextChoices):
    BLANK = "", _("(none)")
    PURCHASES = "purchases", _("Purchases")
    PURCHASE_FREQUENCY = "purchase_frequency", _("Purchase frequency (invoices/year)")
    AVG_TICKET_SIZE = "avg_ticket_size", _("Avg. ticket size")
    DISCOUNT_PERCENT = "discount_percent", _("Discount %")
    AVG_OVERDUE_DAYS = "avg_overdue_days", _("Avg. overdue (days)")


class ContactClassField(models.TextChoices):
    BLANK = "", _("(none)")
    INTERACTION_QUANTITY = "interaction_quantity", _("Interaction quantity")
    INTERACTION_FREQUENCY = "interaction_frequency", _("Interaction frequency (no./year)")
    AVG_INTERACTION_COST = "avg_interaction_cost", _("Avg. interaction cost")
    AVG_INTERACTION_DURATION = "avg_interaction_duration", _("Avg. interaction duration (min)")
    OPPORTUNITY_WON_PERCENT = "opportunity_won_percent", _("Opportunities won %")
    RATING = "rating", _("Rating")


class ClassificationMethod(models.TextChoices):
    BLANK = "", _("(none)")
    DEFINED_VALUE = "defined_value", _("Defined value")
    PERCENTAGE_OF_VALUE = "percentage_of_value", _("Percentage of value")
    PERCENTAGE_OF_CONTACTS = "percentage_of_contacts", _("Percentage of contacts")


class SortingMethod(models.TextChoices):
    BLANK = "", _("(none)")
    DESCENDING = "descending", _("Descending")
    ASCENDING = "ascending", _("Ascending")


class ProfileQuestionnaire(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    contact_type = models.CharField(
        _("contact type"),
        max_length=10,
        choices=QuestionnaireContactType,
        default=QuestionnaireContactType.ANY,
        blank=True,
    )
    business_relation = models.ForeignKey(
        "setup.BusinessRelation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business relation"),
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=QuestionnairePriority,
        default=QuestionnairePriority.NORMAL,
    )

    class Meta:
        verbose_name = _("profile questionnaire")
        verbose_name_plural = _("profile questionnaires")
        ordering = ["code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_type__in=QuestionnaireContactType.values),
                name="profilequestionnaire_contact_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=QuestionnairePriority.values),
                name="profilequestionnaire_priority_valid",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="profilequestionnaire_code_check"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()

    def save(self, *args, **kwargs):
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("contacts:profile-questionnaire-detail", args=[self.pk])


class ProfileQuestion(TimeStampedModel):
    questionnaire = models.ForeignKey(
        ProfileQuestionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("questionnaire"),
    )
    position = models.PositiveIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=250)
    allows_multiple_answers = models.BooleanField(_("multiple answers"), default=False)
    is_automatic = models.BooleanField(_("automatic"), default=False)
    customer_field = models.CharField(
        _("customer class field"),
        max_length=30,
        choices=CustomerClassField,
        default=CustomerClassField.BLANK,
        blank=True,
    )
    vendor_field = models.CharField(
        _("vendor class field"),
        max_length=30,
        choices=VendorClassField,
        default=VendorClassField.BLANK,
        blank=True,
    )
    contact_field = models.CharField(
        _("contact class field"),
        max_length=30,
        choices=ContactClassField,
        default=ContactClassField.BLANK,
        blank=True,
    )
    starting_date_formula = models.CharField(_("starting date formula"), max_length=30, blank=True)
    ending_date_formula = models.CharField(_("ending date formula"), max_length=30, blank=True)
    classification_method = models.CharField(
        _("classification method"),
        max_length=30,
        choices=ClassificationMethod,
        default=ClassificationMethod.BLANK,
        blank=True,
    )
    sorting = models.CharField(
        _("sorting method"),
        max_length=10,
        choices=SortingMethod,
        default=SortingMethod.BLANK,
        blank=True,
    )
    decimals = models.SmallIntegerField(
        _("no. of decimals"),
        default=0,
        validators=[MinValueValidator(-25), MaxValueValidator(25)],
    )
    min_answered_percent = models.DecimalField(
        _("min. % questions answered"),
        max_digits=8,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("profile question")
        verbose_name_plural = _("profile questions")
        ordering = ["questionnaire", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="profilequestion_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(customer_field__in=CustomerClassField.values),
                name="profilequestion_customer_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(vendor_field__in=VendorClassField.values),
                name="profilequestion_vendor_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(contact_field__in=ContactClassField.values),
                name="profilequestion_contact_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(classification_method__in=ClassificationMethod.values),
                name="profilequestion_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(sorting__in=SortingMethod.values), name="profilequestion_sorting_valid"
            ),
            models.CheckConstraint(
                condition=Q(decimals__gte=-25, decimals__lte=25),
                name="profilequestion_decimals_range",
            ),
            # SPEC 9.1: at most one class field is set.
            models.CheckConstraint(
                condition=(Q(customer_field="") & Q(vendor_field=""))
                | (Q(customer_field="") & Q(contact_field=""))
                | (Q(vendor_field="") & Q(contact_field="")),
                name="profilequestion_one_class_field_check",
            ),
            # PRF-2: class fields only on automatic questions.
            models.CheckConstraint(
                condition=Q(is_automatic=True)
                | (
                    Q(customer_field="")
                    & Q(vendor_field="")
                    & Q(contact_field="")
                    & Q(classification_method="")
                ),
                name="profilequestion_manual_no_class_check",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def class_field(self) -> str:
        return self.customer_field or self.vendor_field or self.contact_field

    @property
    def is_rating(self) -> bool:
        return self.contact_field == ContactClassField.RATING


class ProfileAnswer(TimeStampedModel):
    question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("question"),
    )
    position = models.PositiveIntegerField(_("position"))
    text = models.CharField(_("answer"), max_length=250)
    from_value = models.DecimalField(_("from value"), max_digits=20, decimal_places=5, default=0)
    to_value = models.DecimalField(_("to value"), max_digits=20, decimal_places=5, default=0)
    priority = models.CharField(
        _("priority"), max_length=20, choices=AnswerPriority, default=AnswerPriority.NORMAL
    )

    class Meta:
        verbose_name = _("profile answer")
        verbose_name_plural = _("profile answers")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"], name="profileanswer_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=AnswerPriority.values),
                name="profileanswer_priority_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class ContactProfileAnswer(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="profile_answers",
        verbose_name=_("contact"),
    )
    contact_company = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact company"),
    )
    answer = models.ForeignKey(
        ProfileAnswer,
        on_delete=models.CASCADE,
        related_name="contact_answers",
        verbose_name=_("answer"),
    )
    # Denormalised from the answer (SPEC 9.1: question and questionnaire via the answer): the
    # classification job deletes and counts per question with an index.
    question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("question"),
        editable=False,
    )
    questionnaire_priority = models.CharField(
        _("questionnaire priority"),
        max_length=10,
        choices=QuestionnairePriority,
        default=QuestionnairePriority.NORMAL,
    )
    answer_priority = models.CharField(
        _("answer priority"), max_length=20, choices=AnswerPriority, default=AnswerPriority.NORMAL
    )
    last_updated_on = models.DateField(_("last date updated"), default=timezone.localdate)
    answered_percent = models.DecimalField(
        _("% questions answered"), max_digits=8, decimal_places=5, default=0
    )

    class Meta:
        verbose_name = _("contact profile answer")
        verbose_name_plural = _("contact profile answers")
        ordering = ["contact", "question", "answer", "id"]
        indexes = [
            models.Index(fields=["question", "contact"], name="contactprofans_question_idx"),
            models.Index(fields=["answer", "contact"], name="contactprofans_answer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "answer"], name="contactprofileanswer_contact_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.answer_id}"


class RatingPoint(TimeStampedModel):
    rating_question = models.ForeignKey(
        ProfileQuestion,
        on_delete=models.CASCADE,
        related_name="rating_points",
        verbose_name=_("rating question"),
    )
    answer = models.ForeignKey(
        ProfileAnswer,
        on_delete=models.CASCADE,
        related_name="rating_points",
        verbose_name=_("answer"),
    )
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("rating point")
        verbose_name_plural = _("rating points")
        ordering = ["rating_question", "answer", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rating_question", "answer"], name="ratingpoint_question_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_question_id}/{self.answer_id}: {self.points}"
