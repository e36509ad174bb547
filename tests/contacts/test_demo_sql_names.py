import pytest

from contacts.demo import insert_select
from contacts.models import ContactMailingGroup


def test_insert_select_refuses_a_column_the_model_does_not_have():
    """A field renamed in the model but still named in a demo insert fails at once, instead of
    silently getting its default."""
    with pytest.raises(ValueError, match=r"unknown contacts\.ContactMailingGroup columns"):
        insert_select(ContactMailingGroup, {"group_id": "1"}, "", {})
