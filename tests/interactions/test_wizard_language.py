"""The interaction wizard speaks the user's language (English and French) everywhere."""

import pytest
from django.urls import reverse

from tests.factories.interactions import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "label", "english_label"),
    [("en", "Contact:", None), ("fr", "Contact :", "Contact:")],
)
def test_wizard_contact_label_is_translated(client, marketing_user, language, label, english_label):
    """SPEC 4.3 step 1: the contact chosen on the page that opened the wizard is shown as
    "Contact:" in English and "Contact :" in French (never the English label in French)."""
    # given
    contact = CompanyFactory(name="Acme")
    client.force_login(marketing_user)
    # when
    response = client.get(
        reverse("interactions:entry-create"),
        {"contact": contact.pk},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    # then
    content = response.content.decode()
    assert f"{label} <strong>{contact.number} Acme</strong>" in content
    if english_label:
        assert english_label not in content
