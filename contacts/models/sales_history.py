"""Sales history lines from the business system (SPEC 9.1, 12.4; adapted)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel

from .choices import SalesEntryKind, SalesHistoryLinkType
from .contact import Contact


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=0)


# --------------------------------------------------------------------------------------------
# Sales history (SPEC 9.1, 12.4; adapted)
# --------------------------------------------------------------------------------------------


class SalesHistoryLine(TimeStampedModel):
    entry_kind = models.CharField(
        _("entry kind"), max_length=10, choices=SalesEntryKind, default=SalesEntryKind.SALE
    )
    link_type = models.CharField(
        _("link type"),
        max_length=10,
        choices=SalesHistoryLinkType,
        default=SalesHistoryLinkType.NONE,
        blank=True,
    )
    external_number = models.CharField(_("external no."), max_length=20, blank=True)
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales_history_lines",
        verbose_name=_("contact"),
    )
    item_code = models.CharField(_("item no."), max_length=20, blank=True)
    variant_code = models.CharField(_("variant code"), max_length=10, blank=True)
    item_group = models.CharField(_("item group"), max_length=20, blank=True)
    posting_date = models.DateField(_("posting date"))
    document_number = models.CharField(_("document no."), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=5, default=0)
    amount = _money(_("amount"))
    cost_amount = _money(_("cost amount"))
    discount_amount = _money(_("discount amount"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    source_id = models.CharField(
        _("source id"),
        max_length=50,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The business system's id of the line; makes imports idempotent."),
    )

    class Meta:
        verbose_name = _("sales history line")
        verbose_name_plural = _("sales history lines")
        ordering = ["-posting_date", "-id"]
        indexes = [
            models.Index(
                fields=["link_type", "external_number", "posting_date"],
                name="saleshistory_link_date_idx",
            ),
            models.Index(fields=["contact", "posting_date"], name="saleshistory_contact_date_idx"),
            models.Index(fields=["item_code", "posting_date"], name="saleshistory_item_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry_kind__in=SalesEntryKind.values),
                name="saleshistoryline_entry_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(link_type__in=SalesHistoryLinkType.values),
                name="saleshistoryline_link_type_valid",
            ),
            # Exactly one party: a linked customer/vendor (link type + external number) or a
            # contact. The contact side also accepts NULL so that deleting a contact (SET_NULL)
            # keeps its history as an orphan; services refuse to insert a line without a party.
            models.CheckConstraint(
                condition=(
                    ~Q(link_type=SalesHistoryLinkType.NONE)
                    & ~Q(external_number="")
                    & Q(contact__isnull=True)
                )
                | (Q(link_type=SalesHistoryLinkType.NONE) & Q(external_number="")),
                name="saleshistoryline_one_party_check",
            ),
        ]

    def __str__(self) -> str:
        party = f"{self.link_type} {self.external_number}" if self.link_type else self.contact_id
        return f"{self.posting_date} {party} {self.item_code} {self.amount}"

    def clean(self) -> None:
        super().clean()
        if not self.link_type and self.contact_id is None:
            raise ValidationError(
                _("A sales history line needs a customer/vendor number or a contact.")
            )
