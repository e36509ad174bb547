"""The company card's persons: paginated in SQL, bounded queries, "Add person"."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from contacts.views import PERSONS_PAGE_SIZE
from setup.models import ContactType
from tests.factories.contacts import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db

MANY = 10_000


@pytest.fixture
def rep(client, sales_user):
    client.force_login(sales_user)
    return client


def _persons(company, count):
    Contact.objects.bulk_create(
        [
            Contact(
                number=f"P{i:07d}",
                type=ContactType.PERSON,
                name=f"Person {i:05d}",
                search_name=f"PERSON {i:05d}",
                company=company,
                company_name=company.name,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def test_card_of_a_company_with_10000_persons_shows_one_page(rep, django_assert_max_num_queries):
    """The card lists one page of persons (sorted by search name) and their total; the
    queries do not grow with the number of persons."""
    # given a company with 10,000 persons
    company = CompanyFactory(name="Big Co")
    _persons(company, MANY)
    # when its card is opened
    with django_assert_max_num_queries(12):
        response = rep.get(reverse("contacts:contact-detail", args=[company.pk]))
    # then one page of persons shows, in name order, with the total
    assert response.status_code == 200
    persons = list(response.context["persons"])
    assert len(persons) == PERSONS_PAGE_SIZE
    assert persons[0].name == "Person 00000"
    page = response.context["persons_page"]
    assert page.paginator.count == MANY
    assert page.has_next()
    assert 'id="add-person"' in response.content.decode()


def test_persons_fragment_pages_to_the_last_page_in_bounded_queries(
    rep, django_assert_max_num_queries
):
    # given a company with 10,000 persons
    company = CompanyFactory(name="Big Co")
    _persons(company, MANY)
    url = reverse("contacts:contact-persons", args=[company.pk])
    # when the last page is asked for through htmx
    with django_assert_max_num_queries(8):
        response = rep.get(url, {"page": "last"}, HTTP_HX_REQUEST="true")
    # then the fragment alone holds the last persons
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div class="card mt-3" id="persons">')
    assert "<html" not in body
    assert "Person 09999" in body
    assert "Person 09974" not in body
    assert response.context["persons_page"].number == MANY // PERSONS_PAGE_SIZE


def test_persons_fragment_of_a_person_is_404(rep):
    person = PersonFactory()
    url = reverse("contacts:contact-persons", args=[person.pk])
    assert rep.get(url).status_code == 404


def test_persons_fragment_needs_the_view_permission(client, make_user):
    client.force_login(make_user("nobody"))
    company = CompanyFactory()
    assert client.get(reverse("contacts:contact-persons", args=[company.pk])).status_code == 403


def test_add_person_prefills_the_company_and_links_the_person(rep, mksetup):
    """ "Add person" opens the new-contact form as a person of the company; saving the
    pre-filled form links the person to the company."""
    # given a company
    company = CompanyFactory(name="Acme")
    url = reverse("contacts:contact-create")
    # when the form is opened from the card's link
    response = rep.get(url, {"type": "person", "company": company.pk})
    form = response.context["form"]
    # then type, company and typed company name are pre-filled
    assert form["type"].value() == ContactType.PERSON
    assert str(form["company"].value()) == str(company.pk)
    assert form["company_text"].value() == "Acme"
    # and posting them creates a person of that company
    response = rep.post(
        url,
        {
            "type": "person",
            "name": "Ann Lee",
            "company": company.pk,
            "company_text": "Acme",
        },
    )
    person = Contact.objects.get(name="Ann Lee")
    assert response.status_code == 302
    assert (person.type, person.company_id, person.company_name) == ("person", company.pk, "Acme")


def test_add_person_ignores_a_company_that_is_not_a_company(rep, mksetup):
    person = PersonFactory()
    response = rep.get(reverse("contacts:contact-create"), {"company": person.pk})
    assert response.context["form"]["company_text"].value() in (None, "")
