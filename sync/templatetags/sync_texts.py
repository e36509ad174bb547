"""``{{ source|sync_text:fallback }}``: a stored sync message in the reader's language."""

from django import template

from sync.texts import shown

register = template.Library()


@register.filter
def sync_text(source, fallback: str = "") -> str:
    return shown(source, fallback or "")
