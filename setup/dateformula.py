"""Date formulas (SPEC 0.2): ``+1W``, ``-1Y``, ``CM+1D``, ``0D``; blank means no offset."""

import calendar
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_TERM = re.compile(r"(?:([+-]?)(\d+)([DWMQY])|C([DWMQY]))")
INVALID = _("invalid date formula")


def _parse(formula: str) -> list[tuple[str, int, str]]:
    text = (formula or "").strip().upper().replace(" ", "")
    terms: list[tuple[str, int, str]] = []
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match:
            raise ValidationError(INVALID, code="invalid_date_formula")
        sign, amount, unit, current = match.groups()
        if current:
            terms.append(("C", 0, current))
        else:
            terms.append(("-" if sign == "-" else "+", int(amount), unit))
        pos = match.end()
    return terms


def validate_date_formula(formula: str) -> None:
    _parse(formula)


def _add_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _current_end(date: dt.date, unit: str) -> dt.date:
    if unit == "D":
        return date
    if unit == "W":
        return date + dt.timedelta(days=6 - date.weekday())
    if unit == "M":
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if unit == "Q":
        last_month = ((date.month - 1) // 3 + 1) * 3
        return dt.date(date.year, last_month, calendar.monthrange(date.year, last_month)[1])
    return dt.date(date.year, 12, 31)


def apply_date_formula(formula: str, base: dt.date) -> dt.date:
    result = base
    for sign, amount, unit in _parse(formula):
        if sign == "C":
            result = _current_end(result, unit)
            continue
        n = amount if sign == "+" else -amount
        if unit == "D":
            result += dt.timedelta(days=n)
        elif unit == "W":
            result += dt.timedelta(weeks=n)
        elif unit == "M":
            result = _add_months(result, n)
        elif unit == "Q":
            result = _add_months(result, 3 * n)
        else:
            result = _add_months(result, 12 * n)
    return result
