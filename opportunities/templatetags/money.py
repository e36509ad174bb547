"""Money with its currency code: ``{% money amount %}`` gives ``1,234.50 EUR`` (the base
currency of the marketing setup, read through a cached selector: no query per row), and
``{% money quote.amount quote.currency "2g" %}`` the code of an own currency when set."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString

from opportunities.selectors import base_currency_code

register = template.Library()


def _base_code(context) -> str:
    """The base currency code, read once per request (a board of 150 cards makes one cache
    read, not 150), else from the cached selector."""
    request = context.get("request")
    if request is None:
        return base_currency_code()
    if not hasattr(request, "_base_currency_code"):
        request._base_currency_code = base_currency_code()
    return request._base_currency_code


@register.simple_tag(takes_context=True)
def money(context, amount, currency=None, places="2") -> SafeString | str:
    """``amount`` formatted like ``floatformat:places``, then its currency code in a
    ``<span class="currency-code">`` (none when no base currency is set)."""
    number = floatformat(amount if amount not in (None, "") else 0, places)
    code = getattr(currency, "code", "") or _base_code(context)
    if not code:
        return number
    return format_html('{}&nbsp;<span class="currency-code">{}</span>', number, code)


@register.simple_tag(takes_context=True)
def base_currency(context) -> str:
    """The base currency code alone (a total updated by script keeps its own element)."""
    return _base_code(context)
