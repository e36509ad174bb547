"""Segments (SPEC 5.1): working lists of contacts built with criteria actions.

Rules live in ``services.py`` and the criteria engine in ``criteria.py``; this module holds
fields, constraints and indexes only. Lines and history are written set-based
(``INSERT … SELECT``), so every column the engine does not set has a database default too.

``campaign`` on the header and the lines is a string foreign key (campaigns stand higher,
STYLE 2). Not modelled yet: ``SegmentLine.opportunity``.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from interactions.models import Evaluation, InformationFlow, InitiatedBy
from setup.models import CorrespondenceType

LOGGED_SEGMENT_SEQUENCE = "segments_logged_segment_entry_no_seq"
LINE_NO_STEP = 10_000  # SEG-21


class CriteriaActionKind(models.TextChoices):
    ADD = "add", _("Add contacts")
    REDUCE = "reduce", _("Reduce contacts")
    REFINE = "refine", _("Refine contacts")


class HistoryChange(models.TextChoices):
    INSERTED = "inserted", _("Inserted")
    DELETED = "deleted", _("Deleted")


def _money(verbose_name) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=18,
        decimal_places=2,
        default=0,
        db_default=0,
        validators=[MinValueValidator(0)],
    )


def _duration(verbose_name) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=10,
        decimal_places=2,
        default=0,
        db_default=0,
        validators=[MinValueValidator(0)],
    )


def _choice(verbose_name, choices, max_length=10) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=max_length, choices=choices, blank=True, default="", db_default=""
    )


def _fk(
    to: str, verbose_name, related_name="+", on_delete=models.PROTECT, db_constraint=True
) -> models.ForeignKey:
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        db_constraint=db_constraint,
        verbose_name=verbose_name,
    )


def _line_fk(
    to: str, verbose_name, on_delete=models.PROTECT, db_index: bool = False
) -> models.ForeignKey:
    """A line's copy of a header/contact reference: no database FK and, by default, no index.

    An add inserts up to a million lines. Each deferred FK check is a trigger event at COMMIT
    that also locks the referenced row (measured: 24 s of COMMIT for 334,000 lines with eight
    FKs), and each index is one more insert per line. The values are copied by the services
    from rows that are themselves FK-protected, and Django's collector still applies
    ``on_delete`` (PROTECT / SET_NULL) when those rows are deleted; for the code tables
    (salesperson, language, template, group) that rare delete scans the lines instead of an
    index. See docs/decisions/0006-segment-line-writes.md."""
    return models.ForeignKey(
        to,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=db_index,
        verbose_name=verbose_name,
    )


class Segment(TimeStampedModel):
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
    description = models.CharField(_("description"), max_length=100, blank=True)
    salesperson = _fk("setup.Salesperson", _("salesperson"), related_name="segments")
    date = models.DateField(_("date"), default=timezone.localdate)
    template = _fk("interactions.InteractionTemplate", _("interaction template"))
    default_language = _fk("setup.Language", _("default language"))
    default_subject = models.CharField(_("subject"), max_length=100, blank=True)
    correspondence_type = _choice(_("correspondence type"), CorrespondenceType)
    ignore_contact_correspondence_type = models.BooleanField(
        _("ignore contact correspondence type"), default=False
    )
    send_attachment_as_file = models.BooleanField(_("send attachment as file"), default=False)
    unit_cost = _money(_("unit cost"))
    unit_duration_min = _duration(_("unit duration (min)"))
    information_flow = _choice(_("information flow"), InformationFlow)
    initiated_by = _choice(_("initiated by"), InitiatedBy)
    group = _fk("interactions.InteractionGroup", _("interaction group"))
    campaign = _fk("campaigns.Campaign", _("campaign"), related_name="segments")
    is_campaign_target = models.BooleanField(_("campaign target"), default=False)
    is_campaign_response = models.BooleanField(_("campaign response"), default=False)
    running_job = models.ForeignKey(
        "crm.BulkJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("running job"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["-number", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(number=""), name="segment_number_not_blank"),
            models.CheckConstraint(
                condition=Q(correspondence_type__in=CorrespondenceType.values),
                name="segment_correspondence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(information_flow__in=InformationFlow.values),
                name="segment_information_flow_valid",
            ),
            models.CheckConstraint(
                condition=Q(initiated_by__in=InitiatedBy.values),
                name="segment_initiated_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(unit_duration_min__gte=0),
                name="segment_unit_values_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}".strip()

    def get_absolute_url(self) -> str:
        return reverse("segments:segment-detail", args=[self.pk])


class SegmentLine(TimeStampedModel):
    # No database FKs on segment and contact either (see _line_fk): lines are written only by
    # the services, which lock the segment and read the contacts they insert, and are deleted
    # with their segment (segment_delete) or contact (Django's CASCADE collector).
    segment = models.ForeignKey(
        Segment,
        on_delete=models.CASCADE,
        related_name="lines",
        db_constraint=False,
        db_index=False,  # leading column of segmentline_line_no_idx
        verbose_name=_("segment"),
    )
    # Line numbers step by 10,000 per contact (SEG-21); a million lines exceed 32 bits.
    line_no = models.BigIntegerField(_("line no."))
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        related_name="segment_lines",
        db_constraint=False,
        db_index=False,  # segmentline_contact_idx
        verbose_name=_("contact"),
    )
    # No index (decision 0008): a company with lines cannot be deleted (CON-35 blocks it), so
    # the SET_NULL only scans the lines when a company without any is deleted; the index cost
    # every add one random-order insert per line (~0.2 s per 34,000 lines).
    contact_company = _line_fk("contacts.Contact", _("contact company"), on_delete=models.SET_NULL)
    campaign = _line_fk("campaigns.Campaign", _("campaign"))
    is_campaign_target = models.BooleanField(_("campaign target"), default=False, db_default=False)
    is_campaign_response = models.BooleanField(
        _("campaign response"), default=False, db_default=False
    )
    salesperson = _line_fk("setup.Salesperson", _("salesperson"))
    correspondence_type = _choice(_("correspondence type"), CorrespondenceType)
    template = _line_fk("interactions.InteractionTemplate", _("interaction template"))
    group = _line_fk("interactions.InteractionGroup", _("interaction group"))
    cost = _money(_("cost"))
    duration_min = _duration(_("duration (min)"))
    language = _line_fk("setup.Language", _("language"))
    subject = models.CharField(_("subject"), max_length=100, blank=True, db_default="")
    description = models.CharField(_("description"), max_length=100, blank=True, db_default="")
    date = models.DateField(_("date"), null=True, blank=True)
    time = models.TimeField(_("time"), null=True, blank=True)
    information_flow = _choice(_("information flow"), InformationFlow)
    initiated_by = _choice(_("initiated by"), InitiatedBy)
    evaluation = _choice(_("evaluation"), Evaluation, max_length=20)
    attempt_failed = models.BooleanField(_("attempt failed"), default=False, db_default=False)
    alt_address = _line_fk(
        "contacts.ContactAltAddress", _("alternate address"), on_delete=models.SET_NULL
    )
    contact_via = models.CharField(_("contact via"), max_length=80, blank=True, db_default="")
    # SEG-23/24 (decision 0008): the position of the add action that inserted the line; Go back
    # of an add deletes the lines carrying its position instead of reading one history row per
    # added line. NULL for lines no action added (follow-up segment, lines older than 0006).
    added_by_position = models.PositiveIntegerField(
        _("added by action"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("segment line")
        verbose_name_plural = _("segment lines")
        ordering = ["segment", "line_no"]
        indexes = [
            # The lines page, "append after the last line", go back. Not unique (decision
            # 0012): go back re-creates lines under the numbers of lines a reduce/refine has
            # just deleted, and a unique index visited each deleted row to check it (0.45 s per
            # 83,000 lines). The services number lines under the segment's lock; the integrity
            # check reports a number used twice.
            models.Index(fields=["segment", "line_no"], name="segmentline_line_no_idx"),
            # No (segment, contact) index: "already on the segment?" (SEG-20) and the
            # reduce/refine joins (SEG-22) hash the segment's lines, read through the
            # (segment, line_no) index; one more random-order index cost every add ~1 s per
            # 300,000 lines. A single contact's lines come from segmentline_contact_idx.
            # Contact deletion and "segments of this contact".
            models.Index(fields=["contact"], name="segmentline_contact_idx"),
            # Deleting an alternate address or a campaign (SET_NULL / PROTECT); most lines
            # have neither, and a partial index costs those lines nothing.
            models.Index(
                fields=["alt_address"],
                name="segmentline_alt_address_idx",
                condition=Q(alt_address__isnull=False),
            ),
            models.Index(
                fields=["campaign"],
                name="segmentline_campaign_idx",
                condition=Q(campaign__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(correspondence_type__in=CorrespondenceType.values),
                name="segmentline_correspondence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0) & Q(duration_min__gte=0),
                name="segmentline_values_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.line_no}"


class SegmentInteractionLanguage(TimeStampedModel):
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="languages", verbose_name=_("segment")
    )
    # No database FK (see _line_fk): a database FK would fire one trigger per deleted line on
    # every reduce/refine/go back. The set-based deletes of lines delete these rows in the same
    # statement; ORM deletes cascade through Django's collector.
    line = models.ForeignKey(
        SegmentLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="languages",
        db_constraint=False,
        verbose_name=_("line"),
    )
    language = models.ForeignKey(
        "setup.Language", on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    description = models.CharField(_("description"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="segments/", blank=True)
    email_body = models.TextField(_("e-mail body"), blank=True)
    send_attachment_as_file = models.BooleanField(_("send attachment as file"), default=True)

    class Meta:
        verbose_name = _("segment interaction language")
        verbose_name_plural = _("segment interaction languages")
        ordering = ["segment", "line", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "line", "language"],
                nulls_distinct=False,  # one header-level row (line NULL) per language
                name="segmentinteractionlanguage_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.line_id or '-'}/{self.language_id}"


class CriteriaOptions(models.Model):
    action = models.CharField(_("action"), max_length=10, choices=CriteriaActionKind)
    allow_existing_contacts = models.BooleanField(_("allow existing contacts"), default=False)
    expand_companies = models.BooleanField(_("expand companies"), default=False)
    allow_related_companies = models.BooleanField(_("allow related companies"), default=False)
    ignore_exclusion = models.BooleanField(_("ignore exclusion"), default=False)
    entire_companies = models.BooleanField(_("entire companies"), default=False)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    filter_count = models.PositiveIntegerField(_("no. of filters"), default=0)

    class Meta:
        abstract = True


class SegmentCriteriaAction(CriteriaOptions, TimeStampedModel):
    segment = models.ForeignKey(
        Segment,
        on_delete=models.CASCADE,
        related_name="criteria_actions",
        verbose_name=_("segment"),
    )
    position = models.PositiveIntegerField(_("position"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("segment criteria action")
        verbose_name_plural = _("segment criteria actions")
        ordering = ["segment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "position"], name="segmentcriteriaaction_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(action__in=CriteriaActionKind.values),
                name="segmentcriteriaaction_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}#{self.position} {self.action}"


class SegmentHistory(models.Model):
    """One line deleted by a criteria action (SEG-23); Go back reads it (SEG-24).

    Lines inserted by an add carry the action's position instead (``SegmentLine.
    added_by_position``, decision 0008); ``inserted`` rows remain only from before that.

    No timestamps: it is written by the million and the action row carries the time.
    """

    # No database FKs: an action writes up to a million history rows, and each deferred FK
    # check is one trigger event at COMMIT. Rows are written only by the set-based services
    # (which read the ids from existing lines/contacts) and deleted with their segment or
    # contact through Django's CASCADE collector.
    segment = models.ForeignKey(
        Segment,
        on_delete=models.CASCADE,
        related_name="history",
        db_index=False,  # leading column of the unique constraint
        db_constraint=False,
        verbose_name=_("segment"),
    )
    action_position = models.PositiveIntegerField(_("action position"))
    line_no = models.BigIntegerField(_("line no."))
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        verbose_name=_("contact"),
    )
    change = models.CharField(_("change"), max_length=10, choices=HistoryChange)
    # A deleted line's ``SegmentLine.added_by_position``: Go back of the removal restores it,
    # so a further Go back of that add deletes the restored line too.
    added_by_position = models.PositiveIntegerField(
        _("added by action"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("segment history")
        verbose_name_plural = _("segment history")
        ordering = ["segment", "action_position", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "action_position", "line_no"],
                name="segmenthistory_action_line_unique",
            ),
            models.CheckConstraint(
                condition=Q(change__in=HistoryChange.values), name="segmenthistory_change_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}#{self.action_position} {self.change} {self.line_no}"


class SavedSegmentCriteria(TimeStampedModel):
    code = models.CharField(_("code"), max_length=10, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("saved segment criteria")
        verbose_name_plural = _("saved segment criteria")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=""), name="savedsegmentcriteria_code_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(code=models.functions.Upper(models.functions.Trim("code"))),
                name="savedsegmentcriteria_code_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


class SavedSegmentCriteriaAction(CriteriaOptions, TimeStampedModel):
    saved_criteria = models.ForeignKey(
        SavedSegmentCriteria,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("saved criteria"),
    )
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("saved criteria action")
        verbose_name_plural = _("saved criteria actions")
        ordering = ["saved_criteria", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_criteria", "position"],
                name="savedsegmentcriteriaaction_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(action__in=CriteriaActionKind.values),
                name="savedsegmentcriteriaaction_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_criteria_id}#{self.position} {self.action}"


class LoggedSegment(TimeStampedModel):
    entry_no = models.BigIntegerField(
        _("entry no."),
        unique=True,
        editable=False,
        db_default=models.Func(
            models.Value(LOGGED_SEGMENT_SEQUENCE),
            function="nextval",
            output_field=models.BigIntegerField(),
        ),
    )
    segment_number = models.CharField(_("segment no."), max_length=20, unique=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    created_on = models.DateField(_("created on"), default=timezone.localdate)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    is_canceled = models.BooleanField(_("canceled"), default=False)

    class Meta:
        verbose_name = _("logged segment")
        verbose_name_plural = _("logged segments")
        ordering = ["-entry_no"]

    def __str__(self) -> str:
        return f"{self.entry_no} {self.segment_number}"


class SegmentIntegrityReport(TimeStampedModel):
    """The latest integrity check of segment lines and history (one row, id 1).

    Lines and history have no database foreign keys (decision 0006); the scheduled check
    (``segment_integrity_check_task``) records here the rows whose segment or contact is
    gone, and the segments' setup page shows them."""

    checked_at = models.DateTimeField(_("checked at"))
    orphan_line_count = models.PositiveIntegerField(_("orphan lines"), default=0)
    orphan_history_count = models.PositiveIntegerField(_("orphan history rows"), default=0)
    # Decision 0012: line numbers are unique per segment by the services, not by an index.
    duplicate_line_count = models.PositiveIntegerField(
        _("line numbers used twice"), default=0, db_default=0
    )
    sample = models.JSONField(_("sample"), default=dict, blank=True)

    class Meta:
        verbose_name = _("segment integrity report")
        verbose_name_plural = _("segment integrity reports")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="segmentintegrityreport_single_row"),
        ]

    def __str__(self) -> str:
        counts = f"{self.orphan_line_count}/{self.orphan_history_count}/{self.duplicate_line_count}"
        return f"{self.checked_at:%Y-%m-%d %H:%M} {counts}"
