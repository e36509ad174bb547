import pytest

from tests.factories.contacts import (
    CommentLineFactory,
    ContactAltAddressDateRangeFactory,
    ContactJobResponsibilityFactory,
    ContactWebSourceFactory,
    PersonFactory,
)


@pytest.mark.django_db
def test_factories_build_valid_rows():
    person = PersonFactory()
    assert person.company.company_id == person.company.pk
    ContactJobResponsibilityFactory()
    ContactWebSourceFactory()
    ContactAltAddressDateRangeFactory()
    CommentLineFactory()
