import pytest
from django.urls import reverse

from contacts.models import Contact, ContactMailingGroup
from contacts.views import PERSONS_PAGE_SIZE
from tests.factories.contacts import (
    CompanyFactory,
    ContactIndustryGroupFactory,
    ContactMailingGroupFactory,
    MailingGroupFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client, sales_user):
    client.force_login(sales_user)
    return client


def test_anonymous_is_redirected_to_login(client):
    response = client.get(reverse("contacts:contact-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_user_without_permission_gets_403(client, make_user):
    client.force_login(make_user("nobody"))
    company = CompanyFactory()
    for url in (
        reverse("contacts:contact-list"),
        reverse("contacts:contact-detail", args=[company.pk]),
        reverse("contacts:contact-create"),
        reverse("contacts:contact-update", args=[company.pk]),
        reverse("contacts:contact-delete", args=[company.pk]),
    ):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_budget(rep, rows, django_assert_max_num_queries):
    """The list costs the same whatever the number of rows (≤ 12 queries)."""
    CompanyFactory.create_batch(rows)
    with django_assert_max_num_queries(12):
        response = rep.get(reverse("contacts:contact-list"))
    assert response.status_code == 200
    assert len(response.context["object_list"]) == rows


def test_list_htmx_gets_only_the_partial(rep):
    CompanyFactory(name="Acme Ltd")
    response = rep.get(reverse("contacts:contact-list"), {"q": "acme"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body
    assert "Acme Ltd" in body


def test_list_paginates_without_count(rep):
    CompanyFactory.create_batch(51)
    first = rep.get(reverse("contacts:contact-list"))
    assert first.context["page_obj"].has_next()
    second = rep.get(reverse("contacts:contact-list"), {"page": 2})
    assert len(second.context["object_list"]) == 1
    assert not second.context["page_obj"].has_next()


@pytest.mark.parametrize("persons", [1, 30])
def test_card_query_budget(rep, persons, django_assert_max_num_queries):
    """The card costs ≤ 12 queries whatever the number of persons."""
    company = CompanyFactory()
    PersonFactory.create_batch(persons, company=company, company_name=company.name)
    with django_assert_max_num_queries(12):
        response = rep.get(reverse("contacts:contact-detail", args=[company.pk]))
    assert response.status_code == 200
    assert len(response.context["persons"]) == min(persons, PERSONS_PAGE_SIZE)


@pytest.mark.parametrize("rows", [1, 30])
def test_section_query_budget(rep, rows, django_assert_max_num_queries):
    company = CompanyFactory()
    for _ in range(rows):
        ContactMailingGroupFactory(contact=company)
    url = reverse("contacts:contact-section", args=[company.pk, "mailing-groups"])
    with django_assert_max_num_queries(12):
        response = rep.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_create_redirects_to_card(rep, mksetup):
    response = rep.post(reverse("contacts:contact-create"), {"type": "company", "name": "Acme"})
    contact = Contact.objects.get(name="Acme")
    assert response.status_code == 302
    assert response.url == contact.get_absolute_url()
    assert contact.number == "CT000001"


def test_create_shows_errors_in_place(rep, mksetup):
    """C-9 on the page: the phone error sits on the phone field."""
    response = rep.post(
        reverse("contacts:contact-create"), {"type": "company", "name": "A", "phone": "12ab"}
    )
    assert response.status_code == 200
    assert "may contain digits" in str(response.context["form"].errors["phone"])


def test_s10_create_form_offers_series_picker(rep, mksetup):
    """S-10: a setup series with related series shows a series picker."""
    from setup.models import NumberSeriesRelationship
    from tests.factories.setup import series_with_line

    other = series_with_line("ALT", "AL0001")
    NumberSeriesRelationship.objects.create(series=mksetup.contact_series, related=other)
    response = rep.get(reverse("contacts:contact-create"))
    assert "number_series" in response.context["form"].fields
    rep.post(
        reverse("contacts:contact-create"),
        {"type": "company", "name": "Acme", "number_series": other.pk},
    )
    assert Contact.objects.get(name="Acme").number == "AL0001"


def test_c20_ambiguous_company_shows_pick_list(rep, mksetup):
    """C-20 on the page: an ambiguous company name turns into a pick list."""
    CompanyFactory(name="Globex Paris")
    CompanyFactory(name="Globex Lyon")
    response = rep.post(
        reverse("contacts:contact-create"),
        {"type": "person", "name": "Ann Lee", "company_text": "Globex"},
    )
    assert response.status_code == 200
    assert "Ambiguous company name" in response.content.decode()
    assert 'type="radio"' in response.content.decode()


def test_update_get_and_post(rep, mksetup):
    company = CompanyFactory(name="Acme")
    url = reverse("contacts:contact-update", args=[company.pk])
    assert rep.get(url).status_code == 200
    version = rep.get(url).context["form"]["version"].value()
    response = rep.post(url, {"name": "Acme Group", "phone": "123", "version": version})
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.phone) == ("Acme Group", "123")


def test_delete_and_change_type_views(rep, mksetup):
    company = CompanyFactory(name="Ann Lee")
    change = reverse("contacts:contact-change-type", args=[company.pk])
    assert rep.get(change).status_code == 200
    assert rep.post(change).status_code == 302
    company.refresh_from_db()
    assert company.type == "person"
    delete = reverse("contacts:contact-delete", args=[company.pk])
    assert rep.get(delete).status_code == 200
    assert rep.post(delete).status_code == 302
    assert not Contact.objects.filter(pk=company.pk).exists()


def test_change_type_refusal_is_shown(rep, mksetup):
    company = CompanyFactory()
    ContactIndustryGroupFactory(contact=company)
    response = rep.post(reverse("contacts:contact-change-type", args=[company.pk]))
    assert response.status_code == 200
    assert "cannot become a person" in response.content.decode()


def test_section_add_and_remove_mailing_group(rep):
    company = CompanyFactory()
    group = MailingGroupFactory(code="GIFT")
    url = reverse("contacts:contact-section", args=[company.pk, "mailing-groups"])
    response = rep.post(url, {"mailing-groups-mailing_group": group.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "GIFT" in response.content.decode()
    row = ContactMailingGroup.objects.get(contact=company)
    rep.post(url, {"remove": row.pk}, HTTP_HX_REQUEST="true")
    assert not ContactMailingGroup.objects.filter(contact=company).exists()


def test_section_refusal_rerenders_with_200(rep):
    """C-30 on the card: an industry group on a person is not offered (read-only section)."""
    person = PersonFactory()
    url = reverse("contacts:contact-section", args=[person.pk, "job-responsibilities"])
    assert rep.get(url).status_code == 200
    company = CompanyFactory()
    url = reverse("contacts:contact-section", args=[company.pk, "job-responsibilities"])
    response = rep.post(url, {"job-responsibilities-job_responsibility": ""})
    assert response.status_code == 200


def test_section_post_needs_change_permission(client, make_user):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(viewer)
    company = CompanyFactory()
    url = reverse("contacts:contact-section", args=[company.pk, "mailing-groups"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"remove": 1}).status_code == 403


def test_person_company_sections_are_read_only(rep):
    """CON-40 on the card: a person's industry groups are its company's; no form, and a forged
    remove is refused with the service's message, the company's row kept."""
    company = CompanyFactory()
    person = PersonFactory(company=company, company_name=company.name)
    row = ContactIndustryGroupFactory(contact=company)
    url = reverse("contacts:contact-section", args=[person.pk, "industry-groups"])
    body = rep.get(url).content.decode()
    assert str(row.industry_group) in body and "<form" not in body
    response = rep.post(url, {"remove": row.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Only companies can have industry groups." in response.content.decode()
    assert company.industry_groups.filter(pk=row.pk).exists()
