"""EML-7 in a real browser, in English and in French: from the interaction card, open the
logged e-mail, read it, and download its attachment."""

from email.message import EmailMessage
from email.policy import default

import pytest
from django.core.files.base import ContentFile

from interactions.models import Attachment
from tests.factories.interactions import InteractionLogEntryFactory

OPEN = {"en": "Open the e-mail", "fr": "Ouvrir l’e-mail"}
SUBJECT = {"en": "Subject", "fr": "Objet"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_open_a_logged_email_from_its_interaction(live_server, login, make_user, language):
    """EML-7: the card's "Open the e-mail" shows headers and text (an HTML script stays
    inert text), and the attachment downloads with its name and bytes."""
    # given
    message = EmailMessage()
    message["From"] = "sam@us.test"
    message["To"] = "ann@acme.test"
    message["Date"] = "Tue, 03 Mar 2026 10:15:00 +0000"
    message["Subject"] = "Spring offer"
    message.set_content("<p>Dear Ann,</p><script>window.pwned = 1</script>", subtype="html")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="o.pdf")
    attachment = Attachment(file_name="m.eml", is_read_only=True)
    attachment.file.save("m.eml", ContentFile(message.as_bytes(policy=default)), save=False)
    attachment.save()
    entry = InteractionLogEntryFactory(attachment=attachment, is_email_logged=True)
    page = login(make_user("seller", groups=["Sales"]))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    # when
    page.goto(f"{live_server.url}/interactions/{entry.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name=OPEN[language]).click()
    # then
    card = page.locator("#message")
    assert "Spring offer" in card.locator("[data-header=subject]").inner_text()
    assert SUBJECT[language] in card.inner_text()
    assert "Dear Ann," in card.locator(".message-body").inner_text()
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=f".data/screenshot-logged-email-{language}.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="o.pdf").click()
    assert download.value.suggested_filename == "o.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == b"%PDF-1.4"
