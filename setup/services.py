"""Writes of the setup area: number issuing, marketing setup, salespeople."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.concurrency import ensure_not_stale
from crm.services import model_update

from .models import MarketingSetup, NumberSeries, NumberSeriesLine, Salesperson
from .numbering import increment, numeric_part


@dataclass(frozen=True)
class IssuedNumber:
    number: str
    series: NumberSeries | None
    warning: str = ""


def _today() -> dt.date:
    return timezone.localdate()


def _line_in_effect(series: NumberSeries, on_date: dt.date) -> NumberSeriesLine:
    """SET-11: the open line with the latest starting date ≤ D, locked for this transaction."""
    for _attempt in range(3):
        line = (
            NumberSeriesLine.objects.select_for_update()
            .filter(series=series, is_open=True)
            .filter(models.Q(starting_date__isnull=True) | models.Q(starting_date__lte=on_date))
            .order_by(models.F("starting_date").desc(nulls_last=True), "-id")
            .first()
        )
        if line is not None and line.is_open:
            return line
    if NumberSeriesLine.objects.filter(
        models.Q(starting_date__isnull=True) | models.Q(starting_date__lte=on_date),
        series=series,
        is_open=False,
    ).exists():
        raise ValidationError(  # SET-13: the line in effect was closed by its last number
            _("No more numbers in series %(code)s.") % {"code": series.code}, code="exhausted"
        )
    raise ValidationError(
        _("No open number series line for %(series)s on %(date)s.")
        % {"series": series.code, "date": on_date.isoformat()},
        code="no_open_line",
    )


@transaction.atomic
def number_series_issue(
    *, series: NumberSeries | str, on_date: dt.date | None = None
) -> IssuedNumber:
    """Issue the next number of ``series`` (SET-11…15).

    The line row stays locked until the caller's transaction ends, so concurrent writers queue
    and a rolled-back transaction does not use up its number.
    """
    if isinstance(series, str):
        try:
            series = NumberSeries.objects.get(code=series.strip().upper())
        except NumberSeries.DoesNotExist as exc:
            raise ValidationError(
                _("Number series %(code)s does not exist.") % {"code": series},
                code="series_missing",
            ) from exc
    on_date = on_date or _today()
    line = _line_in_effect(series, on_date)

    if series.date_order and line.last_date_used and on_date < line.last_date_used:
        raise ValidationError(
            _(
                "Number series %(code)s requires dates in order: %(date)s is before the last "
                "date used %(last)s."
            )
            % {"code": series.code, "date": on_date, "last": line.last_date_used},
            code="date_order",
        )
    if line.last_number_used:
        number = increment(line.last_number_used, line.increment_by)
        if number is None:
            raise ValidationError(
                _("Number series %(code)s overflows.") % {"code": series.code},
                code="overflow",
            )
    else:
        number = line.starting_number
    if line.ending_number and numeric_part(number) > numeric_part(line.ending_number):
        raise ValidationError(
            _("No more numbers in series %(code)s.") % {"code": series.code},
            code="exhausted",
        )
    warning = ""
    line.last_number_used = number
    line.last_date_used = on_date
    if line.ending_number and numeric_part(number) == numeric_part(line.ending_number):
        line.is_open = False
    if line.warning_number and numeric_part(number) >= numeric_part(line.warning_number):
        warning = _("Number series %(code)s is nearly exhausted (%(number)s issued).") % {
            "code": series.code,
            "number": number,
        }
    line.save(update_fields=["last_number_used", "last_date_used", "is_open", "updated_at"])
    return IssuedNumber(number=number, series=series, warning=warning)


def series_choices(*, setup_field: str) -> list[NumberSeries]:
    """SET-18: the setup series plus its related series, for the create form's picker."""
    setup = MarketingSetup.load()
    base = getattr(setup, setup_field)
    if base is None:
        return []
    related = NumberSeries.objects.filter(pk__in=base.relationships.values("related")).order_by(
        "code"
    )
    return [base, *related]


