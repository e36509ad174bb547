"""Sales cycles, their stages and activities, close codes (SPEC 7.1)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable, TimeStampedModel

from .choices import CloseType, Priority, ProbabilityMethod, TaskType
from .fields import _percent, _percent_range, _valid


class SalesCycle(CodeTable):
    """Ordered steps of an opportunity (SPEC 7.1)."""

    probability_method = models.CharField(
        _("probability calculation"),
        max_length=20,
        choices=ProbabilityMethod,
        default=ProbabilityMethod.MULTIPLY,
    )
    is_blocked = models.BooleanField(_("blocked"), default=False)

    class Meta(CodeTable.Meta):
        verbose_name = _("sales cycle")
        verbose_name_plural = _("sales cycles")
        constraints = [
            *CodeTable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(probability_method__in=ProbabilityMethod.values),
                name="salescycle_probability_method_valid",
            ),
        ]


class Activity(CodeTable):
    """A template of task steps assigned in one go (SPEC 8.1, TSK-30)."""

    class Meta(CodeTable.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")


class ActivityStep(TimeStampedModel):
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="steps", verbose_name=_("activity")
    )
    step_no = models.PositiveIntegerField(_("step no."))
    type = models.CharField(
        _("type"), max_length=20, choices=TaskType, default=TaskType.BLANK, blank=True
    )
    description = models.CharField(_("description"), max_length=100)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    date_formula = models.CharField(_("date formula"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("activity step")
        verbose_name_plural = _("activity steps")
        ordering = ["activity", "step_no", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "step_no"], name="activitystep_activity_step_unique"
            ),
            _valid("type", TaskType, "activitystep"),
            _valid("priority", Priority, "activitystep"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.step_no} {self.description}"

    def clean(self) -> None:
        from setup.dateformula import validate_date_formula

        super().clean()
        if self.date_formula:
            validate_date_formula(self.date_formula)


class SalesCycleStage(TimeStampedModel):
    sales_cycle = models.ForeignKey(
        SalesCycle, on_delete=models.CASCADE, related_name="stages", verbose_name=_("sales cycle")
    )
    stage = models.PositiveIntegerField(_("stage"), validators=[MinValueValidator(1)])
    description = models.CharField(_("description"), max_length=100, blank=True)
    completed_percent = _percent(_("completed %"))
    chances_percent = _percent(_("chances of success %"))
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stages",
        verbose_name=_("activity"),
    )
    is_quote_required = models.BooleanField(_("quote required"), default=False)
    allow_skip = models.BooleanField(_("allow skip"), default=False)
    date_formula = models.CharField(_("date formula"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("sales cycle stage")
        verbose_name_plural = _("sales cycle stages")
        ordering = ["sales_cycle", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_cycle", "stage"], name="salescyclestage_cycle_stage_unique"
            ),
            models.CheckConstraint(condition=Q(stage__gte=1), name="salescyclestage_stage_min"),
            _percent_range("completed_percent", "salescyclestage"),
            _percent_range("chances_percent", "salescyclestage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.description}".strip()

    def clean(self) -> None:
        from setup.dateformula import validate_date_formula

        super().clean()
        if self.date_formula:
            validate_date_formula(self.date_formula)


class CloseOpportunityCode(CodeTable):
    type = models.CharField(_("type"), max_length=10, choices=CloseType)

    class Meta(CodeTable.Meta):
        verbose_name = _("close opportunity code")
        verbose_name_plural = _("close opportunity codes")
        constraints = [
            *CodeTable.Meta.constraints,
            _valid("type", CloseType, "closeopportunitycode"),
        ]
