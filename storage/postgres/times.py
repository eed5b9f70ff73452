"""Times in and out of ``timestamptz``, matching what SQLite stores.

SQLite keeps UTC ISO text: to the second for meetings, events, audits, people, claims
and Teams references, to the microsecond for intents, requests, live meetings and
timers. PostgreSQL keeps microseconds, so :func:`seconds` truncates where SQLite does:
a window edge or a round trip then gives the same answer on both. A naive datetime is
local time, as ``datetime.astimezone`` takes it on both backends. What comes back is
in UTC (``datetime.UTC``), whatever the session's ``TimeZone``.
"""

from __future__ import annotations

from datetime import UTC, datetime


def exact(moment: datetime) -> datetime:
    """In UTC, to the microsecond."""
    return moment.astimezone(UTC)


def seconds(moment: datetime) -> datetime:
    """In UTC, to the second (as SQLite's ``iso()`` keeps it)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def maybe_seconds(moment: datetime | None) -> datetime | None:
    return seconds(moment) if moment is not None else None


def maybe_exact(moment: datetime | None) -> datetime | None:
    return exact(moment) if moment is not None else None


def out(moment: datetime | None) -> datetime | None:
    """A ``timestamptz`` read back, in UTC."""
    return moment.astimezone(UTC) if moment is not None else None