def number_assign(
    *,
    setup_field: str,
    model: type[models.Model],
    typed_number: str = "",
    chosen_series: NumberSeries | None = None,
    on_date: dt.date | None = None,
) -> IssuedNumber:
    """Number a new record of ``model`` the way SET-16…18 say.

    A blank ``typed_number`` draws the next number from the setup series (or the related series
    the user chose); a typed one needs a series that allows manual numbers and must be unused.
    Call inside the transaction that inserts the record.
    """
    setup = MarketingSetup.load()
    base = getattr(setup, setup_field)
    if base is None:
        raise ValidationError(
            _("%(field)s must have a value in Marketing setup.")
            % {"field": str(MarketingSetup._meta.get_field(setup_field).verbose_name).capitalize()},
            code="setup_missing",
        )
    series = base
    if chosen_series is not None and chosen_series.pk != base.pk:
        if not base.relationships.filter(related=chosen_series).exists():
            raise ValidationError(
                _("Series %(code)s is not related to %(base)s.")
                % {"code": chosen_series.code, "base": base.code},
                code="series_not_related",
            )
        series = chosen_series
    typed_number = (typed_number or "").strip()
    if typed_number:
        if not series.manual_numbers:
            raise ValidationError(
                {
                    "number": _("Series %(code)s does not allow manual numbers.")
                    % {"code": series.code}
                },
                code="manual_not_allowed",
            )
        if model._default_manager.filter(number=typed_number).exists():
            raise ValidationError(
                {"number": _("Number %(number)s already exists.") % {"number": typed_number}},
                code="number_exists",
            )
        return IssuedNumber(number=typed_number, series=None)
    if not series.default_numbers:
        raise ValidationError(
            _("Series %(code)s does not allow automatic numbers.") % {"code": series.code},
            code="automatic_not_allowed",
        )
    return number_series_issue(series=series, on_date=on_date)


MARKETING_SETUP_FIELDS = [
    field.name
    for field in MarketingSetup._meta.get_fields()
    if field.concrete and field.name not in {"id", "singleton", "created_at", "updated_at"}
]


@transaction.atomic
def marketing_setup_update(
    *,
    data: dict[str, Any],
    rebuild_duplicates: bool = False,
    user: AbstractBaseUser | None = None,
    expected_version: str | None = None,
) -> tuple[MarketingSetup, bool]:
    """Save the setup, applying SET-2 coupling of the duplicate switches.

    Returns the setup and whether the duplicate index should be rebuilt (SET-3): maintain went
    from off to on and the caller confirmed. ``expected_version`` is the edit form's token
    (crm.concurrency): a stale save is refused.
    """
    setup = MarketingSetup.objects.select_for_update().get(singleton=True)
    edited = [f for f in MARKETING_SETUP_FIELDS if f in data]
    ensure_not_stale(instance=setup, expected_version=expected_version, fields=edited, data=data)
    was_maintaining = setup.maintain_duplicate_strings
    data = dict(data)
    if data.get("autosearch_duplicates") and not setup.autosearch_duplicates:
        data["maintain_duplicate_strings"] = True  # SET-2: autosearch on ⇒ maintain on
    elif "maintain_duplicate_strings" in data and not data["maintain_duplicate_strings"]:
        data["autosearch_duplicates"] = False  # SET-2: maintain off ⇒ autosearch off
    setup, _changed = model_update(instance=setup, fields=MARKETING_SETUP_FIELDS, data=data)
    turned_on = not was_maintaining and setup.maintain_duplicate_strings
    return setup, bool(turned_on and rebuild_duplicates)


@transaction.atomic
def salesperson_link_user(*, salesperson: Salesperson, user: AbstractBaseUser | None) -> None:
    """SET-20: a user has at most one salesperson and a salesperson at most one user."""
    if user is not None:
        other = Salesperson.objects.filter(user=user).exclude(pk=salesperson.pk).first()
        if other is not None:
            raise ValidationError(
                {
                    "user": _("User %(user)s is already linked to salesperson %(code)s.")
                    % {"user": user.get_username(), "code": other.code}
                },
                code="user_linked",
            )
        if salesperson.user_id and salesperson.user_id != user.pk:
            raise ValidationError(
                {
                    "user": _("Salesperson %(code)s is already linked to user %(user)s.")
                    % {"code": salesperson.code, "user": salesperson.user.get_username()}
                },
                code="salesperson_linked",
            )
    model_update(instance=salesperson, fields=["user"], data={"user": user})


def salesperson_for_user(user: AbstractBaseUser | None) -> Salesperson | None:
    """The user's salesperson ("my salesperson", SPEC 0.1), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Salesperson.objects.filter(user=user).first()


def salesperson_validate_choosable(
    salesperson: Salesperson | None, *, field: str = "salesperson"
) -> None:
    """SET-21/22: a blocked or privacy-blocked salesperson cannot be newly chosen."""
    if salesperson is None:
        return
    if salesperson.is_privacy_blocked:
        raise ValidationError(
            {
                field: _("Salesperson %(code)s is blocked due to privacy.")
                % {"code": salesperson.code}
            },
            code="salesperson_privacy_blocked",
        )
    if salesperson.is_blocked:
        raise ValidationError(
            {field: _("Salesperson %(code)s is blocked.") % {"code": salesperson.code}},
            code="salesperson_blocked",
        )
