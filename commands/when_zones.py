"""Time zones and DST for :mod:`commands.when`, and the words messages use for
moments.

- A zone named in the text is looked up case-insensitively ("america/new_york").
- A wall time that does not exist (spring-forward gap) moves forward by the gap; one
  that happens twice (fall-back) is the first, summer-time occurrence (``fold=0``).
  Both come with a note, so the user sees what was booked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from commands.when_errors import WhenError
from commands.when_types import ZoneRef

__all__ = [
    "clock_words", "date_words", "day_words", "localise", "moment_words", "month_day",
    "source_zone", "user_zone",
]  # fmt: skip


@lru_cache(maxsize=512)
def zone_or_none(key: str) -> tzinfo | None:
    """ZoneInfo for ``key``, trying the canonical capitalisation ("europe/london")."""
    for candidate in (key, _capitalised(key), _capitalised(key, upper_last=True)):
        try:
            return ZoneInfo(candidate)
        except (ValueError, OSError, LookupError):
            continue
    return None


def _capitalised(key: str, *, upper_last: bool = False) -> str:
    parts = ["_".join(w[:1].upper() + w[1:].lower() for w in p.split("_")) for p in key.split("/")]
    if upper_last:
        parts[-1] = parts[-1].upper()
    return "/".join(parts)


def user_zone(tz: object) -> tzinfo:
    """The user's own zone (an argument, not text): unknown is still a WhenError."""
    zone = zone_or_none(tz) if isinstance(tz, str) and tz.strip() else None
    if zone is None:
        raise WhenError(
            f"I don't know the time zone “{tz}”. Use an IANA name such as "
            "“Asia/Kolkata” or “America/New_York”.",
            examples=("tomorrow 3pm Asia/Kolkata", "tomorrow 9am America/New_York"),
        )
    return zone


def source_zone(ref: ZoneRef) -> tuple[tzinfo, str]:
    """The zone the text named, and the name ``When.source_tz`` reports."""
    if ref.offset is not None:
        return timezone(ref.offset), ref.key
    zone = zone_or_none(ref.key)
    if zone is None:
        raise WhenError(
            f"I don't know the time zone “{ref.text}”. Use an IANA name such as "
            "“Europe/London”, or IST, UTC, PST, EST, CET.",
            examples=("tomorrow 3pm Europe/London", "tomorrow 10am IST"),
        )
    return zone, str(zone)


@lru_cache(maxsize=2048)
def localise(zone: tzinfo, day: date, minutes: int, second: int = 0) -> tuple[datetime, str | None]:
    """The aware moment of a wall-clock time on ``day`` in ``zone``, and a DST note
    when that wall time is skipped (moved forward by the gap) or repeated (the
    first, summer-time occurrence: ``fold=0``). Cached: many requests name the same
    few moments ("tomorrow 3pm" in one office)."""
    if minutes >= 1440:
        extra, minutes = divmod(minutes, 1440)
        day = day + timedelta(days=extra)
    hour, minute = divmod(minutes, 60)
    early = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
    if early.utcoffset() == early.replace(fold=1).utcoffset():
        return early, None
    naive = early.replace(tzinfo=None)
    moved = early.astimezone(UTC).astimezone(zone)
    where = f"on {day_words(day)} in {zone}"
    if moved.replace(tzinfo=None) != naive:
        return moved, (
            f"{clock_words(minutes)} doesn't exist {where} (clocks spring forward), "
            f"so I used {clock_words(moved.hour * 60 + moved.minute)}."
        )
    return early, (
        f"{clock_words(minutes)} happens twice {where} (clocks fall back); "
        f"I used the first one ({early.tzname()})."
    )


def clock_words(minutes: int) -> str:
    hour, minute = divmod(minutes % 1440, 60)
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_words(day: date) -> str:
    """ "Tue 1 Dec 2026" (tables, not strftime: no locale, and several times faster)."""
    return f"{_WEEKDAY_ABBR[day.weekday()]} {day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"


def date_words(day: date) -> str:
    """ "Tue Dec 1", as a rewritten command says a day."""
    return f"{_WEEKDAY_ABBR[day.weekday()]} {_MONTH_ABBR[day.month - 1]} {day.day}"


def month_day(day: date) -> str:
    """ "Dec 1"."""
    return f"{_MONTH_ABBR[day.month - 1]} {day.day}"


def moment_words(moment: datetime) -> str:
    return f"{day_words(moment.date())} {clock_words(moment.hour * 60 + moment.minute)}"


CACHED = (localise,)  # see commands.when.clear_caches
