"""Reactions to other areas' events (STYLE 2: signals only for decoupled reactions)."""

from .services import sales_quotes_take_customer_number


def quotes_on_customer_link(sender, link, contact, **kwargs) -> None:
    """OPP-63: a company that becomes a customer passes its number to its open quotes."""
    sales_quotes_take_customer_number(link=link)
