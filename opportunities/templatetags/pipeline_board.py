"""Formatting for the pipeline board: the stage options of a column, built once per column
instead of once per card (a template loop of 6 options × 150 cards dominated the page)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def stage_options(columns: list[dict], selected: int) -> SafeString:
    """``<option>`` elements of every column's stage, ``selected`` marked."""
    options = (
        format_html('<option value="{}" selected>{}</option>', stage, stage)
        if stage == selected
        else format_html('<option value="{}">{}</option>', stage, stage)
        for stage in (col["stage"].stage for col in columns)
    )
    return format_html_join("", "{}", ((option,) for option in options))
