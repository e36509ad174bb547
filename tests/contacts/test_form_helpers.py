"""SET-31 address lookup, "+ New" codes, contact image, alternate address edit (optimistic
locking) and the card's actions and fragments."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from contacts.address_lookup import address_lookup
from contacts.models import Contact, ContactAltAddress
from setup.models import PostCode, Territory
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import CountryFactory

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


@pytest.fixture
def admin(client, admin_user_):
    client.force_login(admin_user_)
    return client


@pytest.fixture
def places():
    fr, be = CountryFactory(code="FR"), CountryFactory(code="BE")
    PostCode.objects.create(code="75001", city="Paris", county="IDF", country=fr)
    PostCode.objects.create(code="1000", city="Bruxelles", county="BRU", country=be)
    PostCode.objects.create(code="1000", city="Lausanne", county="VD", country=None)
    PostCode.objects.create(code="69001", city="Lyon", county="RHO", country=fr)
    return {"FR": fr, "BE": be}


def _fill(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["address-fill"]


# -- SET-31 --------------------------------------------------------------------------------------


def test_set31_post_code_fills_city_county_country(places):
    """SET-31: one matching post code fills city, county and country."""
    result = address_lookup(changed="post_code", post_code="75001")
    assert result.values == {
        "post_code": "75001",
        "city": "Paris",
        "county": "IDF",
        "country": places["FR"].pk,
    }


def test_set31_several_post_codes_give_a_pick_list(places):
    """SET-31: several rows → pick list (narrowed to the form's country when that leaves one)."""
    assert [r.city for r in address_lookup(changed="post_code", post_code="1000").candidates] == [
        "Bruxelles",
        "Lausanne",
    ]
    narrowed = address_lookup(changed="post_code", post_code="1000", country_id=places["BE"].pk)
    assert narrowed.values["city"] == "Bruxelles"


def test_set31_city_fills_post_code(places):
    """SET-31: choosing a city fills the post code the same way."""
    assert address_lookup(changed="city", city="lyon").values["post_code"] == "69001"


def test_set31_country_change_clears_pair_unknown_for_it(places):
    """SET-31: a known pair that does not exist for the new country is cleared; a pair the
    table does not know is accepted as typed."""
    cleared = address_lookup(
        changed="country", post_code="75001", city="Paris", country_id=places["BE"].pk
    )
    assert cleared.values == {"post_code": "", "city": ""}
    kept = address_lookup(
        changed="country", post_code="75001", city="Paris", country_id=places["FR"].pk
    )
    assert kept.values is None
    typed = address_lookup(
        changed="country", post_code="99999", city="Nowhere", country_id=places["BE"].pk
    )
    assert typed.values is None
    assert address_lookup(changed="post_code", post_code="99999").values is None


def test_set31_lookup_endpoint_fills_and_lists(admin, places):
    url = reverse("contacts:address-lookup")
    response = admin.get(url, {"changed": "post_code", "post_code": "75001"}, HTTP_HX_REQUEST="1")
    assert response.status_code == 200
    assert _fill(response)["values"]["city"] == "Paris"
    response = admin.get(
        url,
        {"changed": "post_code", "prefix": "alt-addresses-", "alt-addresses-post_code": "1000"},
        HTTP_HX_REQUEST="1",
    )
    assert "HX-Trigger" not in response.headers
    assert "Bruxelles" in response.content.decode()
    assert 'hx-target="#address-lookup-alt-addresses"' in response.content.decode()
    pick = PostCode.objects.get(city="Lausanne")
    response = admin.get(url, {"pick": pick.pk, "prefix": "alt-addresses-"}, HTTP_HX_REQUEST="1")
    assert _fill(response) == {
        "prefix": "alt-addresses-",
        "values": {"post_code": "1000", "city": "Lausanne", "county": "VD", "country": ""},
    }


def test_set31_forms_are_wired(admin):
    """The contact form and the alternate address section ask the lookup on change."""
    body = admin.get(reverse("contacts:contact-create")).content.decode()
    assert reverse("contacts:address-lookup") in body
    assert 'id="address-lookup"' in body
    company = CompanyFactory()
    section = admin.get(
        reverse("contacts:contact-section", args=[company.pk, "alt-addresses"])
    ).content.decode()
    assert 'id="address-lookup-alt-addresses"' in section
    assert "&quot;prefix&quot;: &quot;alt-addresses-&quot;" in section


# -- "+ New" codes (SPEC 2.4) ---------------------------------------------------------------------


def test_new_code_creates_and_selects(admin):
    """2.4: "+ New" creates the code (SET-30 normalised) and tells the page to select it."""
    form = admin.get(reverse("contacts:contact-create")).content.decode()
    assert reverse("contacts:lookup-code-create", args=["territory"]) in form
    url = reverse("contacts:lookup-code-create", args=["territory"]) + "?target=id_territory"
    assert 'name="new_code"' in admin.get(url).content.decode()
    response = admin.post(url, {"new_code": " north ", "new_description": "North"})
    assert response.status_code == 200
    territory = Territory.objects.get(code="NORTH")
    event = json.loads(response.headers["HX-Trigger"])["code-created"]
    assert event == {"target": "id_territory", "value": territory.pk, "label": "NORTH North"}


def test_new_code_on_section_form_and_duplicate_refused(admin):
    company = CompanyFactory()
    section = admin.get(
        reverse("contacts:contact-section", args=[company.pk, "mailing-groups"])
    ).content.decode()
    assert reverse("contacts:lookup-code-create", args=["mailing_group"]) in section
    url = (
        reverse("contacts:lookup-code-create", args=["mailing_group"])
        + "?target=id_mailing-groups-mailing_group"
    )
    assert admin.post(url, {"new_code": "GIFT"}).headers.get("HX-Trigger")
    again = admin.post(url, {"new_code": "gift"})
    assert again.status_code == 200
    assert "HX-Trigger" not in again.headers
    assert "already exists" in again.content.decode()


def test_new_code_needs_setup_permission(client, make_user):
    """2.4: creating a code needs setup.add_<model>; without it no button and a 403."""
    user = make_user("clerk")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="contacts", codename__in=["add_contact", "view_contact"]
        )
    )
    client.force_login(user)
    url = reverse("contacts:lookup-code-create", args=["territory"]) + "?target=id_territory"
    assert client.post(url, {"new_code": "X"}).status_code == 403
    assert not Territory.objects.filter(code="X").exists()
    form = client.get(reverse("contacts:contact-create")).content.decode()
    assert reverse("contacts:lookup-code-create", args=["territory"]) not in form


