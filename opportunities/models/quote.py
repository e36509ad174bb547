"""Sales quotes and their lines (SPEC 7.1, adapted)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel

from .choices import QuoteStatus
from .fields import _valid
from .opportunity import Opportunity


class SalesQuote(TimeStampedModel):
    """Minimal local sales quote (SPEC 7.1, adapted)."""

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
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.PROTECT,
        related_name="sales_quotes",
        verbose_name=_("contact"),
    )
    customer_number = models.CharField(_("customer no."), max_length=20, blank=True)
    template = models.ForeignKey(
        "setup.CustomerTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer template"),
    )
    opportunity = models.OneToOneField(
        Opportunity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quote",
        verbose_name=_("opportunity"),
    )
    salesperson = models.ForeignKey(
        "setup.Salesperson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_quotes",
        verbose_name=_("salesperson"),
    )
    quote_date = models.DateField(_("quote date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("amount excl. tax"),
        max_digits=18,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    currency = models.ForeignKey(
        "setup.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currency"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus, default=QuoteStatus.OPEN
    )
    external_order_number = models.CharField(_("external order no."), max_length=20, blank=True)
    # OPP-64: how often the quote was printed; each print is one document occurrence (API-3).
    print_count = models.PositiveIntegerField(_("no. printed"), default=0, editable=False)

    class Meta:
        verbose_name = _("sales quote")
        verbose_name_plural = _("sales quotes")
        ordering = ["-quote_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="salesquote_number_not_blank"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="salesquote_amount_min"),
            _valid("status", QuoteStatus, "salesquote"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote-detail", args=[self.pk])


class SalesQuoteLine(TimeStampedModel):
    """A line of a local sales quote: the quote's amount is the sum of its line amounts."""

    quote = models.ForeignKey(
        SalesQuote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("sales quote")
    )
    line_no = models.PositiveIntegerField(_("line no."))
    description = models.CharField(_("description"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"), max_digits=18, decimal_places=5, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(
        _("line amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("sales quote line")
        verbose_name_plural = _("sales quote lines")
        ordering = ["quote", "line_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "line_no"], name="salesquoteline_quote_line_no_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="salesquoteline_quantity_min"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="salesquoteline_unit_price_min"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="salesquoteline_amount_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.line_no}"
