"""Number patterns (SPEC 2.2): the incrementing part is the rightmost run of digits."""

import re

from django.utils.translation import gettext as _

_DIGITS = re.compile(r"(\d+)(?!.*\d)")


class NumberPattern:
    """The shape of a series' numbers, taken from its starting number."""

    def __init__(self, starting_number: str) -> None:
        match = _DIGITS.search(starting_number or "")
        if not match:
            raise ValueError(_("A number must contain a digit."))
        self.template = starting_number
        self.start, self.end = match.span(1)

    def same_shape(self, value: str) -> bool:
        if len(value) != len(self.template):
            return False
        for i, (a, b) in enumerate(zip(value, self.template, strict=True)):
            in_digits = self.start <= i < self.end
            if in_digits and not a.isdigit():
                return False
            if not in_digits and a != b:
                return False
        return True

    def numeric(self, value: str) -> int:
        return int(value[self.start : self.end])


def increment(number: str, by: int) -> str | None:
    """Increase the rightmost run of digits by ``by``, keeping its width.

    Returns None when the result would need more digits (the series overflows).
    """
    match = _DIGITS.search(number)
    if not match:
        return None
    digits = match.group(1)
    value = int(digits) + by
    text = str(value).zfill(len(digits))
    if len(text) > len(digits):
        return None
    return number[: match.start(1)] + text + number[match.end(1) :]


def numeric_part(number: str) -> int:
    match = _DIGITS.search(number)
    return int(match.group(1)) if match else 0
