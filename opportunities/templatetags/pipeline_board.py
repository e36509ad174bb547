"""Formatting for the pipeline board: the stage options of a column, built once per column
instead of once per card (a template loop of 6 options × 150 cards dominated the page)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def stage_label(stage) -> str:
    """``2 · Proposal``: a stage's number and name (the number alone when it has none)."""
    return f"{stage.stage} · {stage.description}" if stage.description else str(stage.stage)


@register.simple_tag
def stage_options(columns: list[dict], selected: int) -> SafeString:
    """``<option>`` elements of every column's stage (number and name), ``selected`` marked."""
    options = (
        format_html(
            '<option value="{}"{}>{}</option>',
            stage.stage,
            " selected" if stage.stage == selected else "",
            stage_label(stage),
        )
        for stage in (col["stage"] for col in columns)
    )
    return format_html_join("", "{}", ((option,) for option in options))
