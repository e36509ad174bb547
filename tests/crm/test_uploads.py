"""Uploaded files are limited in size and type, whatever the form (crm.upload_guard)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.validators import FileSizeValidator, attachment_validators, image_validators

pytestmark = pytest.mark.django_db


def test_size_validator_refuses_a_file_over_the_limit():
    validator = FileSizeValidator(10)
    validator(SimpleUploadedFile("a.pdf", b"x" * 10))
    with pytest.raises(ValidationError, match="the limit is 10"):
        validator(SimpleUploadedFile("a.pdf", b"x" * 11))


def test_type_validators():
    for validator in attachment_validators():
        validator(SimpleUploadedFile("offer.PDF", b"%PDF"))
    with pytest.raises(ValidationError):
        for validator in image_validators():
            validator(SimpleUploadedFile("offer.pdf", b"%PDF"))
    with pytest.raises(ValidationError):
        for validator in attachment_validators():
            validator(SimpleUploadedFile("run.exe", b"MZ"))


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [("payload.exe", 10, "not accepted"), ("big.csv", 2048, "the limit is")],
)
def test_every_upload_is_guarded(client, sales_user, settings, name, size, message):
    settings.MAX_UPLOAD_SIZE = 1024
    client.force_login(sales_user)
    upload = SimpleUploadedFile(name, b"x" * size)
    response = client.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_accepted_upload_passes_the_guard(client, sales_user):
    client.force_login(sales_user)
    upload = SimpleUploadedFile("contacts.csv", b"name\nAcme\n", content_type="text/csv")
    response = client.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code != 400
