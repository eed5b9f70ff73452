"""What ``move`` and ``cancel`` share: which meeting (and which of its occurrences),
in what role the requester acts, the host's notice, and the record SecureMeet keeps.

A target is typed (or carried by a button) as ``<meeting ID or join link>`` followed by
an optional choice for a recurring meeting:

- ``occurrence <occurrence ID>``: one occurrence, as Zoom numbers it (buttons carry it,
  so a press later cannot land on another occurrence);
- ``next``: the next occurrence that has not started;
- ``series`` (or ``all``): every occurrence.

Without a choice, a recurring meeting is asked about, with a button per answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commands import timefmt
from commands.audit import occurrences, start_of
from commands.context import Context
from commands.errors import UserError
from commands.meeting_ref import parse_meeting_id

OCCURRENCE, NEXT, SERIES = "occurrence", "next", "series"
_SERIES_WORDS = ("series", "all", "every", "whole")
_OCCURRENCE_ID = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True)
class Target:
    """A meeting, and for a recurring one which part: ``scope`` is ``""`` (not said),
    ``occurrence`` (with ``occurrence_id``), ``next`` or ``series``."""

    meeting_id: int
    scope: str = ""
    occurrence_id: str = ""


def parse_target(text: str, *, command: str, examples: tuple[str, ...]) -> Target:
    """``"123 4567 8901 occurrence 1648194360000"`` → ``Target(12345678901, "occurrence",
    "1648194360000")``. Raises ``UserError`` (with ``examples``) for anything else."""
    words = (text or "").split()
    scope, occurrence_id, rest = "", "", []
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == OCCURRENCE and i + 1 < len(words) and _OCCURRENCE_ID.match(words[i + 1]):
            said, occurrence_id = OCCURRENCE, words[i + 1]
            i += 2
        elif word in _SERIES_WORDS or word == NEXT:
            said = SERIES if word in _SERIES_WORDS else NEXT
            i += 1
        else:
            rest.append(words[i])
            i += 1
            continue
        if scope and scope != said:
            raise UserError("Say one of them: one occurrence, `next` or the whole `series`.",
                            examples=examples)
        scope = said
    try:
        meeting_id = parse_meeting_id(" ".join(rest), command=command)
    except UserError as exc:
        raise UserError(exc.message, examples=examples) from None
    return Target(meeting_id, scope, occurrence_id)


def recurring(meeting: Mapping[str, Any]) -> bool:
    return meeting.get("type") in (3, 8)


def upcoming_occurrences(meeting: Mapping[str, Any], now: datetime) -> list[Mapping[str, Any]]:
    """Occurrences not deleted and not yet over, soonest first."""
    def ends(occ: Mapping[str, Any]) -> datetime | None:
        start = start_of(occ)
        minutes = int(occ.get("duration") or meeting.get("duration") or 0)
        return None if start is None else start + timedelta(minutes=minutes)
    left = [o for o in occurrences(meeting) if (end := ends(o)) is not None and end > now]
    return sorted(left, key=lambda o: start_of(o) or now)


def find_occurrence(meeting: Mapping[str, Any], occurrence_id: str) -> Mapping[str, Any] | None:
    """The occurrence with this id, unless it was deleted."""
    return next((o for o in occurrences(meeting)
                 if str(o.get("occurrence_id")) == str(occurrence_id)), None)


def next_start(meeting: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the meeting next takes place: its start, or its next occurrence's."""
    if meeting.get("type") == 8:
        left = upcoming_occurrences(meeting, now)
        return start_of(left[0]) if left else None
    return start_of(meeting)


def minutes_of(meeting: Mapping[str, Any], occurrence: Mapping[str, Any] | None = None) -> int:
    source = occurrence if occurrence is not None and occurrence.get("duration") else meeting
    return int(source.get("duration") or 0)


def span(start: datetime | None, minutes: int, tz: str) -> str:
    if start is None:
        return "no fixed time"
    return timefmt.span(start, timedelta(minutes=minutes), tz) if minutes else \
        timefmt.moment(start, tz)


def day_label(start: datetime, tz: str) -> str:
    """``Tue 3 Dec, 15:00``: short enough for a button."""
    local = start.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def topic(meeting: Mapping[str, Any]) -> str:
    return str(meeting.get("topic") or "Zoom meeting")


def zoom_time(moment: datetime) -> str:
    """A start as Zoom takes it in GMT (``yyyy-MM-ddTHH:mm:ssZ``): the meeting keeps its
    own ``timezone``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meeting_zone(meeting: Mapping[str, Any]) -> str:
    """The meeting's zone in Zoom, for a host whose own zone SecureMeet does not know."""
    zone = str(meeting.get("timezone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return "UTC"
    return zone


def update_record(ctx: Context, meeting_id: int, *, start: datetime | None,
                  minutes: int | None = None) -> None:
    """Keep SecureMeet's own record of a meeting it scheduled in step with Zoom (the
    App Home and ``calendar`` read it). A cancelled meeting keeps its record, with no
    time: it is no longer upcoming anywhere."""
    record = ctx.store.get_meeting(meeting_id)
    if record is None:
        return
    changed = replace(record, start_time=start,
                      duration_min=record.duration_min if minutes is None else minutes)
    if changed != record:
        ctx.store.save_meeting(changed)
