"""Render what other apps contribute to a page (``crm.extensions``)."""

from django import template

register = template.Library()


@register.simple_tag
def extension_cell(column, obj) -> str:
    """A contributed list column's cell for ``obj`` (the column returns safe HTML)."""
    return column.render(obj)
