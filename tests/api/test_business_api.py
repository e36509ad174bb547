"""Business-system API (SPEC 12): D-1..D-6, C-29, C-43, C-44, C-46, C-61, O-20."""

import datetime as dt

import pytest
from django.utils import timezone

from api.models import ApiCall, IdempotencyRecord
from contacts.links import contact_create_as, contact_link_existing
from contacts.models import Contact, ContactBusinessRelation, SalesHistoryLine
from contacts.services import contact_delete, contact_update
from opportunities.models import SalesQuote
from tests.contacts.helpers_links import company, link_setup, template
from tests.factories.opportunities import OpportunityFactory

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def test_d1_token_and_scope(client, bearer):
    """D-1: no token → 401; unknown token → 401; a token lacking the scope → 403."""
    from rest_framework.test import APIClient

    anonymous = APIClient()
    response = anonymous.get(f"{V1}/business-links")
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "field", "message"}
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer nope")
    assert anonymous.get(f"{V1}/business-links").status_code == 401
    prices_only = bearer("prices")
    response = prices_only.get(f"{V1}/business-links")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert bearer("links").get(f"{V1}/business-links").status_code == 200
    # inactive client → 401
    inactive = bearer("links")
    inactive.api_client.is_active = False
    inactive.api_client.save()
    assert inactive.get(f"{V1}/business-links").status_code == 401
    # every call is recorded
    assert ApiCall.objects.filter(status=403, endpoint="/api/v1/business-links").exists()


def test_user_token_uses_page_permissions(bearer, user_bearer, make_user, sales_user):
    """Per-user tokens act with the user's model permissions (DjangoModelPermissions)."""
    nobody = make_user("nobody")
    assert user_bearer(nobody).get(f"{V1}/contacts").status_code == 403
    assert user_bearer(sales_user).get(f"{V1}/contacts").status_code == 200
    # sales history import is the administrators' (as on the page) → 403; with it, bad input → 400
    response = user_bearer(nobody).post(f"{V1}/sales-history", {"lines": []}, format="json")
    assert response.status_code == 403
    response = user_bearer(sales_user).post(f"{V1}/sales-history", {"lines": []}, format="json")
    assert response.status_code == 403
    admin = make_user("admin", groups=["Administrators"])
    response = user_bearer(admin).post(f"{V1}/sales-history", {"lines": []}, format="json")
    assert response.status_code == 400


def test_d2_c61_pending_link_payload_and_acknowledge(bearer):
    """D-2 / C-61 / C-60: a link made in the CRM is pending with contact fields and template
    defaults, and disappears after acknowledge."""
    link_setup("customer")
    acme = company("Acme", phone="123")
    template("CUST", payment_terms_code="14D")
    link = contact_create_as(contact=acme, link_type="customer")
    http = bearer("links")
    rows = http.get(f"{V1}/business-links?status=pending").json()["results"]
    assert [r["external_number"] for r in rows] == [link.external_number]
    assert rows[0]["shared_fields"]["phone"] == "123"
    assert rows[0]["template"]["payment_terms_code"] == "14D"
    assert http.post(f"{V1}/business-links/{link.pk}/acknowledge").status_code == 200
    assert http.get(f"{V1}/business-links?status=pending").json()["results"] == []


