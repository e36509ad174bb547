"""Numbers and dates in the reader's format: grouped numbers, one date format per language."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from reports.views import HomeView

AMOUNT = Decimal("1234567.50")
DAY = dt.date(2026, 12, 7)
MOMENT = dt.datetime(2026, 12, 7, 13, 30, tzinfo=dt.UTC)  # 14:30 in Paris (TIME_ZONE)


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234,567.50|1,234,567.50|1,234,567"),
        ("fr", "1\xa0234\xa0567,50|1\xa0234\xa0567,50|1\xa0234\xa0567"),
    ],
)
def test_numbers_are_grouped_in_the_readers_format(language, expected):
    with translation.override(language):
        html = _render("{{ a }}|{{ a|floatformat:2 }}|{{ n }}", a=AMOUNT, n=1234567)
    assert html == expected


def test_ids_in_links_stay_plain():
    with translation.override("fr"):
        assert _render("{% load l10n %}/contacts/{{ pk|unlocalize }}/", pk=1000001) == (
            "/contacts/1000001/"
        )


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("en", "12/07/2026", "12/07/2026 2:30 p.m."), ("fr", "07/12/2026", "07/12/2026 14:30")],
)
def test_one_date_format_per_language(language, day, moment):
    """The plain {{ date }} and the tables' SHORT_DATE_FORMAT are the same format."""
    with translation.override(language):
        html = _render(
            '{{ d }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date }}|{{ m }}'
            '|{{ m|date:"SHORT_DATETIME_FORMAT" }}',
            d=DAY,
            m=MOMENT,
        )
    assert html == f"{day}|{day}|{day}|{moment}|{moment}"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label"), [("en", "12/07"), ("fr", "07/12")])
def test_dashboard_week_labels_follow_the_language(rf, make_user, language, label, monkeypatch):
    monkeypatch.setattr(
        "reports.views.selectors.dashboard",
        lambda user: {
            "pipeline": [],
            "forecast": [],
            "interactions_per_week": [{"week": DAY, "count": 3}],
        },
    )
    request = rf.get("/")
    request.user = make_user("sales", groups=["Sales"])
    view = HomeView()
    view.setup(request)
    with translation.override(language):
        chart = str(view.get_context_data()["charts"]["interactions"])
    assert f">{label}</text>" in chart
