import pytest
from django.core.exceptions import FieldDoesNotExist

from contacts.models import Contact
from crm.sql import Alias, column, columns, table


def test_names_come_from_the_model_meta():
    assert table(Contact) == f'"{Contact._meta.db_table}"'
    assert column(Contact, "company") == '"company_id"'
    assert column(Contact, "company", alias="c") == 'c."company_id"'
    assert columns(Contact, "name", "company") == '"name", "company_id"'


def test_an_unknown_field_fails_at_once():
    with pytest.raises(FieldDoesNotExist):
        column(Contact, "no_such_field")


def test_column_follows_a_renamed_database_column(monkeypatch):
    # given: the field keeps its name, its database column changes (``db_column``)
    monkeypatch.setattr(Contact._meta.get_field("company"), "column", "employer_id")
    # when / then
    assert column(Contact, "company") == '"employer_id"'
    assert column(Contact, "company", alias="c") == 'c."employer_id"'
    assert Alias(Contact, "c").company == 'c."employer_id"'


def test_alias_names_columns_and_prints_as_the_alias():
    c = Alias(Contact, "c")
    assert f"FROM {table(Contact)} {c} WHERE {c.type} = %s" == (
        f'FROM {table(Contact)} c WHERE c."type" = %s'
    )
    assert c.id == 'c."id"'


def test_alias_of_an_unknown_field_fails_at_once():
    with pytest.raises(FieldDoesNotExist):
        _ = Alias(Contact, "c").no_such_field
    with pytest.raises(AttributeError):  # copy/pickle probes are not columns
        _ = Alias(Contact, "c").__deepcopy__
