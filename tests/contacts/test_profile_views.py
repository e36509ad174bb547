"""Profile pages (SPEC 9.4) and the contact-card fragment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import ContactProfileAnswer
from crm.models import BulkJob
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.profiles import (
    ProfileAnswerFactory,
    ProfileQuestionFactory,
    ProfileQuestionnaireFactory,
    customer_company,
    sale,
)

pytestmark = pytest.mark.django_db


def test_questionnaire_pages_render(client, admin_user_):
    questionnaire = ProfileQuestionnaireFactory()
    question = ProfileQuestionFactory(questionnaire=questionnaire)
    ProfileAnswerFactory(question=question)
    client.force_login(admin_user_)
    for url in (
        reverse("contacts:profile-index"),
        questionnaire.get_absolute_url(),
        reverse("contacts:profile-question-detail", args=[question.pk]),
        reverse("contacts:profile-handout", args=[questionnaire.pk]),
        reverse("contacts:profile-test", args=[questionnaire.pk]),
        reverse("contacts:profile-classification"),
        reverse("contacts:profile-questionnaire-create"),
    ):
        assert client.get(url).status_code == 200, url


def test_questionnaire_create_question_and_answer(client, admin_user_):
    client.force_login(admin_user_)
    response = client.post(
        reverse("contacts:profile-questionnaire-create"),
        {"code": "size", "description": "Size", "contact_type": "", "priority": "normal"},
    )
    assert response.status_code == 302
    questionnaire = ProfileQuestionnaireFactory._meta.model.objects.get(code="SIZE")
    client.post(
        reverse("contacts:profile-question-create", args=[questionnaire.pk]),
        {"text": "How big?"},
    )
    question = questionnaire.questions.get()
    client.post(
        reverse("contacts:profile-answer-create", args=[question.pk]),
        {"text": "Big", "from_value": "0", "to_value": "0", "priority": "normal"},
    )
    assert question.answers.get().text == "Big"
    assert question.position == 10


def test_contact_profile_fragment_saves_answers(client, admin_user_):
    question = ProfileQuestionFactory()
    answer = ProfileAnswerFactory(question=question)
    contact = CompanyFactory()
    client.force_login(admin_user_)
    url = reverse("contacts:contact-profile", args=[contact.pk])
    assert answer.text in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    response = client.post(
        url, {"q": question.questionnaire_id, f"answers-{question.pk}": answer.pk}
    )
    assert response.status_code == 200
    assert ContactProfileAnswer.objects.filter(contact=contact, answer=answer).exists()
    client.post(url, {"q": question.questionnaire_id})
    assert not ContactProfileAnswer.objects.filter(contact=contact).exists()


def test_c51_contact_profile_fragment_refuses_minor(client, admin_user_):
    """C-51: the card refuses an answer for a minor and writes nothing."""
    question = ProfileQuestionFactory()
    answer = ProfileAnswerFactory(question=question)
    minor = PersonFactory(is_minor=True, is_privacy_blocked=True)
    client.force_login(admin_user_)
    response = client.post(
        reverse("contacts:contact-profile", args=[minor.pk]),
        {"q": question.questionnaire_id, f"answers-{question.pk}": answer.pk},
    )
    assert "minor" in response.content.decode()
    assert not ContactProfileAnswer.objects.exists()


def test_classification_view_runs_job(client, admin_user_, django_capture_on_commit_callbacks):
    """P-3 through the page: the form starts the job; the poll stops when finished."""
    questionnaire = ProfileQuestionnaireFactory(contact_type="companies")
    question = ProfileQuestionFactory(
        questionnaire=questionnaire,
        is_automatic=True,
        customer_field="sales",
        classification_method="defined_value",
        starting_date_formula="-1Y",
        ending_date_formula="0D",
    )
    ProfileAnswerFactory(question=question, text="A", from_value=Decimal(500000))
    company = customer_company("W1")
    sale("W1", Decimal(600000), posting_date=dt.date(2025, 3, 1))
    client.force_login(admin_user_)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contacts:profile-classification"),
            {"run_date": "2025-06-30", "questionnaire": questionnaire.pk},
        )
    job = BulkJob.objects.get()
    assert response.url == reverse("contacts:profile-classification-job", args=[job.pk])
    assert ContactProfileAnswer.objects.get(question=question).contact == company
    poll = client.get(response.url, HTTP_HX_REQUEST="true")
    assert poll.status_code == 286
