"""Document events (SPEC 12.4 API-1..3): I-12..I-15, CMP-31."""

import datetime as dt

import pytest

from campaigns.models import CampaignEntry, CampaignTargetGroup
from contacts.models import ContactBusinessRelation
from interactions.models import InteractionLogEntry, InteractionTemplateSetup
from tests.contacts.helpers_links import company, link_setup
from tests.factories.campaigns import CampaignFactory
from tests.factories.interactions import (
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/document-events"


@pytest.fixture
def linked_customer():
    setup = link_setup("customer")
    acme = company("Acme")
    ContactBusinessRelation.objects.create(
        contact=acme,
        business_relation_id=setup.customer_relation_id,
        link_type="customer",
        external_number="C0042",
        pickup_status="acknowledged",
    )
    return acme


def _slot(kind, template):
    setup = InteractionTemplateSetup.load()
    setattr(setup, kind, template)
    setup.save()


def _event(**fields):
    return {
        "kind": "sales_invoice",
        "document_number": "INV1",
        "external_number": "C0042",
        "date": "2025-03-01",
        **fields,
    }


def test_i12_sales_invoice_logged_with_slot(bearer, linked_customer):
    """I-12: with a template in the sales_invoice slot an event for a linked customer logs an
    entry with that kind and number; with the slot blank nothing is logged."""
    http = bearer("documents")
    blank = http.post(URL, _event(), format="json")
    assert blank.status_code == 202
    assert blank.json() == {"result": "not_logged", "reason": "kind_not_configured"}
    template = InteractionTemplateFactory(code="INV")
    _slot("sales_invoice", template)
    response = http.post(URL, _event(), format="json")
    assert response.status_code == 201, response.json()
    entry = InteractionLogEntry.objects.get()
    assert (entry.document_kind, entry.document_number, entry.contact_id) == (
        "sales_invoice",
        "INV1",
        linked_customer.pk,
    )
    assert entry.template == template and entry.date == dt.date(2025, 3, 1)
    assert response.json()["entry_no"] == entry.entry_no


def test_i13_template_with_language_rows_422(bearer, linked_customer):
    """I-13: a slot template that gained a language row makes the event fail with 422."""
    template = InteractionTemplateFactory(code="INV")
    _slot("sales_invoice", template)
    InteractionTemplateLanguageFactory(template=template)
    response = bearer("documents").post(URL, _event(), format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "template_has_languages"
    assert not InteractionLogEntry.objects.exists()


def test_i14_no_linked_contact_contact_number_and_once(bearer, linked_customer):
    """I-14: no linked contact → 202 not_logged; with contact_number it is logged for that
    contact; the same event twice yields one entry."""
    _slot("sales_invoice", InteractionTemplateFactory(code="INV"))
    http = bearer("documents")
    response = http.post(URL, _event(external_number="C9999"), format="json")
    assert response.status_code == 202
    assert response.json()["reason"] == "no_linked_contact"
    other = company("Other")
    event = _event(external_number="C9999", contact_number=other.number, document_number="INV2")
    assert http.post(URL, event, format="json").status_code == 201
    again = http.post(URL, event, format="json")
    assert again.status_code == 200
    assert again.json()["result"] == "already_logged"
    assert InteractionLogEntry.objects.filter(contact=other).count() == 1


def test_i15_privacy_blocked_409(bearer, linked_customer):
    """I-15: a document event for a privacy-blocked contact returns 409 and logs nothing."""
    _slot("sales_invoice", InteractionTemplateFactory(code="INV"))
    type(linked_customer).objects.filter(pk=linked_customer.pk).update(is_privacy_blocked=True)
    response = bearer("documents").post(URL, _event(), format="json")
    assert response.status_code == 409
    assert not InteractionLogEntry.objects.exists()


def test_cmp31_invoice_in_campaign(bearer, linked_customer):
    """CMP-31: an invoice for a targeted customer inside the campaign dates is logged with the
    campaign (campaign entry created); without the slot it is rejected with 422."""
    campaign = CampaignFactory(starting_date=dt.date(2025, 1, 1), ending_date=dt.date(2025, 12, 31))
    CampaignTargetGroup.objects.create(kind="customer", number="C0042", campaign=campaign)
    http = bearer("documents")
    assert http.post(URL, _event(), format="json").status_code == 422
    _slot("sales_invoice", InteractionTemplateFactory(code="INV"))
    response = http.post(URL, _event(), format="json")
    assert response.status_code == 201
    assert response.json()["campaign_number"] == campaign.number
    assert CampaignEntry.objects.filter(campaign=campaign).count() == 1


def test_bad_input_is_400_not_500(bearer):
    """Bad input gets {"code","field","message"}."""
    response = bearer("documents").post(URL, {"kind": "nope", "date": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "field", "message"}
    assert (
        bearer("documents").post(URL, "not json", content_type="application/json").status_code
        == 400
    )


def test_ca11_invoice_event_in_a_campaign(bearer, linked_customer):
    """CA-11: a sales_invoice event for a targeted customer dated within the campaign logs the
    interaction with the campaign; an existing invoice interaction for the same order prevents
    it; a blank sales_invoice slot rejects the event (CMP-31)."""
    campaign = CampaignFactory(starting_date=dt.date(2025, 1, 1), ending_date=dt.date(2025, 12, 31))
    CampaignTargetGroup.objects.create(kind="customer", number="C0042", campaign=campaign)
    http = bearer("documents")
    rejected = http.post(URL, _event(), format="json")
    assert rejected.status_code == 422
    assert not InteractionLogEntry.objects.exists()
    _slot("sales_invoice", InteractionTemplateFactory(code="INV"))
    first = http.post(URL, _event(document_number="SO1"), format="json")
    assert first.status_code == 201
    entry = InteractionLogEntry.objects.get()
    assert entry.campaign_id == campaign.pk
    assert entry.campaign_entry is not None
    again = http.post(URL, _event(document_number="INV2", order_number="SO1"), format="json")
    assert again.status_code == 202
    assert again.json() == {"result": "not_logged", "reason": "already_logged_for_order"}
    assert InteractionLogEntry.objects.count() == 1
