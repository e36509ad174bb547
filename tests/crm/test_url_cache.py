from django.urls import reverse, set_script_prefix

from crm.url_cache import reverse_pk


def test_reverse_pk_is_reverse():
    for pk in (1, 42, 10**12):
        assert reverse_pk("contacts:contact-detail", pk) == reverse(
            "contacts:contact-detail", args=[pk]
        )


def test_reverse_pk_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert reverse_pk("contacts:contact-detail", 7) == "/crm/contacts/7/"
    finally:
        set_script_prefix("/")
    assert reverse_pk("contacts:contact-detail", 7) == "/contacts/7/"
