import pytest
from django.core.exceptions import ValidationError

from interactions.models import InteractionLogEntry
from segments.models import LoggedSegment, Segment
from segments.services import segment_line_add, segment_log, segment_update
from tests.factories.contacts import (
    CompanyFactory,
    ContactAltAddressDateRangeFactory,
    ContactAltAddressFactory,
    PersonFactory,
)
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_segment(new_segment):
    template = InteractionTemplateFactory(code="MAIL", correspondence_type="email")
    return new_segment(template=template, salesperson=SalespersonFactory())


def test_sg18_sg19_logging_creates_interactions_and_removes_segment(
    ready_segment, marketing_user, django_capture_on_commit_callbacks
):
    """SG-18/SG-19: logging creates a logged segment and one interaction per line, the segment
    disappears and its number cannot be logged again."""
    contacts = [CompanyFactory(), PersonFactory()]
    for contact in contacts:
        segment_line_add(segment=ready_segment, contact=contact)
    number = ready_segment.number
    with django_capture_on_commit_callbacks(execute=True):
        logged, _job, _follow = segment_log(segment=ready_segment, user=marketing_user)
    assert not Segment.objects.filter(number=number).exists()
    assert logged.segment_number == number
    entries = InteractionLogEntry.objects.filter(segment_number=number)
    assert set(entries.values_list("contact_id", flat=True)) == {c.pk for c in contacts}
    assert entries.count() == 2
    # the number cannot be logged again
    again = Segment.objects.create(number=number, description="Again", template=logged_template())
    segment_line_add(segment=again, contact=contacts[0])
    with pytest.raises(ValidationError, match="already been logged"):
        segment_log(segment=again, user=marketing_user)


def logged_template():
    return InteractionTemplateFactory(code="MAIL")


def test_sg20_follow_up_segment(ready_segment, marketing_user, django_capture_on_commit_callbacks):
    """SG-20: the follow-up segment is numbered, described "Follow-up on segment <no>" and has
    the same contacts."""
    contacts = [CompanyFactory(), CompanyFactory()]
    for contact in contacts:
        segment_line_add(segment=ready_segment, contact=contact)
    number = ready_segment.number
    with django_capture_on_commit_callbacks(execute=True):
        _logged, _job, follow = segment_log(
            segment=ready_segment, user=marketing_user, follow_up=True
        )
    assert follow.number != number
    assert follow.description == f"Follow-up on segment {number}"
    assert set(follow.lines.values_list("contact_id", flat=True)) == {c.pk for c in contacts}


def test_sg21_send_needs_an_email_unless_alt_address_has_one(ready_segment, marketing_user):
    """SG-21: logging with send fails for an e-mail line whose contact has no e-mail, unless
    its active alternate address has one."""
    contact = CompanyFactory(email="", correspondence_type="email")
    segment_line_add(segment=ready_segment, contact=contact)
    with pytest.raises(ValidationError, match="no e-mail address"):
        segment_log(segment=ready_segment, user=marketing_user, send=True)
    alt = ContactAltAddressFactory(contact=contact, email="alt@example.test")
    ContactAltAddressDateRangeFactory(
        contact=contact, alt_address=alt, starting_date=ready_segment.date
    )
    logged, _job, _follow = segment_log(segment=ready_segment, user=marketing_user, send=True)
    assert LoggedSegment.objects.filter(pk=logged.pk).exists()


def test_sg29_logging_fails_when_contact_became_privacy_blocked(ready_segment, marketing_user):
    """SG-29: logging fails when a line's contact became privacy-blocked."""
    contact = CompanyFactory()
    segment_line_add(segment=ready_segment, contact=contact)
    type(contact).objects.filter(pk=contact.pk).update(is_privacy_blocked=True)
    with pytest.raises(ValidationError, match="privacy"):
        segment_log(segment=ready_segment, user=marketing_user)
    assert Segment.objects.filter(pk=ready_segment.pk).exists()
    assert not LoggedSegment.objects.exists()


def test_sg18_without_description_fails(ready_segment, marketing_user):
    """SG-18: logging without description fails."""
    segment_line_add(segment=ready_segment, contact=CompanyFactory())
    segment = segment_update(segment=ready_segment, data={"description": ""})
    with pytest.raises(ValidationError, match="description"):
        segment_log(segment=segment, user=marketing_user)


def test_logging_a_large_segment_analyzes_each_changed_table_once(
    ready_segment, marketing_user, monkeypatch
):
    """A log that changes a large share of the entries and of the lines leaves both tables
    analyzed, each once: the bulk log analyzes the entries it inserted, the segment its
    deleted lines (a second ANALYZE of the entries cost 0.45 s at 5M rows for nothing)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from segments.models import SegmentLine
    from segments.services import header

    for contact in (CompanyFactory(), PersonFactory()):
        segment_line_add(segment=ready_segment, contact=contact)
    monkeypatch.setattr(header, "ANALYZE_AFTER_ROWS", 1)
    with CaptureQueriesContext(connection) as ctx:
        segment_log(segment=ready_segment, user=marketing_user)
    analyzed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    quote = connection.ops.quote_name
    assert sorted(sql.split(" (")[0] for sql in analyzed) == sorted(
        [
            f"ANALYZE {quote(InteractionLogEntry._meta.db_table)}",
            f"ANALYZE {quote(SegmentLine._meta.db_table)}",
        ]
    )
