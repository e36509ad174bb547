"""EML-7: a logged e-mail opens as a message from its interaction (headers, text body,
attachments to download), not only as a raw .eml file."""

from email.message import EmailMessage
from email.policy import default

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interactions.models import Attachment
from tests.factories.interactions import InteractionLogEntryFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 offer"


def _logged(message: EmailMessage, **entry):
    attachment = Attachment(file_name="abc.eml", is_read_only=True, email_message_id="<m@x>")
    attachment.file.save("abc.eml", ContentFile(message.as_bytes(policy=default)), save=False)
    attachment.save()
    return InteractionLogEntryFactory(attachment=attachment, is_email_logged=True, **entry)


def _mail(*, html_only=False) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Sam Seller <sam@us.test>"
    message["To"] = "Ann Buyer <ann@acme.test>"
    message["Cc"] = "bob@acme.test"
    message["Date"] = "Tue, 03 Mar 2026 10:15:00 +0000"
    message["Subject"] = "Offre été 2026"
    html = "<p>Hello <b>Ann</b>,</p><script>alert('x')</script><p>see the offer</p>"
    if html_only:
        message.set_content(html, subtype="html")
    else:
        message.set_content("Hello Ann,\nsee the offer attached.")
        message.add_alternative(html, subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="offer.pdf")
    message.add_attachment("<script>alert(1)</script>", subtype="html", filename="page.html")
    return message


@pytest.fixture
def client_(client, sales_user):
    client.force_login(sales_user)
    return client


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["From", "To", "Cc", "Subject", "Attachments"]),
        ("fr", ["De", "À", "Cc", "Objet", "Pièces jointes"]),
    ],
)
def test_eml7_logged_email_opens_as_a_message(client_, language, labels):
    """EML-7: headers From/To/Cc/Date/Subject, the text body and the attachments list with
    download links, labelled in the user's language."""
    # given
    entry = _logged(_mail())
    # when
    response = client_.get(
        reverse("interactions:entry-message", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    # then
    assert response.status_code == 200
    content = response.content.decode()
    for label in labels:
        assert f">{label}<" in content
    assert "Sam Seller &lt;sam@us.test&gt;" in content
    assert "Ann Buyer &lt;ann@acme.test&gt;" in content and "bob@acme.test" in content
    assert "Offre été 2026" in content
    assert "2026" in response.context["message"].date.isoformat()
    assert "Hello Ann,\nsee the offer attached." in content
    parts = response.context["message"].attachments
    assert [(p.file_name, p.content_type) for p in parts] == [
        ("offer.pdf", "application/pdf"),
        ("page.html", "text/html"),
    ]
    for part in parts:
        assert reverse("interactions:entry-message-part", args=[entry.pk, part.index]) in content
    assert "<script>alert" not in content


def test_eml7_html_only_body_is_shown_as_text_never_run(client_):
    """EML-7: an HTML-only body is shown as its text: no tag of the message reaches the page,
    the script's code is not even shown."""
    entry = _logged(_mail(html_only=True))
    response = client_.get(reverse("interactions:entry-message", args=[entry.pk]))
    content = response.content.decode()
    body = response.context["message"].body
    assert body == "Hello Ann,\n\nsee the offer"
    assert "<b>Ann</b>" not in content and "alert(" not in content
    assert "written in HTML" in content


def test_eml7_attachment_downloads_as_a_file(client_):
    """EML-7: each attachment downloads with its name; HTML never comes back as HTML."""
    entry = _logged(_mail())
    pdf = client_.get(reverse("interactions:entry-message-part", args=[entry.pk, 1]))
    assert pdf.status_code == 200
    assert pdf.content == PDF and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert 'filename="offer.pdf"' in pdf["Content-Disposition"]
    page = client_.get(reverse("interactions:entry-message-part", args=[entry.pk, 2]))
    assert page["Content-Type"] == "application/octet-stream"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Content-Disposition"].startswith("attachment")
    missing = client_.get(reverse("interactions:entry-message-part", args=[entry.pk, 3]))
    assert missing.status_code == 404


def test_eml7_interaction_card_links_to_the_message(client_):
    """EML-7: the interaction card and the log offer "Open the e-mail"."""
    entry = _logged(_mail(), description="Offer mail")
    url = reverse("interactions:entry-message", args=[entry.pk])
    card = client_.get(reverse("interactions:entry-detail", args=[entry.pk]))
    assert url in card.content.decode()
    log = client_.get(reverse("interactions:index"))
    assert url in log.content.decode()


def test_eml7_entry_without_message_is_404_and_strangers_are_refused(client, make_user):
    plain = InteractionLogEntryFactory()
    logged = _logged(_mail())
    client.force_login(make_user("stranger"))
    assert client.get(reverse("interactions:entry-message", args=[logged.pk])).status_code == 403
    client.force_login(make_user("seller", groups=["Sales"]))
    assert client.get(reverse("interactions:entry-message", args=[plain.pk])).status_code == 404
