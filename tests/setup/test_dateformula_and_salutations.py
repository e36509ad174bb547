import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from setup.dateformula import apply_date_formula, validate_date_formula
from setup.salutations import render_salutation_formula, salutation_text
from tests.factories.setup import LanguageFactory, SalutationFactory, SalutationFormulaFactory


@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("+1W", dt.date(2024, 1, 10), dt.date(2024, 1, 17)),
        ("-1Y", dt.date(2024, 2, 29), dt.date(2023, 2, 28)),
        ("CM+1D", dt.date(2024, 1, 15), dt.date(2024, 2, 1)),
        ("0D", dt.date(2024, 1, 15), dt.date(2024, 1, 15)),
        ("", dt.date(2024, 1, 15), dt.date(2024, 1, 15)),
        ("+1M", dt.date(2024, 1, 31), dt.date(2024, 2, 29)),
        ("CW", dt.date(2024, 1, 10), dt.date(2024, 1, 14)),
        ("CQ", dt.date(2024, 2, 10), dt.date(2024, 3, 31)),
        ("+1Q", dt.date(2024, 1, 10), dt.date(2024, 4, 10)),
        ("CY-1D", dt.date(2024, 5, 1), dt.date(2024, 12, 30)),
    ],
)
def test_date_formulas(formula, base, expected):
    assert apply_date_formula(formula, base) == expected


@pytest.mark.parametrize("bad", ["1X", "+W", "C", "++1D", "1D junk"])
def test_invalid_date_formula(bad):
    with pytest.raises(ValidationError, match="invalid date formula"):
        validate_date_formula(bad)


@pytest.mark.django_db
def test_set40_placeholder_with_empty_value_is_removed_with_its_space():
    formula = SalutationFormulaFactory(formula="Dear %1 %2 %3,")
    values = {"first_name": "Anna", "middle_name": "", "surname": "Smith"}
    assert render_salutation_formula(formula, values) == "Dear Anna Smith,"


@pytest.mark.django_db
def test_set41_missing_formula_is_reported():
    salutation = SalutationFactory(code="COMPANY")
    language = LanguageFactory(code="FRA")
    with pytest.raises(ValidationError, match="No informal salutation formula for COMPANY in FRA"):
        salutation_text(
            salutation=salutation, values={}, salutation_type="informal", language=language
        )
