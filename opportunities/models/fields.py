"""Field and constraint builders shared by the opportunities models, and the sequence default
of the entry number."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q

ENTRY_NO_SEQUENCE = "opportunities_entry_no_seq"


class NextVal(Func):
    """``nextval('<sequence>')``: database default of a sequence-numbered column."""

    function = "nextval"
    output_field = models.BigIntegerField()

    def __init__(self, sequence: str) -> None:
        super().__init__(models.Value(sequence))


def _percent(verbose_name) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=8,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


def _money(verbose_name) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, default=0)


def _valid(field: str, choices: type[models.TextChoices], model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=f"{model}_{field}_valid"
    )


def _percent_range(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
        name=f"{model}_{field}_range",
    )
