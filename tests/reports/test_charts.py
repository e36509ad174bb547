"""The dashboard charts: axes, values in the reader's format, and "no data" for empty ones."""

from decimal import Decimal

from django.utils import translation

from reports.charts import column_chart, hbar_chart

EMPTY = "No data yet."


def test_charts_of_zeros_say_no_data_instead_of_drawing_them():
    for chart in (hbar_chart, column_chart):
        html = chart(title="T", rows=[("Jan", 0), ("Feb", Decimal(0))], empty=EMPTY)
        assert "<svg" not in html
        assert EMPTY in html
        assert EMPTY in chart(title="T", rows=[], empty=EMPTY)


def test_column_chart_has_axes_values_and_french_numbers():
    with translation.override("fr"):
        html = column_chart(
            title="Prévision",
            rows=[("janv. 26", Decimal("12345.5")), ("févr. 26", 0), ("mars 26", 800)],
            empty=EMPTY,
        )
    assert html.count('class="axis"') == 2  # x and y
    assert ">12\xa0345,50</text>" in html  # the value on its column, French grouping
    assert ">800</text>" in html
    assert 'class="tick"' in html and ">0</text>" in html
    assert ">janv. 26</text>" in html and ">mars 26</text>" in html


def test_column_chart_with_many_periods_keeps_its_labels_apart():
    rows = [(f"S{week:02d}", week) for week in range(1, 53)]
    html = column_chart(title="Semaines", rows=rows, empty=EMPTY)
    labels = html.count('class="label"')
    assert 6 <= labels <= 14  # about a dozen, not 52 overlapping ones


def test_hbar_chart_has_an_axis_and_grouped_values_in_english():
    with translation.override("en"):
        html = hbar_chart(title="Pipeline", rows=[("Stage 1", Decimal("1234567"))], empty=EMPTY)
    assert 'class="axis"' in html
    assert "1,234,567" in html
