"""iCalendar (RFC 5545) text of a meeting invitation (TSK-22/23)."""

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from .models import Attendance, Attendee, Task

PRODID = "-//Open CRM//Meetings//EN"


def meeting_bounds(task: Task) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end of a timed meeting, in the installation's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(task.date, task.start_time or dt.time(0), tzinfo=zone)
    return start, start + dt.timedelta(minutes=task.duration_min or 0)


def meeting_ics(
    *, task: Task, attendees: Iterable[Attendee], organizer_email: str, method: str = "REQUEST"
) -> str:
    """The VCALENDAR of one meeting, written by the ``icalendar`` library (escaping of
    ``\\ ; ,`` and of every line break, CR included; folding at 75 octets; CRLF lines)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", task.ical_uid)
    event.add("sequence", task.ical_sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    if task.is_all_day:
        event.add("dtstart", task.date)
        event.add("dtend", (task.ending_date or task.date) + dt.timedelta(days=1))
    else:
        start, end = meeting_bounds(task)
        event.add("dtstart", start.astimezone(dt.UTC))
        event.add("dtend", end.astimezone(dt.UTC))
    event.add("summary", _one_line_breaks(task.description))
    if task.location:
        event.add("location", _one_line_breaks(task.location))
    event.add("organizer", icalendar.vCalAddress(f"mailto:{organizer_email}"))
    for attendee in attendees:
        if attendee.attendance == Attendance.ORGANIZER:
            continue
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        address.params["role"] = (
            "OPT-PARTICIPANT" if attendee.attendance == Attendance.OPTIONAL else "REQ-PARTICIPANT"
        )
        address.params["cn"] = icalendar.vText(_one_line_breaks(attendee.name))
        address.params["rsvp"] = "TRUE"
        event.add("attendee", address, encode=0)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _one_line_breaks(value: str | None) -> str:
    """Every line break (CRLF, bare CR, LF) as one LF, which iCalendar escapes as ``\\n``."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")
