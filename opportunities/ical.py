"""iCalendar (RFC 5545) text of a meeting invitation (TSK-22/23)."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from .models import Attendance, Attendee, Task

PRODID = "-//Open CRM//Meetings//EN"


def _escape(value: str) -> str:
    return (
        (value or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1)."""
    out, current = [], line
    while len(current.encode()) > 75:
        cut = 75
        while len(current[:cut].encode()) > 75:
            cut -= 1
        out.append(current[:cut])
        current = " " + current[cut:]
    out.append(current)
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_bounds(task: Task) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end of a timed meeting, in the installation's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(task.date, task.start_time or dt.time(0), tzinfo=zone)
    return start, start + dt.timedelta(minutes=task.duration_min or 0)


def meeting_ics(
    *, task: Task, attendees: Iterable[Attendee], organizer_email: str, method: str = "REQUEST"
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{task.ical_uid}",
        f"SEQUENCE:{task.ical_sequence}",
        f"DTSTAMP:{_utc(timezone.now())}",
    ]
    if task.is_all_day:
        end = task.ending_date or task.date
        lines.append(f"DTSTART;VALUE=DATE:{task.date:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{end + dt.timedelta(days=1):%Y%m%d}")
    else:
        start, end = meeting_bounds(task)
        lines.append(f"DTSTART:{_utc(start)}")
        lines.append(f"DTEND:{_utc(end)}")
    lines.append(f"SUMMARY:{_escape(task.description)}")
    if task.location:
        lines.append(f"LOCATION:{_escape(task.location)}")
    lines.append(f"ORGANIZER:mailto:{organizer_email}")
    for attendee in attendees:
        if attendee.attendance == Attendance.ORGANIZER:
            continue
        role = (
            "OPT-PARTICIPANT" if attendee.attendance == Attendance.OPTIONAL else "REQ-PARTICIPANT"
        )
        name = _escape(attendee.name).replace('"', "")
        lines.append(f'ATTENDEE;ROLE={role};CN="{name}";RSVP=TRUE:mailto:{attendee.email}')
    if method == "CANCEL":
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
