"""Duplicate detection (SPEC 3.5): setup rows, search strings, pairs and the merge log."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel

from .choices import (
    DUPLICATE_SEARCH_LENGTH_MAX,
    DUPLICATE_SEARCH_LENGTH_MIN,
    DuplicateField,
    DuplicatePart,
)
from .contact import Contact

# --------------------------------------------------------------------------------------------
# Duplicate detection (SPEC 3.5)
# --------------------------------------------------------------------------------------------


class DuplicateSearchStringSetup(TimeStampedModel):
    field = models.CharField(_("field"), max_length=30, choices=DuplicateField)
    part = models.CharField(_("part of field"), max_length=5, choices=DuplicatePart)
    length = models.PositiveSmallIntegerField(
        _("length"),
        default=5,
        validators=[
            MinValueValidator(DUPLICATE_SEARCH_LENGTH_MIN),
            MaxValueValidator(DUPLICATE_SEARCH_LENGTH_MAX),
        ],
    )

    class Meta:
        verbose_name = _("duplicate search string setup")
        verbose_name_plural = _("duplicate search string setup")
        ordering = ["field", "part", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["field", "part"], name="duplicatesearchstringsetup_field_part_unique"
            ),
            models.CheckConstraint(
                condition=Q(field__in=DuplicateField.values),
                name="duplicatesearchstringsetup_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(part__in=DuplicatePart.values),
                name="duplicatesearchstringsetup_part_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    length__gte=DUPLICATE_SEARCH_LENGTH_MIN,
                    length__lte=DUPLICATE_SEARCH_LENGTH_MAX,
                ),
                name="duplicatesearchstringsetup_length_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} ({self.get_part_display()}, {self.length})"


class ContactDuplicateSearchString(TimeStampedModel):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="duplicate_search_strings",
        verbose_name=_("contact"),
    )
    field = models.CharField(_("field"), max_length=30, choices=DuplicateField)
    part = models.CharField(_("part of field"), max_length=5, choices=DuplicatePart)
    search_string = models.CharField(_("search string"), max_length=10)

    class Meta:
        verbose_name = _("contact duplicate search string")
        verbose_name_plural = _("contact duplicate search strings")
        ordering = ["contact", "field", "part", "id"]
        indexes = [
            models.Index(
                fields=["field", "part", "search_string"],
                name="contactdupstring_lookup_idx",
            ),
            # A duplicate candidate's strings, read index-only (contacts.dedupe._rebuild_sql).
            models.Index(
                fields=["contact"],
                include=["field", "part", "search_string"],
                name="contactdupstring_cover_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "field", "part"],
                name="contactduplicatesearchstring_contact_field_part_unique",
            ),
            models.CheckConstraint(
                condition=Q(field__in=DuplicateField.values),
                name="contactduplicatesearchstring_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(part__in=DuplicatePart.values),
                name="contactduplicatesearchstring_part_valid",
            ),
            models.CheckConstraint(
                condition=~Q(search_string=""),
                name="contactduplicatesearchstring_search_string_not_blank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.field}/{self.part}: {self.search_string}"


class ContactDuplicate(TimeStampedModel):
    """A pair of possible duplicates; only the direction with the lower id first is stored."""

    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="duplicate_pairs",
        verbose_name=_("contact"),
    )
    duplicate = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="duplicate_of_pairs",
        verbose_name=_("duplicate contact"),
    )
    is_separate = models.BooleanField(_("separate contacts"), default=False)
    matching_string_count = models.PositiveIntegerField(
        _("no. of matching strings"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("contact duplicate")
        verbose_name_plural = _("contact duplicates")
        ordering = ["contact", "duplicate", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "duplicate"], name="contactduplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(contact__lt=F("duplicate")),
                name="contactduplicate_lower_id_first_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} ↔ {self.duplicate_id}"


class ContactMergeLog(TimeStampedModel):
    """Audit row of a merge (CON-66)."""

    kept_contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merge_logs",
        verbose_name=_("kept contact"),
    )
    kept_number = models.CharField(_("kept contact no."), max_length=20)
    duplicate_number = models.CharField(_("duplicate contact no."), max_length=20)
    duplicate_name = models.CharField(_("duplicate contact name"), max_length=100, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    field_overrides = models.JSONField(
        _("field overrides"),
        default=dict,
        blank=True,
        help_text=_("Fields that took the duplicate's value: {field: [kept value, new value]}."),
    )
    references_moved = models.JSONField(
        _("references moved"),
        default=dict,
        blank=True,
        help_text=_("Number of re-pointed rows per related table."),
    )

    class Meta:
        verbose_name = _("contact merge log entry")
        verbose_name_plural = _("contact merge log")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate_number} → {self.kept_number}"
