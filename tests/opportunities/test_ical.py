"""Meeting invitations are written by the icalendar library and read back field by field."""

import datetime as dt
from types import SimpleNamespace

import icalendar
from django.utils import timezone

from opportunities.ical import meeting_bounds, meeting_ics
from opportunities.models import Attendance, Task

ORGANIZER = "boss@example.test"


def _task(**fields) -> Task:
    values = {
        "description": "Kick-off",
        "date": dt.date(2030, 1, 7),
        "start_time": dt.time(10, 0),
        "duration_min": 90,
        "location": "Room 1",
        "ical_uid": "task-42@crm",
        "ical_sequence": 3,
    }
    values.update(fields)
    return Task(**values)


def _attendee(name, email, attendance=Attendance.REQUIRED):
    return SimpleNamespace(name=name, email=email, attendance=attendance)


def _event(text: str) -> icalendar.Event:
    assert text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    return event


def test_t12_fields_round_trip_through_a_parser():
    """T-12: UID, SEQUENCE, start, end, summary, location, organizer and one ATTENDEE per
    attendee (roles and names) read back by a real iCalendar parser."""
    task = _task()
    attendees = [
        _attendee("Ana Núñez", "ana@example.test"),
        _attendee("Bo", "bo@example.test", Attendance.OPTIONAL),
        _attendee("Me", ORGANIZER, Attendance.ORGANIZER),
    ]
    event = _event(meeting_ics(task=task, attendees=attendees, organizer_email=ORGANIZER))
    start, end = meeting_bounds(task)
    assert str(event["uid"]) == "task-42@crm"
    assert event["sequence"] == 3
    assert event.decoded("dtstart") == start.astimezone(dt.UTC)
    assert event.decoded("dtend") == end.astimezone(dt.UTC)
    assert str(event["summary"]) == "Kick-off"
    assert str(event["location"]) == "Room 1"
    assert str(event["organizer"]) == f"mailto:{ORGANIZER}"
    parsed = {str(a): a.params for a in event["attendee"]}
    assert set(parsed) == {"mailto:ana@example.test", "mailto:bo@example.test"}
    assert parsed["mailto:ana@example.test"]["ROLE"] == "REQ-PARTICIPANT"
    assert parsed["mailto:ana@example.test"]["CN"] == "Ana Núñez"
    assert parsed["mailto:bo@example.test"]["ROLE"] == "OPT-PARTICIPANT"


def test_special_characters_bare_cr_and_long_text_survive():
    """Backslash, semicolon, comma, CRLF, bare CR and LF, and a long accented text (folded)
    come back unchanged, with every line break as one LF."""
    description = "Budget; Q1, Q2 \\ review\r\nsecond line\rthird line\nfourth " + "é" * 80
    task = _task(description=description, location="Bâtiment A;\rSalle 2")
    event = _event(meeting_ics(task=task, attendees=[], organizer_email=ORGANIZER))
    assert str(event["summary"]) == (
        "Budget; Q1, Q2 \\ review\nsecond line\nthird line\nfourth " + "é" * 80
    )
    assert str(event["location"]) == "Bâtiment A;\nSalle 2"


def test_all_day_meeting_and_cancel():
    task = _task(is_all_day=True, ending_date=dt.date(2030, 1, 8), start_time=None)
    text = meeting_ics(task=task, attendees=[], organizer_email=ORGANIZER, method="CANCEL")
    calendar = icalendar.Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL"
    assert event.decoded("dtstart") == dt.date(2030, 1, 7)
    assert event.decoded("dtend") == dt.date(2030, 1, 9)
    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("dtstamp") <= timezone.now()
