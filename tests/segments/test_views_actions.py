import pytest
from django.urls import reverse

from crm.concurrency import version_token
from interactions.models import InteractionLogEntry
from segments.models import LoggedSegment
from segments.services import segment_line_add, segment_log
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def segment(new_segment):
    template = InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy")
    return new_segment(template=template, salesperson=SalespersonFactory())


def test_card_links_labels_cover_sheets_and_actions(marketing_client, segment):
    """SEG-52/53/54: the card links labels and cover sheets and offers the per-line actions."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    response = marketing_client.get(reverse("segments:segment-detail", args=[segment.pk]))
    content = response.content.decode()
    assert reverse("reports:segment-labels", args=[segment.pk]) in content
    assert reverse("segments:segment-cover-sheets", args=[segment.pk]) in content
    assert reverse("segments:segment-opportunities-create", args=[segment.pk]) in content
    assert reverse("segments:segment-tasks-create", args=[segment.pk]) in content


def test_seg8_last_line_delete_asks(marketing_client, segment):
    """SEG-8: deleting the last line asks whether to clear criteria and history."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    line = segment.lines.get()
    url = reverse("segments:segment-line-delete", args=[segment.pk, line.pk])
    response = marketing_client.post(url)
    assert response.status_code == 200
    assert b"clear_criteria" in response.content
    assert segment.lines.exists()
    marketing_client.post(url, {"clear_criteria": "yes"})
    assert not segment.lines.exists() and not segment.criteria_actions.exists()


def test_header_edit_stale_version_refused(marketing_client, segment):
    """SEG-3 edit page with optimistic locking: a stale token is refused with a message."""
    url = reverse("segments:segment-update", args=[segment.pk])
    token = version_token(segment)
    data = {
        "description": "Mine",
        "version": token,
        "unit_cost": "0",
        "unit_duration_min": "0",
        "information_flow": segment.information_flow,
        "initiated_by": segment.initiated_by,
    }
    segment.description = "Theirs"
    segment.save()
    response = marketing_client.post(url, data)
    assert response.status_code == 200
    assert "Someone else saved" in response.content.decode(), response.context["form"].errors
    segment.refresh_from_db()
    assert segment.description == "Theirs"


def test_sg22_logged_segment_cancel_page(marketing_client, segment, marketing_user):
    """SG-22 through the logged segments page: cancel applies to its interactions."""
    segment_line_add(segment=segment, contact=CompanyFactory())
    logged, _job, _follow = segment_log(segment=segment, user=marketing_user)
    response = marketing_client.get(reverse("segments:loggedsegment-list"))
    assert reverse("segments:loggedsegment-cancel", args=[logged.pk]) in response.content.decode()
    marketing_client.post(
        reverse("segments:loggedsegment-cancel", args=[logged.pk]), {"cancel": "1"}
    )
    assert LoggedSegment.objects.get(pk=logged.pk).is_canceled
    assert InteractionLogEntry.objects.get(logged_segment=logged).is_canceled


def test_seg52_cover_sheets_for_every_segment_contact(marketing_client, segment, marketing_user):
    """SEG-52 / INT-23: the segment's cover sheets print one sheet per contact on the segment."""
    first, second = CompanyFactory(name="Alpha SA"), CompanyFactory(name="Beta SARL")
    segment_line_add(segment=segment, contact=first, user=marketing_user)
    segment_line_add(segment=segment, contact=second, user=marketing_user)
    url = reverse("segments:segment-cover-sheets", args=[segment.pk])
    form = marketing_client.get(url)
    assert form.status_code == 200
    assert "2 contacts" in form.content.decode()
    sheets = marketing_client.post(url, {"free_text": "Catalogue 2027", "remarks": ""})
    content = sheets.content.decode()
    assert sheets.status_code == 200
    assert "Alpha SA" in content and "Beta SARL" in content
    assert content.count("Catalogue 2027") >= 2


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This segment has no lines: there are no cover sheets to print."),
        ("fr", "Ce segment n'a aucune ligne : il n'y a pas de page de garde à imprimer."),
    ],
)
def test_a_segment_without_lines_offers_no_cover_sheets(
    marketing_client, segment, language, message
):
    """SEG-52: a segment with no lines shows no cover-sheet link, and the address of its
    cover sheets leads back to the card with the reason, in the user's language (it answered
    404)."""
    from django.utils.html import escape

    marketing_client.cookies["django_language"] = language
    card = reverse("segments:segment-detail", args=[segment.pk])
    url = reverse("segments:segment-cover-sheets", args=[segment.pk])
    assert url not in marketing_client.get(card).content.decode()
    for response in (
        marketing_client.get(url, follow=True),
        marketing_client.post(url, {"free_text": "x"}, follow=True),
    ):
        assert response.redirect_chain == [(card, 302)]
        assert escape(message) in response.content.decode()
