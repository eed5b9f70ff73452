"""An iCalendar (RFC 5545) invitation for a meeting SecureMeet scheduled.

Pure: :func:`ics` turns a stored :class:`~commands.ports.MeetingRecord` into the text
of a ``.ics`` file. It carries the join link *without* its passcode and the meeting
ID, never the passcode: calendar entries get forwarded, synced and shared, which is
exactly the "don't post the link publicly" the advisory warns about. The host passes
the passcode on separately.

:func:`run` is the command shape (``USAGE``/``SUMMARY``/``EXAMPLES``/``run``): the
host (or an admin, or someone SecureMeet sent the invitation to) asks for a meeting's
invitation and gets a ``Reply`` whose
attachment is the ``.ics``; each front end delivers the attachment privately.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from commands.access import may_manage, refusal
from commands.context import Context, Requester
from commands.errors import UserError, ZoomError
from commands.meeting_ref import format_meeting_id, parse_meeting_id
from commands.records import MeetingRecord
from commands.reply import Reply

USAGE = "calendar <meeting ID>"
SUMMARY = "Get an .ics calendar invitation for a meeting you scheduled (no passcode in it)."
EXAMPLES = ("calendar 123 4567 8901",)

PRODID = "-//SecureMeet//SecureMeet 1.0//EN"
MIME = "text/calendar"
_ZOOM_DAYS = {1: "SU", 2: "MO", 3: "TU", 4: "WE", 5: "TH", 6: "FR", 7: "SA"}
_OCCURRENCES = 12  # what commands.schedule asks Zoom for


def run(ctx: Context, who: Requester, text: str) -> Reply:
    meeting_id = parse_meeting_id(text, command="calendar")
    record = ctx.store.get_meeting(meeting_id)
    if record is None or not (may_manage(who, {"host_email": record.host_email})
                              or invited(ctx, who, meeting_id)):
        raise refusal("add to a calendar")
    if record.start_time is None:  # cancelled with SecureMeet: no time left to add
        raise UserError(f"Meeting {format_meeting_id(meeting_id)} has no time any more (it "
                        "was cancelled), so there is nothing to add to a calendar.",
                        examples=("list",))
    recurrence = None
    if record.recurrence:
        try:
            recurrence = ctx.zoom.get_meeting(meeting_id).get("recurrence")
        except ZoomError:
            recurrence = None  # fall back to what we stored
    content = ics(record, now=ctx.now(), recurrence=recurrence)
    name = f"securemeet-{meeting_id}.ics"
    return Reply(
        title=f"📅 {record.topic or format_meeting_id(meeting_id)}",
        text="Open the attached invitation to add the meeting to your calendar. It holds the "
             "join link and meeting ID but not the passcode: share that separately.",
        attachments=((name, MIME, content.encode()),),
        sandbox=ctx.sandbox,
    )


def invited(ctx: Context, who: Requester, meeting_id: int) -> bool:
    """``who`` was sent this meeting's invitation by SecureMeet (their own button)."""
    return any(i.user == who.user or (i.email and i.email == who.email.lower())
               for i in ctx.store.invitations(meeting_id))


def ics(record: MeetingRecord, *, now: datetime, recurrence: Mapping[str, Any] | None = None,
        domain: str = "securemeet") -> str:
    """The ``.ics`` text (CRLF line ends, folded at 75 octets) for one meeting."""
    if record.start_time is None:
        raise ValueError("a meeting without a start time has no calendar entry")
    start = record.start_time.astimezone(UTC)
    end = start + timedelta(minutes=record.duration_min or 30)
    url = join_url(record.join_url_public)
    mid = format_meeting_id(record.meeting_id)
    description = "\n".join(line for line in (
        f"Zoom meeting ID: {mid}",
        f"Join: {url}" if url else "",
        "The passcode is not in this invitation: the host shares it separately.",
        "Scheduled with SecureMeet (waiting room on, fresh passcode, host controls).",
    ) if line)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{record.meeting_id}@{domain}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(end)}",
        f"SUMMARY:{text_value(record.topic or 'Zoom meeting')}",
        f"DESCRIPTION:{text_value(description)}",
        f"LOCATION:{text_value(f'Zoom meeting {mid}')}",
    ]
    if url:
        lines.append(f"URL:{url}")
    rule = rrule(record.recurrence, recurrence)
    if rule:
        lines.append(f"RRULE:{rule}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def join_url(url: str) -> str:
    """The join link with any query (``?pwd=…``) and fragment removed."""
    return url.split("#", 1)[0].split("?", 1)[0].strip()


def stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be time-zone aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def text_value(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line to ``limit`` octets (continuations start with a space)."""
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode())
        if size + width > (limit if not out else limit - 1):
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def rrule(kind: str | None, zoom: Mapping[str, Any] | None) -> str:
    """An RRULE from Zoom's recurrence object when we have it, else from our own kind."""
    if zoom:
        rtype = int(zoom.get("type") or 0)
        freq = {1: "DAILY", 2: "WEEKLY", 3: "MONTHLY"}.get(rtype)
        if freq is None:
            return ""
        parts = [f"FREQ={freq}"]
        interval = int(zoom.get("repeat_interval") or 1)
        if interval > 1:
            parts.append(f"INTERVAL={interval}")
        if rtype == 2 and zoom.get("weekly_days"):
            days = [_ZOOM_DAYS.get(int(d)) for d in str(zoom["weekly_days"]).split(",")
                    if d.strip().isdigit()]
            parts.append("BYDAY=" + ",".join(d for d in days if d))
        if rtype == 3 and zoom.get("monthly_day"):
            parts.append(f"BYMONTHDAY={int(zoom['monthly_day'])}")
        if zoom.get("end_date_time"):
            until = datetime.fromisoformat(str(zoom["end_date_time"]).replace("Z", "+00:00"))
            parts.append(f"UNTIL={stamp(until)}")
        else:
            parts.append(f"COUNT={int(zoom.get('end_times') or _OCCURRENCES)}")
        return ";".join(parts)
    return {
        "daily": f"FREQ=DAILY;COUNT={_OCCURRENCES}",
        "weekdays": f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT={_OCCURRENCES}",
        "weekly": f"FREQ=WEEKLY;COUNT={_OCCURRENCES}",
        "monthly": f"FREQ=MONTHLY;COUNT={_OCCURRENCES}",
    }.get(kind or "", "")
