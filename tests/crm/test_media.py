"""Uploaded files are served by a view that checks the owning record's permission (production
has no other /media/ route), never as active content."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interactions.models import Attachment
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def picture():
    company = CompanyFactory()
    company.image.save("logo.png", ContentFile(PNG), save=True)
    return company


@pytest.fixture
def document():
    attachment = Attachment(file_name="offer.pdf")
    attachment.file.save("offer.pdf", ContentFile(b"%PDF-1.4 offer"), save=True)
    return attachment


def test_a_contact_picture_is_served_inline_to_a_user_who_may_view_contacts(
    client, sales_user, picture
):
    client.force_login(sales_user)
    response = client.get(picture.image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG


def test_a_document_is_always_a_download(client, sales_user, document):
    client.force_login(sales_user)
    response = client.get(document.file.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_named_png_that_is_not_one_is_downloaded_not_shown(client, sales_user):
    company = CompanyFactory()
    company.image.save("fake.png", ContentFile(b"GIF? no: plain bytes"), save=True)
    client.force_login(sales_user)
    response = client.get(company.image.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_no_permission_no_file_and_no_hint_that_it_exists(client, make_user, picture, document):
    nobody = make_user("nobody")  # logged in, in no group
    client.force_login(nobody)
    assert client.get(picture.image.url).status_code == 404
    assert client.get(document.file.url).status_code == 404
    assert client.get("/media/contacts/missing.png").status_code == 404


def test_a_file_no_record_owns_and_paths_outside_media_are_refused(client, admin_user_, settings):
    client.force_login(admin_user_)
    stray = settings.MEDIA_ROOT / "contacts" / "stray.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(PNG)
    assert client.get("/media/contacts/stray.png").status_code == 404
    assert client.get("/media/../pyproject.toml").status_code == 404
    assert client.get("/media/contacts/%2e%2e/%2e%2e/manage.py").status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client, picture):
    response = client.get(picture.image.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_front_proxy_can_send_the_bytes(client, sales_user, picture, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    client.force_login(sales_user)
    response = client.get(picture.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + picture.image.name
    assert response.content == b""
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    settings.MEDIA_SENDFILE_HEADER = "X-Sendfile"
    response = client.get(picture.image.url)
    assert response["X-Sendfile"].endswith(picture.image.name)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"hello"),
        ("page.htm", b"hello"),
        ("feed.xml", b"hello"),
        ("logo.svg", b"hello"),
        ("notes.txt", b"  <html><script>alert(1)</script>"),
        ("photo.png", b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("data.csv", b"<?xml version='1.0'?><x/>"),
        ("letter.pdf", b"<!DOCTYPE html><p>hi"),
    ],
)
def test_active_content_is_refused_by_extension_and_by_content(client, sales_user, name, content):
    client.force_login(sales_user)
    response = client.post(
        reverse("contacts:contact-import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "not accepted" in body


def test_the_refusal_is_in_french_too(client, sales_user):
    client.force_login(sales_user)
    client.cookies["django_language"] = "fr"
    response = client.post(
        reverse("contacts:contact-import"),
        {"file": SimpleUploadedFile("notes.txt", b"<html><body>x")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert "contient une page web, une image SVG ou un script" in response.content.decode()
