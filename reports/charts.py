"""Server-side SVG charts (no JavaScript chart library): values in, markup out.

Labels are passed already translated; numbers are formatted with the active locale. Every
chart has its axes and writes each value next to its bar; a chart with nothing but zeros
says ``empty`` ("No data yet.") rather than drawing a flat line.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 170
VALUE_WIDTH = 110


def _fmt(value) -> str:
    decimal_pos = 0 if float(value).is_integer() else 2
    return number_format(value, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


def _has_data(rows) -> bool:
    return any(value for _label, value in rows)


def _empty(message: str) -> SafeString:
    return format_html('<p class="text-body-secondary small chart-empty">{}</p>', message)


def hbar_chart(*, title: str, rows: list[tuple[str, Decimal | int]], empty: str) -> SafeString:
    """Horizontal bars, one per (label, value); scaled to the largest value."""
    if not _has_data(rows):
        return _empty(empty)
    top = max(float(value) for _label, value in rows) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="13" dominant-baseline="middle">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#0d6efd" rx="2"><title>{}: {}</title>'
        '</rect><text x="{}" y="{}" font-size="13" dominant-baseline="middle">{}</text>',
        (
            (
                LABEL_WIDTH - 6,
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT / 2,
                label[:28],
                LABEL_WIDTH,
                GAP + i * (BAR_HEIGHT + GAP),
                max(1, round(span * float(value) / top)) if value else 0,
                BAR_HEIGHT,
                label,
                _fmt(value),
                LABEL_WIDTH + 6 + (max(1, round(span * float(value) / top)) if value else 0),
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT / 2,
                _fmt(value),
            )
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {} {}" width="100%"'
        ' aria-label="{}" class="chart"><title>{}</title>'
        '<line class="axis" x1="{}" y1="0" x2="{}" y2="{}" stroke="#6c757d"/>{}</svg>',
        WIDTH,
        height,
        title,
        title,
        LABEL_WIDTH,
        LABEL_WIDTH,
        height,
        bars,
    )


def column_chart(*, title: str, rows: list[tuple[str, Decimal | int]], empty: str) -> SafeString:
    """Vertical columns, one per (label, value): periods along the x axis, values on top.

    A y axis with the zero and the largest value on the left; with many periods only every
    n-th x label is written, so the labels never run into each other."""
    if not _has_data(rows):
        return _empty(empty)
    height, base, top_pad, axis = 230, 190, 24, 64
    top = max(float(value) for _label, value in rows) or 1.0
    step = (WIDTH - axis) / len(rows)
    width = max(4, step * 0.7)
    every = max(1, round(len(rows) / 12))  # at most about 12 x labels
    cols = []
    for i, (label, value) in enumerate(rows):
        h = (base - top_pad) * float(value) / top
        x = axis + i * step + (step - width) / 2
        cols.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#198754" rx="2">'
                "<title>{}: {}</title></rect>",
                f"{x:.1f}",
                f"{base - h:.1f}",
                f"{width:.1f}",
                f"{h:.1f}",
                label,
                _fmt(value),
            )
        )
        if value and len(rows) <= 16:  # the value on top of its column while they fit
            cols.append(
                format_html(
                    '<text class="value" x="{}" y="{}" font-size="11" text-anchor="middle">{}'
                    "</text>",
                    f"{x + width / 2:.1f}",
                    f"{base - h - 4:.1f}",
                    _fmt(value),
                )
            )
        if i % every == 0:
            cols.append(
                format_html(
                    '<text class="label" x="{}" y="{}" font-size="12" text-anchor="middle">{}'
                    "</text>",
                    f"{x + width / 2:.1f}",
                    base + 16,
                    label,
                )
            )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {} {}" width="100%"'
        ' aria-label="{}" class="chart"><title>{}</title>'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#6c757d"/>'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#6c757d"/>'
        '<text class="tick" x="{}" y="{}" font-size="11" text-anchor="end">{}</text>'
        '<text class="tick" x="{}" y="{}" font-size="11" text-anchor="end">{}</text>{}</svg>',
        WIDTH,
        height,
        title,
        title,
        axis,
        base,
        WIDTH,
        base,
        axis,
        top_pad,
        axis,
        base,
        axis - 4,
        base,
        _fmt(0),
        axis - 4,
        top_pad + 4,
        _fmt(top),
        mark_safe("".join(cols)),  # noqa: S308 -- every part was built with format_html
    )
