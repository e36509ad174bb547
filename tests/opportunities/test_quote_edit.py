"""Quote lines and the close wizard (SPEC 7.4 OPP-62, OPP-14/18): a quote created from an
opportunity starts at 0.00; its lines set its amount on the quote page, and closing as won
then stores that amount (O-21). Before that, the close page says what to do."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.concurrency import version_token
from opportunities import services
from opportunities.models import (
    OpportunityStatus,
    QuoteStatus,
    SalesQuote,
    SalesQuoteLine,
)
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import (
    CloseOpportunityCodeFactory,
    cycle_with_stages,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def quote(sales_user):
    """An opportunity moved into a quote-required stage, with its 0.00 quote."""
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=2).update(is_quote_required=True)
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=SalespersonFactory(user=sales_user),
        sales_cycle=cycle,
    )
    services.opportunity_update(
        opportunity=opportunity, action="first", date_of_change=TODAY, estimated_value=1000
    )
    quote = services.sales_quote_create_for_opportunity(opportunity=opportunity)
    services.opportunity_update(
        opportunity=opportunity, action="next", date_of_change=TODAY, estimated_value=1000
    )
    return quote


def _post_data(quote, lines, **header):
    data = {
        "version": version_token(quote),
        "description": header.get("description", quote.description),
        "quote_date": header.get("quote_date", quote.quote_date.isoformat()),
        "valid_until": "",
        "requested_delivery_date": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (description, quantity, price) in enumerate(lines):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
    return data


def test_sales_quote_edit_lines_set_the_amount(quote):
    """OPP-62: an open quote's lines (quantity × unit price) make its amount."""
    services.sales_quote_edit(
        quote=quote,
        data={"description": "Two items"},
        lines=[
            {"description": "Licence", "quantity": Decimal(3), "unit_price": Decimal("1250.50")},
            {"description": "Set-up", "quantity": Decimal("1.5"), "unit_price": Decimal(333)},
        ],
    )
    quote.refresh_from_db()
    assert quote.amount == Decimal("4251.00")  # 3751.50 + 499.50
    assert quote.description == "Two items"
    assert list(quote.lines.values_list("description", "amount")) == [
        ("Licence", Decimal("3751.50")),
        ("Set-up", Decimal("499.50")),
    ]
    services.sales_quote_edit(quote=quote, data={}, lines=[])  # lines replaced
    quote.refresh_from_db()
    assert quote.amount == 0
    assert not quote.lines.exists()


def test_sales_quote_edit_refuses_a_quote_not_open(quote):
    """OPP-62: only open quotes can be edited."""
    SalesQuote.objects.filter(pk=quote.pk).update(status=QuoteStatus.DECLINED)
    with pytest.raises(Exception, match="is not open"):
        services.sales_quote_edit(
            quote=quote,
            data={},
            lines=[{"description": "x", "quantity": 1, "unit_price": 1}],
        )
    assert not SalesQuoteLine.objects.exists()


