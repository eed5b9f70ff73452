"""How times read in replies: the user's zone first, the zone they named second."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def span(start: datetime, duration: timedelta, tz: str) -> str:
    """``Mon 30 Nov 2026, 15:00–15:45 IST``: in ``tz``, with the zone's abbreviation."""
    local = start.astimezone(ZoneInfo(tz))
    end = local + duration
    same_day = end.date() == local.date()
    end_text = end.strftime("%H:%M") if same_day else end.strftime("%a %d %b %H:%M")
    return f"{local:%a %d %b %Y, %H:%M}–{end_text} {local.tzname()}"


def moment(start: datetime, tz: str) -> str:
    local = start.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


def minutes(duration: timedelta) -> str:
    total = int(duration.total_seconds() // 60)
    hours, mins = divmod(total, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def zoom_local(start: datetime, tz: str) -> str:
    """Zoom's local start format (``yyyy-MM-ddTHH:mm:ss`` plus a ``timezone`` field)."""
    return start.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M:%S")
