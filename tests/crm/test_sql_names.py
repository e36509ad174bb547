import pytest
from django.core.exceptions import FieldDoesNotExist

from contacts.models import Contact
from crm.sql import column, columns, table


def test_names_come_from_the_model_meta():
    assert table(Contact) == f'"{Contact._meta.db_table}"'
    assert column(Contact, "company") == '"company_id"'
    assert column(Contact, "company", alias="c") == 'c."company_id"'
    assert columns(Contact, "name", "company") == '"name", "company_id"'


def test_an_unknown_field_fails_at_once():
    with pytest.raises(FieldDoesNotExist):
        column(Contact, "no_such_field")