def test_new_code_unknown_table_is_404(admin):
    url = reverse("contacts:lookup-code-create", args=["salesperson"]) + "?target=x"
    assert admin.get(url).status_code == 404


# -- image -------------------------------------------------------------------------------------


def test_image_upload_shown_on_card_and_cleared(admin, mksetup, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = admin.post(
        reverse("contacts:contact-create"),
        {
            "type": "company",
            "name": "Pictured Ltd",
            "image": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    contact = Contact.objects.get(name="Pictured Ltd")
    assert contact.image.name.startswith("contacts/logo")
    card = admin.get(contact.get_absolute_url()).content.decode()
    assert contact.image.url in card
    form = admin.get(reverse("contacts:contact-update", args=[contact.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "image"}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    data["image-clear"] = "on"
    data["version"] = form["version"].value()
    response = admin.post(reverse("contacts:contact-update", args=[contact.pk]), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert not contact.image


def test_image_type_and_size_refused(admin, mksetup, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("contacts:contact-create")
    not_image = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = admin.post(url, {"type": "company", "name": "Bad", "image": not_image})
    assert response.status_code == 200
    assert "image" in response.context["form"].errors
    from contacts import forms as contact_forms

    contact_forms.ContactForm.base_fields["image"].validators[-1].max_bytes = 10
    try:
        big = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
        response = admin.post(url, {"type": "company", "name": "Big", "image": big})
    finally:
        contact_forms.ContactForm.base_fields["image"].validators[
            -1
        ].max_bytes = contact_forms.CONTACT_IMAGE_MAX_BYTES
    assert response.status_code == 200
    assert "limit" in str(response.context["form"].errors["image"])
    assert not Contact.objects.filter(name__in=["Bad", "Big"]).exists()


# -- alternate address edit (optimistic locking) ---------------------------------------------------


def _alt(company, **fields):
    return ContactAltAddress.objects.create(contact=company, code="HQ", city="Paris", **fields)


def test_alt_address_edit_saves(admin):
    company = CompanyFactory()
    address = _alt(company)
    url = reverse("contacts:alt-address-update", args=[company.pk, address.pk])
    form = admin.get(url).context["form"]
    response = admin.post(url, {"code": "hq", "city": "Lyon", "version": form["version"].initial})
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.code, address.city) == ("HQ", "Lyon")


def test_alt_address_stale_edit_is_refused(admin):
    """A save prepared against an older version is refused and lists the changed fields."""
    company = CompanyFactory()
    address = _alt(company)
    url = reverse("contacts:alt-address-update", args=[company.pk, address.pk])
    version = admin.get(url).context["form"]["version"].initial
    # someone else saves in between
    from contacts.services import contact_alt_address_update

    contact_alt_address_update(address=address, data={"city": "Marseille"})
    response = admin.post(url, {"code": "HQ", "city": "Lyon", "version": version})
    assert response.status_code == 200
    assert "Someone else saved" in response.content.decode()
    address.refresh_from_db()
    assert address.city == "Marseille"
    # saving again (with the refreshed token) keeps the user's value knowingly
    fresh = response.context["form"].data["version"]
    assert admin.post(url, {"code": "HQ", "city": "Lyon", "version": fresh}).status_code == 302
    address.refresh_from_db()
    assert address.city == "Lyon"


def test_alt_address_of_another_contact_is_404(admin):
    address = _alt(CompanyFactory())
    other = CompanyFactory()
    url = reverse("contacts:alt-address-update", args=[other.pk, address.pk])
    assert admin.get(url).status_code == 404


# -- card ----------------------------------------------------------------------------------------


def test_card_actions_and_fragments(admin):
    """The card offers log interaction / phone call / opportunity / task (cover sheet when the
    interactions area provides it) and loads statistics and campaign prices by htmx."""
    company = CompanyFactory()
    body = admin.get(company.get_absolute_url()).content.decode()
    q = f"?contact={company.pk}"
    assert reverse("interactions:entry-create") + q in body
    assert reverse("interactions:phone-call") + q in body
    assert reverse("opportunities:opportunity-create") + q in body
    assert reverse("opportunities:task-create") + q in body
    assert f"{reverse('interactions:index')}?company={company.pk}" in body
    assert reverse("campaigns:contact-campaign-prices", args=[company.pk]) in body
    assert reverse("reports:contact-statistics", args=[company.pk]) in body
    assert "statistics" not in admin.get(company.get_absolute_url()).context


def test_card_query_budget_with_actions(admin, django_assert_max_num_queries):
    company = CompanyFactory()
    with django_assert_max_num_queries(12):
        assert admin.get(company.get_absolute_url()).status_code == 200