def test_d3_c44_changed_since_and_tombstones(bearer):
    """D-3 / C-44 (feed): a contact changed after the timestamp is listed; deleted ones come as
    tombstones."""
    old = company("Old")
    gone = company("Gone")
    Contact.objects.filter(pk__in=[old.pk, gone.pk]).update(
        last_modified_at=timezone.now() - dt.timedelta(days=2)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    old.refresh_from_db()
    contact_update(contact=old, user=None, data={"phone": "555 0101"})
    contact_delete(contact=gone, user=None)
    http = bearer("read_contacts")
    body = http.get(f"{V1}/contacts", {"changed_since": since}).json()
    assert [c["number"] for c in body["results"]] == [old.number]
    assert body["results"][0]["phone"] == "555 0101"
    assert [t["number"] for t in body["deleted"]] == [gone.number]
    bad = http.get(f"{V1}/contacts", {"changed_since": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "changed_since"


def test_c29_deleting_link_from_business_system_keeps_contact(bearer):
    """C-29: deleting the link from the business system leaves the contact; the feed reports
    the removed link; deleting a linked contact reports it as deleted."""
    link_setup("customer")
    acme = company("Acme")
    link = contact_link_existing(contact=acme, link_type="customer", external_number="C0042")
    http = bearer("links", "read_contacts")
    since = timezone.now().isoformat()
    assert http.delete(f"{V1}/business-links/customer/C0042").status_code == 204
    assert Contact.objects.filter(pk=acme.pk).exists()
    assert not ContactBusinessRelation.objects.filter(pk=link.pk).exists()
    deleted = http.get(f"{V1}/contacts", {"changed_since": since}).json()["deleted"]
    assert deleted[0]["link_rows"][0]["external_number"] == "C0042"
    assert http.delete(f"{V1}/business-links/customer/C0042").status_code == 404


def test_c43_create_contact_from_business_system(bearer):
    """C-43: a new customer with create_contact: true creates a linked company contact."""
    link_setup("customer")
    http = bearer("links")
    response = http.post(
        f"{V1}/business-links",
        {
            "link_type": "customer",
            "external_number": "c9000",
            "create_contact": True,
            "record": {"name": "Newco", "phone": "+33 1"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    link = ContactBusinessRelation.objects.get(external_number="C9000")
    assert link.contact.name == "Newco"
    assert link.pickup_status == "acknowledged"
    again = http.post(
        f"{V1}/business-links",
        {
            "link_type": "customer",
            "external_number": "C9000",
            "create_contact": True,
            "record": {"name": "Newco"},
        },
        format="json",
    )
    assert again.status_code == 409


def test_link_existing_contact_via_api_checks_con43(bearer):
    """POST business-links links an existing contact; the same external number twice → 409."""
    link_setup("customer")
    a, b = company("A"), company("B")
    http = bearer("links")
    ok = http.post(
        f"{V1}/business-links",
        {"link_type": "customer", "external_number": "C0042", "contact_number": a.number},
        format="json",
    )
    assert ok.status_code == 201
    taken = http.post(
        f"{V1}/business-links",
        {"link_type": "customer", "external_number": "C0042", "contact_number": b.number},
        format="json",
    )
    assert taken.status_code == 409
    assert "already linked" in taken.json()["message"]
    missing = http.post(f"{V1}/business-links", {"link_type": "customer"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["field"] == "external_number"


def test_c44_patch_updates_linked_contact(bearer):
    """C-44: a phone change PATCHed for a linked number updates the contact; unknown → 404."""
    setup = link_setup("customer")
    acme = company("Acme", phone="1")
    ContactBusinessRelation.objects.create(
        contact=acme,
        business_relation_id=setup.customer_relation_id,
        link_type="customer",
        external_number="C0001",
        pickup_status="acknowledged",
    )
    http = bearer("write_contacts")
    response = http.patch(f"{V1}/linked-records/customer/C0001", {"phone": "222"}, format="json")
    assert response.status_code == 200, response.json()
    acme.refresh_from_db()
    assert acme.phone == "222"
    assert (
        http.patch(f"{V1}/linked-records/customer/NOPE", {"phone": "3"}, format="json").status_code
        == 404
    )


def test_c46_master_side(bearer):
    """C-46: master side external → the next PATCH overwrites the shared fields; master side
    contact → the pending payload carries the contact's values (and a PATCH does not win)."""
    link_setup("customer")
    ext = company("Ext Ltd", phone="1")
    own = company("Own Ltd", phone="9")
    contact_link_existing(
        contact=ext, link_type="customer", external_number="C1", master_side="external"
    )
    contact_link_existing(
        contact=own, link_type="customer", external_number="C2", master_side="contact"
    )
    http = bearer("write_contacts", "links")
    assert http.patch(f"{V1}/linked-records/customer/C1", {"name": "Ext BS"}, format="json").json()[
        "applied"
    ]
    ext.refresh_from_db()
    assert ext.name == "Ext BS"
    rows = {r["external_number"]: r for r in http.get(f"{V1}/business-links").json()["results"]}
    assert rows["C2"]["shared_fields"]["name"] == "Own Ltd"
    assert not http.patch(f"{V1}/linked-records/customer/C2", {"name": "X"}, format="json").json()[
        "applied"
    ]
    own.refresh_from_db()
    assert own.name == "Own Ltd"


def test_d4_sales_history_party_and_source_id(bearer):
    """D-4: a line with both a contact and an external number is refused; re-sending a
    source_id replaces the line; deletion by source_id and by date range."""
    acme = company("Acme")
    http = bearer("sales_history")
    both = {
        "posting_date": "2025-01-10",
        "item_code": "ITEM1",
        "link_type": "customer",
        "external_number": "C1",
        "contact_number": acme.number,
    }
    response = http.post(f"{V1}/sales-history", {"lines": [both]}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "lines[0].contact_number"
    assert not SalesHistoryLine.objects.exists()
    line = {
        "posting_date": "2025-01-10",
        "item_code": "item1",
        "contact_number": acme.number,
        "amount": "10.00",
        "source_id": "S1",
    }
    assert http.post(f"{V1}/sales-history", {"lines": [line]}, format="json").status_code == 201
    line["amount"] = "25.50"
    out = http.post(f"{V1}/sales-history", {"lines": [line]}, format="json").json()
    assert out == {"created": 0, "replaced": 1}
    row = SalesHistoryLine.objects.get()
    assert str(row.amount) == "25.50" and row.contact_id == acme.pk and row.item_code == "ITEM1"
    http.post(
        f"{V1}/sales-history",
        {
            "lines": [
                {
                    "posting_date": "2024-06-01",
                    "item_code": "X",
                    "link_type": "customer",
                    "external_number": "C1",
                }
            ]
        },
        format="json",
    )
    assert http.delete(f"{V1}/sales-history?date_from=2024-01-01&date_to=2024-12-31").json() == {
        "deleted": 1
    }
    assert http.delete(f"{V1}/sales-history?source_id=S1").json() == {"deleted": 1}
    assert http.delete(f"{V1}/sales-history").status_code == 400


def test_sales_history_bulk_limit(bearer):
    """API-4: at most 5,000 lines per call."""
    http = bearer("sales_history")
    lines = [
        {
            "posting_date": "2025-01-01",
            "item_code": "I",
            "link_type": "customer",
            "external_number": "C1",
        }
    ] * 5001
    assert http.post(f"{V1}/sales-history", {"lines": lines}, format="json").status_code == 400


def test_d5_idempotency_key(bearer):
    """D-5: a POST repeated with the same Idempotency-Key returns the first response without a
    second write."""
    http = bearer("sales_history")
    body = {
        "lines": [
            {
                "posting_date": "2025-01-01",
                "item_code": "I",
                "link_type": "customer",
                "external_number": "C1",
            }
        ]
    }
    first = http.post(f"{V1}/sales-history", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = http.post(f"{V1}/sales-history", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert SalesHistoryLine.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    http.post(f"{V1}/sales-history", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert SalesHistoryLine.objects.count() == 2


def _quote(opportunity=None, **fields):
    contact = company("Quote Co")
    return SalesQuote.objects.create(
        number=fields.pop("number", "SQ0001"), contact=contact, opportunity=opportunity, **fields
    )


def test_d6_sales_document_taken_elsewhere_409(bearer):
    """D-6: setting an order on an opportunity whose document is linked elsewhere → 409."""
    first, second = OpportunityFactory(), OpportunityFactory()
    http = bearer("quotes")
    url = f"{V1}/opportunities/{first.number}/sales-document"
    assert http.post(url, {"kind": "order", "number": "SO1"}, format="json").status_code == 200
    response = http.post(
        f"{V1}/opportunities/{second.number}/sales-document",
        {"kind": "order", "number": "SO1"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "document_linked"
    first.refresh_from_db()
    assert (first.sales_document_kind, first.sales_document_number) == ("order", "SO1")


def test_o20_order_reported_for_accepted_quote(bearer):
    """O-20 (API part): an order reported for an accepted quote sets external_order_number and
    switches the opportunity's document link to that order; open quotes are refused."""
    opportunity = OpportunityFactory()
    quote = _quote(opportunity, customer_number="C1", status="accepted")
    other = _quote(number="SQ0002", customer_number="C2")
    http = bearer("quotes")
    listed = http.get(f"{V1}/sales-quotes", {"status": "accepted"}).json()["results"]
    assert [q["number"] for q in listed] == [quote.number]
    response = http.post(
        f"{V1}/sales-quotes/{quote.number}/order", {"order_number": "SO9"}, format="json"
    )
    assert response.status_code == 200, response.json()
    quote.refresh_from_db()
    opportunity.refresh_from_db()
    assert quote.external_order_number == "SO9"
    assert (opportunity.sales_document_kind, opportunity.sales_document_number) == ("order", "SO9")
    assert (
        http.post(
            f"{V1}/sales-quotes/{other.number}/order", {"order_number": "SO8"}, format="json"
        ).status_code
        == 409
    )


def test_reference_data_and_schema(bearer, admin_user_, client):
    """Salespeople, business relations; the OpenAPI schema and docs are served."""
    http = bearer("read_contacts")
    assert http.get(f"{V1}/salespeople").status_code == 200
    assert http.get(f"{V1}/business-relations").status_code == 200
    assert http.get(f"{V1}/salespeople?page_size=5000").status_code == 200
    assert client.get(f"{V1}/schema/").status_code in {401, 403}  # a login is needed
    client.force_login(admin_user_)
    assert client.get(f"{V1}/schema/").status_code == 200
    assert client.get(f"{V1}/docs/").status_code == 200
