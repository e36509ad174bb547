from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import CodeTable


class ProbabilityMethod(models.TextChoices):
    MULTIPLY = "multiply", _("Multiply")
    ADD = "add", _("Add")
    CHANCES_OF_SUCCESS = "chances_of_success", _("Chances of success %")
    COMPLETED = "completed", _("Completed %")


class SalesCycle(CodeTable):
    """Ordered steps of an opportunity (SPEC 7.1); the stages belong to issue 5/9."""

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
