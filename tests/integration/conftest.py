from tests.contacts.conftest import mksetup  # noqa: F401  (contact series for contact_create)