def test_quote_page_sets_lines_then_close_won_stores_the_quote_total(client, sales_user, quote):
    """O-21 through the pages: 'Create sales quote' gives 0.00; the quote's edit page sets
    its lines; Close → Won then succeeds with the quote's total as current value."""
    client.force_login(sales_user)
    opportunity = quote.opportunity
    card = client.get(reverse("opportunities:opportunity-detail", args=[opportunity.pk]))
    assert reverse("opportunities:quote-detail", args=[quote.pk]) in card.content.decode()
    # the close page explains, with a link to the quote's lines
    page = client.get(reverse("opportunities:opportunity-close", args=[opportunity.pk]))
    assert reverse("opportunities:quote-edit", args=[quote.pk]) in page.content.decode()
    assert "has no amount yet" in page.content.decode()
    code = CloseOpportunityCodeFactory(code="WON1", type="won")
    close = {"close_type": "won", "close_code": code.pk, "date_of_change": TODAY.isoformat()}
    refused = client.post(reverse("opportunities:opportunity-close", args=[opportunity.pk]), close)
    assert refused.status_code == 200
    assert "enter its lines" in refused.content.decode()
    # the quote's page
    edit_url = reverse("opportunities:quote-edit", args=[quote.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, _post_data(quote, [("Licence", "4", "1875"), ("", "", "")]))
    assert response.status_code == 302, response.content.decode()
    quote.refresh_from_db()
    assert quote.amount == Decimal(7500)
    detail = client.get(reverse("opportunities:quote-detail", args=[quote.pk]))
    assert "Licence" in detail.content.decode()
    # close as won
    response = client.post(reverse("opportunities:opportunity-close", args=[opportunity.pk]), close)
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.entries.get(is_active=True).calculated_current_value == Decimal(7500)


def test_quote_edit_page_refuses_a_stale_save(client, sales_user, quote):
    """A save prepared on an older version of the quote is refused, nothing is written, and
    the form comes back with the user's lines and the changed fields listed."""
    client.force_login(sales_user)
    stale = _post_data(quote, [("Mine", "1", "10")], description="My text")
    services.sales_quote_edit(  # someone else saves first
        quote=quote,
        data={"description": "Theirs"},
        lines=[{"description": "Theirs", "quantity": 2, "unit_price": 50}],
    )
    response = client.post(reverse("opportunities:quote-edit", args=[quote.pk]), stale)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else saved this record" in body
    assert 'value="Mine"' in body
    quote.refresh_from_db()
    assert quote.description == "Theirs"
    assert quote.amount == Decimal(100)
    assert list(quote.lines.values_list("description", flat=True)) == ["Theirs"]


def test_quote_edit_page_line_errors_rerender(client, sales_user, quote):
    """Bad input: a line with a price but no description comes back with a message."""
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:quote-edit", args=[quote.pk]),
        _post_data(quote, [("", "2", "10")]),
    )
    assert response.status_code == 200
    assert "Enter a description for this line." in response.content.decode()
    assert not SalesQuoteLine.objects.exists()


def test_quote_pages_in_french(client, sales_user, quote):
    """The quote card and the close explanation are translated."""
    client.force_login(sales_user)
    client.cookies["django_language"] = "fr"
    card = client.get(
        reverse("opportunities:quote-detail", args=[quote.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Modifier les lignes" in card.content.decode()
    page = client.get(
        reverse("opportunities:opportunity-close", args=[quote.opportunity_id]),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "n'a pas encore de montant" in page.content.decode()
    edit = client.get(
        reverse("opportunities:quote-edit", args=[quote.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    # a date input keeps ISO values in French (else the browser shows it empty and refuses)
    assert f'type="date" name="quote_date" value="{quote.quote_date.isoformat()}"' in edit


def test_close_form_offers_only_codes_of_the_chosen_type(client, sales_user, quote):
    """OPP-18: the close codes offered match Won or Lost (htmx refresh of the field)."""
    client.force_login(sales_user)
    CloseOpportunityCodeFactory(code="PRICE", type="won")
    CloseOpportunityCodeFactory(code="TOOLATE", type="lost")
    url = reverse("opportunities:opportunity-close", args=[quote.opportunity_id])
    won = client.get(url).content.decode()
    assert "PRICE" in won and "TOOLATE" not in won
    lost = client.get(url, {"close_type": "lost"}, HTTP_HX_REQUEST="true").content.decode()
    assert "TOOLATE" in lost and "PRICE" not in lost
    assert 'hx-get="' + url + '"' in won


@pytest.mark.parametrize("rows", [1, 30])
def test_quote_pages_queries_do_not_grow(
    client, sales_user, quote, django_assert_max_num_queries, rows
):
    services.sales_quote_edit(
        quote=quote,
        data={},
        lines=[{"description": f"L{i}", "quantity": 1, "unit_price": 2} for i in range(rows)],
    )
    client.force_login(sales_user)
    # session, user, perms, quote, lines, base currency code (cached after the first page)
    with django_assert_max_num_queries(7):
        detail = client.get(reverse("opportunities:quote-detail", args=[quote.pk]))
    assert detail.status_code == 200
    with django_assert_max_num_queries(6):
        edit = client.get(reverse("opportunities:quote-edit", args=[quote.pk]))
    assert edit.context["lines"].total_form_count() == rows + 2
