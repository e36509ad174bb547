"""Printable sales quote (SPEC 7.4 OPP-64): O-23, and the shared document logging."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignEntry
from contacts.models import Contact
from interactions.models import InteractionLogEntry, InteractionTemplateSetup
from interactions.services import interaction_log_document
from opportunities import services
from opportunities.models import SalesQuote
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import (
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
)
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def quote():
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(name="Acme Ltd"),
        salesperson=SalespersonFactory(),
        sales_cycle=cycle_with_stages(),
    )
    services.opportunity_update(
        opportunity=opportunity, action="first", date_of_change=TODAY, estimated_value=1000
    )
    return services.sales_quote_create_for_opportunity(
        opportunity=opportunity, amount=Decimal("1234.50")
    )


def _slot(template):
    setup = InteractionTemplateSetup.load()
    setup.sales_quote = template
    setup.save()
    return template


def _url(quote):
    return reverse("opportunities:quote-print", args=[quote.pk])


def test_o23_print_logs_one_sales_quote_interaction(client, sales_user, quote):
    """O-23: with the sales_quote slot set, a print logs exactly one sales_quote interaction
    with the quote number for the quote's contact; a reprint is the next occurrence."""
    template = _slot(InteractionTemplateFactory(code="QUOTE", description="Quote sent"))
    client.force_login(sales_user)
    response = client.post(_url(quote))
    assert response.status_code == 302 and response.url == f"{_url(quote)}?print=1"
    entry = InteractionLogEntry.objects.get()
    assert (entry.document_kind, entry.document_number, entry.contact_id) == (
        "sales_quote",
        quote.number,
        quote.contact_id,
    )
    assert (entry.document_occurrence, entry.document_version) == (1, 1)
    assert entry.template == template and entry.description == "Quote sent"
    assert entry.opportunity_id == quote.opportunity_id
    assert entry.salesperson_id == quote.salesperson_id
    assert entry.user == sales_user

    # API-3: the same (kind, number, occurrence, version) again returns the existing entry.
    again = interaction_log_document(
        kind="sales_quote",
        document_number=quote.number,
        contact=quote.contact,
        user=sales_user,
        occurrence=1,
    )
    assert again == entry and InteractionLogEntry.objects.count() == 1

    client.post(_url(quote))  # each print is one occurrence
    assert list(
        InteractionLogEntry.objects.order_by("document_occurrence").values_list(
            "document_occurrence", flat=True
        )
    ) == [1, 2]
    assert SalesQuote.objects.get(pk=quote.pk).print_count == 2


def test_blank_slot_logs_nothing_and_page_still_prints(client, sales_user, quote):
    client.force_login(sales_user)
    response = client.post(_url(quote), follow=True)
    assert response.status_code == 200
    assert response.context["auto_print"] is True
    assert not InteractionLogEntry.objects.exists()
    assert services.sales_quote_print(quote=quote, user=sales_user) is None
    assert SalesQuote.objects.get(pk=quote.pk).print_count == 2  # the prints happened


def test_template_with_languages_is_refused(client, sales_user, quote):
    """INT-4: a slot template with language rows is refused with a clear message."""
    template = _slot(InteractionTemplateFactory(code="QUOTE"))
    InteractionTemplateLanguageFactory(template=template)
    with pytest.raises(ValidationError, match="QUOTE is used to log documents and must not"):
        services.sales_quote_print(quote=quote, user=sales_user)
    client.force_login(sales_user)
    response = client.post(_url(quote), follow=True)
    assert response.context["auto_print"] is False  # nothing printed
    assert "must not have languages" in response.content.decode()
    assert not InteractionLogEntry.objects.exists()
    assert SalesQuote.objects.get(pk=quote.pk).print_count == 0


def test_privacy_blocked_contact_is_refused(sales_user, quote):
    """CON-52 (as API-2): no interaction for a privacy-blocked contact."""
    _slot(InteractionTemplateFactory(code="QUOTE"))
    Contact.objects.filter(pk=quote.contact_id).update(is_privacy_blocked=True)
    quote.contact.refresh_from_db()
    with pytest.raises(ValidationError, match="blocked due to privacy"):
        services.sales_quote_print(quote=quote, user=sales_user)
    assert not InteractionLogEntry.objects.exists()


def test_template_campaign_gets_its_campaign_entry(sales_user, quote):
    """INT-5 / CMP-10: the template's campaign is taken and gets its campaign entry."""
    campaign = CampaignFactory()
    _slot(InteractionTemplateFactory(code="QUOTE", campaign=campaign))
    entry = services.sales_quote_print(quote=quote, user=sales_user)
    assert entry.campaign == campaign and entry.campaign_entry is not None
    assert CampaignEntry.objects.get(campaign=campaign).document_kind == "sales_quote"


def test_page_renders_for_sales_within_query_budget(
    client, sales_user, quote, django_assert_max_num_queries
):
    client.force_login(sales_user)
    client.get(_url(quote))  # warm caches (session, permissions)
    with django_assert_max_num_queries(6):
        response = client.get(_url(quote))
    assert response.status_code == 200
    content = response.content.decode()
    assert quote.number in content and "Acme Ltd" in content and "1,234.50" in content
    assert not InteractionLogEntry.objects.exists()  # viewing does not log


def test_page_forbidden_without_view_permission(client, make_user, quote):
    client.force_login(make_user("nobody"))
    assert client.get(_url(quote)).status_code == 403
    assert client.post(_url(quote)).status_code == 403
    assert not InteractionLogEntry.objects.exists()


def test_opportunity_card_links_to_the_print_page(client, sales_user, quote):
    client.force_login(sales_user)
    response = client.get(reverse("opportunities:opportunity-detail", args=[quote.opportunity_id]))
    assert _url(quote) in response.content.decode()
