"""Letters to print (INT-21) at print-run size: the page costs a bounded number of queries."""

import pytest
from django.urls import reverse

from setup.models import MarketingSetup
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
    LanguageFactory,
    PersonFactory,
)
from tests.factories.setup import SalutationFactory, SalutationFormulaFactory

pytestmark = pytest.mark.django_db

LETTERS_PAGE_MAX_QUERIES = 10  # 9 measured: session, user, perms, entries, 2 prefetches, formulas…


@pytest.mark.parametrize("count", [10, 200])
def test_int21_letters_to_print_queries_do_not_grow_with_salutations(
    client, marketing_user, django_assert_max_num_queries, count
):
    """INT-21: a print run of 10 or 200 letters, each with a formal salutation (some in the
    contact's language, some in the default language) and a body rendered from the language
    row, costs the same bounded number of queries."""
    # given
    english, french = LanguageFactory(code="ENG"), LanguageFactory(code="FRA")
    setup = MarketingSetup.load()
    setup.default_language = english
    setup.save()
    salutation = SalutationFactory()
    SalutationFormulaFactory(salutation=salutation, language=english, formula="Dear %1 %3,")
    SalutationFormulaFactory(salutation=salutation, language=french, formula="Cher %1 %3,")
    SalutationFormulaFactory(
        salutation=salutation, language=french, salutation_type="informal", formula="Salut %1,"
    )
    template = InteractionTemplateFactory(correspondence_type="hard_copy")
    InteractionTemplateLanguageFactory(
        template=template, language=french, email_body="Bonjour {{ salutation_informal }}"
    )
    company = CompanyFactory(name="Acme")
    for number in range(count):
        language = french if number % 2 else None
        person = PersonFactory(
            company=company,
            first_name=f"Ann{number}",
            surname="Smith",
            salutation=salutation,
            language=language,
        )
        InteractionLogEntryFactory(
            contact=person,
            template=template,
            language=language,
            correspondence_type="hard_copy",
            email_body="" if language else "Stored body.",
        )
    client.force_login(marketing_user)
    # when
    with django_assert_max_num_queries(LETTERS_PAGE_MAX_QUERIES):
        response = client.get(reverse("interactions:letters-to-print"))
    # then
    assert response.status_code == 200
    letters = response.context["letters"]
    assert len(letters) == count
    by_name = {letter.contact.first_name: letter for letter in letters}
    assert by_name["Ann0"].salutation == "Dear Ann0 Smith,"
    assert by_name["Ann0"].body == "Stored body."
    assert by_name["Ann1"].salutation == "Cher Ann1 Smith,"
    assert by_name["Ann1"].body == "Bonjour Salut Ann1,"
    assert "Cher Ann1 Smith," in response.content.decode()
