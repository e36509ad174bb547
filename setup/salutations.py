"""Salutation texts (SET-40/41)."""

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Language, MarketingSetup, Salutation, SalutationFormula, SalutationType

_PLACEHOLDER = re.compile(r"%([1-5]) ?")


def render_salutation_formula(formula: SalutationFormula, values: Mapping[str, str]) -> str:
    """Replace %n by the value of part n; an empty one goes with the single space after it."""
    parts = formula.parts

    def substitute(match: re.Match) -> str:
        part = parts[int(match.group(1)) - 1]
        value = (values.get(part) or "").strip() if part else ""
        if not value:
            return ""
        return value + match.group(0)[2:]

    return _PLACEHOLDER.sub(substitute, formula.formula).strip()


def salutation_text(
    *,
    salutation: Salutation,
    values: Mapping[str, str],
    salutation_type: str = SalutationType.FORMAL,
    language: Language | None = None,
) -> str:
    """SET-40/41: the text for the contact's language (else the default language)."""
    if language is None:
        language = MarketingSetup.load().default_language
    formula = SalutationFormula.objects.filter(
        salutation=salutation, language=language, salutation_type=salutation_type
    ).first()
    if formula is None:
        raise ValidationError(
            _("No %(type)s salutation formula for %(salutation)s in %(language)s.")
            % {
                "type": SalutationType(salutation_type).label.lower(),
                "salutation": salutation.code,
                "language": language.code if language else _("(no language)"),
            },
            code="no_formula",
        )
    return render_salutation_formula(formula, values)
