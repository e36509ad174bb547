"""Views of the card's link actions: "Create as…", "Link with existing…", master side (CON-46,
CON-47, CON-49)."""

import pytest
from django.urls import reverse

from contacts.links import business_link_acknowledge, contact_link_existing
from contacts.models import ContactBusinessRelation
from tests.contacts.helpers_links import company, link_setup, template

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, admin_user_):
    client.force_login(admin_user_)
    return client


def _errors(response) -> str:
    return str(response.context["form"].errors)


# -- Create as… ------------------------------------------------------------------------------------


def test_create_as_get_renders(admin):
    acme = company()
    response = admin.get(reverse("contacts:links-create-as", args=[acme.pk]))
    assert response.status_code == 200
    assert 'name="link_type"' in response.content.decode()


def test_create_as_post_valid_redirects_with_number(admin):
    """C-37: one template → used silently; redirect to the card with the new number."""
    link_setup("customer")
    template("T1")
    acme = company()
    response = admin.post(
        reverse("contacts:links-create-as", args=[acme.pk]), {"link_type": "customer"}
    )
    assert response.status_code == 302
    assert response.url == acme.get_absolute_url()
    link = ContactBusinessRelation.objects.get(contact=acme)
    assert (link.external_number, link.pickup_status) == ("C0001", "pending")


def test_create_as_several_templates_ask_for_a_choice(admin):
    """C-36: several templates → the form asks for one; nothing is created until chosen."""
    link_setup("customer")
    template("T1")
    second = template("T2")
    acme = company()
    url = reverse("contacts:links-create-as", args=[acme.pk])
    assert "T2" in admin.get(url, {"link_type": "customer"}).content.decode()
    response = admin.post(url, {"link_type": "customer"})
    assert response.status_code == 200
    assert not ContactBusinessRelation.objects.exists()
    response = admin.post(url, {"link_type": "customer", "template": second.pk})
    assert response.status_code == 302
    assert ContactBusinessRelation.objects.get(contact=acme).template == second


def test_create_as_refusal_is_shown(admin):
    """C-34: no setup code → refused in place, nothing created."""
    acme = company()
    response = admin.post(
        reverse("contacts:links-create-as", args=[acme.pk]), {"link_type": "customer"}
    )
    assert response.status_code == 200
    assert "Marketing setup" in _errors(response) or "setup" in _errors(response).lower()
    assert not ContactBusinessRelation.objects.exists()


def test_create_as_htmx_gets_the_form_partial(admin):
    acme = company()
    response = admin.get(
        reverse("contacts:links-create-as", args=[acme.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="links-form"' in body
    assert "<html" not in body


def test_create_as_htmx_success_redirects_the_page(admin):
    link_setup("customer")
    template("T1")
    acme = company()
    response = admin.post(
        reverse("contacts:links-create-as", args=[acme.pk]),
        {"link_type": "customer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.headers["HX-Redirect"] == acme.get_absolute_url()


# -- Link with existing… ---------------------------------------------------------------------------


def test_link_existing_get_and_post(admin):
    """C-49: link type, external number and master side; pending link, redirect to the card."""
    link_setup("customer")
    acme = company()
    url = reverse("contacts:links-link-existing", args=[acme.pk])
    assert admin.get(url).status_code == 200
    response = admin.post(
        url, {"link_type": "customer", "external_number": "C0042", "master_side": "external"}
    )
    assert response.status_code == 302
    link = ContactBusinessRelation.objects.get(contact=acme)
    assert (link.external_number, link.master_side, link.pickup_status) == (
        "C0042",
        "external",
        "pending",
    )


def test_link_existing_refusal_is_shown(admin):
    """CON-43: an external record linked to another contact is refused in place."""
    link_setup("customer")
    first, second = company("First"), company("Second")
    contact_link_existing(
        contact=first, link_type="customer", external_number="C0042", master_side="contact"
    )
    response = admin.post(
        reverse("contacts:links-link-existing", args=[second.pk]),
        {"link_type": "customer", "external_number": "C0042", "master_side": "contact"},
    )
    assert response.status_code == 200
    assert "C0042" in _errors(response)
    assert not ContactBusinessRelation.objects.filter(contact=second).exists()


def test_link_pages_need_permission(client, make_user):
    client.force_login(make_user("nobody"))
    acme = company()
    for name in ("links-create-as", "links-link-existing"):
        assert client.get(reverse(f"contacts:{name}", args=[acme.pk])).status_code == 403


# -- master side while pending (CON-46) ------------------------------------------------------------


def _pending_link(acme):
    link_setup("customer")
    return contact_link_existing(
        contact=acme, link_type="customer", external_number="C0042", master_side="contact"
    )


def test_master_side_change_while_pending(admin):
    acme = company()
    link = _pending_link(acme)
    panel = admin.get(reverse("contacts:links-panel", args=[acme.pk])).content.decode()
    url = reverse("contacts:links-master-side", args=[acme.pk, link.pk])
    assert url in panel
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"master_side": "external"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.master_side == "external"


def test_master_side_refused_once_acknowledged(admin):
    acme = company()
    link = _pending_link(acme)
    business_link_acknowledge(link=link)
    panel = admin.get(reverse("contacts:links-panel", args=[acme.pk])).content.decode()
    url = reverse("contacts:links-master-side", args=[acme.pk, link.pk])
    assert url not in panel
    response = admin.post(url, {"master_side": "external"})
    assert response.status_code == 200
    assert "pending" in _errors(response)
    link.refresh_from_db()
    assert link.master_side == "contact"


def test_master_side_of_another_contacts_link_is_404(admin):
    link = _pending_link(company("Owner"))
    other = company("Other")
    url = reverse("contacts:links-master-side", args=[other.pk, link.pk])
    assert admin.get(url).status_code == 404
