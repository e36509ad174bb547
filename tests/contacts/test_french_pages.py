"""Contact pages in French: no English left in the sort choices, the import hint, the
questionnaire handout, the company card's persons."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories.contacts import CompanyFactory
from tests.factories.profiles import (
    ProfileAnswerFactory,
    ProfileQuestionFactory,
    ProfileQuestionnaireFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def french(client, admin_user_):
    client.force_login(admin_user_)
    client.cookies["django_language"] = "fr"
    return client


def test_list_sort_choices_are_french(french):
    body = french.get(reverse("contacts:contact-list")).content.decode()
    assert ">Nom (décroissant)<" in body
    assert ">Date de dernière modification (décroissant)<" in body
    assert "(descending)" not in body
    assert "Importer des contacts" in body


def test_import_hint_is_french(french):
    body = french.get(reverse("contacts:contact-import")).content.decode()
    assert "CSV UTF-8 avec une ligne d" in body
    assert "UTF-8 CSV with" not in body


def test_import_mapping_offers_the_default_type_in_french(french):
    upload = SimpleUploadedFile("c.csv", b"name\nAcme\n", "text/csv")
    french.post(reverse("contacts:contact-import"), {"file": upload})
    body = french.get(reverse("contacts:contact-import-mapping")).content.decode()
    assert "Type de contact des lignes sans type" in body
    assert ">Personne<" in body


def test_questionnaire_handout_is_french(french):
    questionnaire = ProfileQuestionnaireFactory()
    question = ProfileQuestionFactory(questionnaire=questionnaire, allows_multiple_answers=True)
    ProfileAnswerFactory(question=question)
    body = french.get(reverse("contacts:profile-handout", args=[questionnaire.pk])).content.decode()
    assert "Contact : ___" in body
    assert "Date : ___" in body
    assert "onclick" not in body  # the print button works under a strict CSP


def test_company_card_persons_are_french(french):
    company = CompanyFactory()
    body = french.get(reverse("contacts:contact-detail", args=[company.pk])).content.decode()
    assert "Ajouter une personne" in body
    assert "Aucune personne." in body
