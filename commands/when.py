"""Natural-language meeting times: ``parse_when(text, now, tz) -> When``.

"tomorrow 3pm for 45m Budget review" → start, duration, recurrence, topic. What the
words mean is in :mod:`commands.when_grammar`, finding them in the text in
:mod:`commands.when_scan`; this module turns what was found into one moment, which
is where the rules live:

- **Bare time** ("3pm"): its next occurrence, today if still ahead, else tomorrow.
- **Hour without am/pm** ("at 9", "3:30"): working hours, 1-6 → pm, 7-11 → am,
  12 → noon. A daypart overrides ("tomorrow evening at 7" = 19:00). With an explicit
  "today"/"tonight", if that reading has passed but the other is ahead, the other is
  taken with a note ("today at 7" said at 10:00 → 19:00).
- **Weekdays**: "tue", "on tue", "next tue" = the first Tuesday strictly after
  today; "this tue" = today when today is Tuesday, else the coming one.
- **Numeric dates** are month/day (12/05 = 5 December) unless ``day_first=True``.
  A date without a year is its next occurrence (Jan 3 asked in December → next year).
- **A day without a time** ("tomorrow", "Dec 5") starts at 09:00, with a note;
  dayparts have their own defaults (morning 9:00, afternoon 14:00, evening 18:00,
  tonight 20:00). "midnight" is the end of the named day.
- **Named zones** ("3pm IST", "10:00 Europe/London", "UTC+5:30"): the clock time,
  weekday names and dates are read in that zone, relative words ("tomorrow", "in 3
  days") count from the user's own today, and ``start`` is converted to the user's
  zone. Abbreviations name the region's clock all year ("PST" in July = Pacific
  time, with a note).
- **DST**: a wall time in a spring-forward gap moves forward by the gap; one that
  happens twice (fall-back) is the first, summer-time occurrence. Both add a note.
- **Relative** ("now", "in 2 hours", "in 90m") is measured in real elapsed time
  and keeps ``now``'s seconds; "in 3 days" names a day (09:00 unless a time is given).

Exceptions: ``WhenError`` (a :class:`commands.errors.UserError` and a ``ValueError``)
is the only exception; its message says what was wrong and shows a correct example,
and ``examples`` holds two correct phrasings. See docs/WHEN.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from commands.errors import UserError
from commands.when_grammar import EXAMPLES, Clock, Day, GrammarError, Parts, ZoneRef
from commands.when_scan import scan

__all__ = ["DEFAULT_DURATION", "MAX_TEXT", "NoTimeFound", "When", "WhenError", "parse_when"]

DEFAULT_DURATION = timedelta(minutes=30)
DEFAULT_START = 9 * 60  # minutes after midnight, for a day named without a time
MAX_TEXT = 300
MAX_YEARS_AHEAD = 5
_HINTS = {"morning": "am", "afternoon": "pm", "evening": "pm", "night": "night"}
_DAYPART_START = {"morning": 9 * 60, "afternoon": 14 * 60, "evening": 18 * 60, "night": 20 * 60}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SPACES = re.compile(r"[\s\x00\x01]")  # every Unicode space, and the scanner's masks
# Phrases that sound like a time but name none. Without a day, "next week 3pm" is
# an error (the day is missing); "later" only matters when no time was found at all.
_VAGUE_DAY = re.compile(r"\b(?:next|this) (?:week|month)\b", re.IGNORECASE)
_VAGUE = re.compile(rf"{_VAGUE_DAY.pattern}|\b(?:later|sometime|soon)\b", re.IGNORECASE)


class WhenError(UserError, ValueError):
    """The text does not name one clear, future meeting time."""

    def __init__(self, message: str, *, examples: tuple[str, ...] = EXAMPLES) -> None:
        super().__init__(message, examples=examples)


class NoTimeFound(WhenError):
    """No time at all in the text: perhaps not meant as a time (an unknown command word)."""


@dataclass(frozen=True, slots=True)
class When:
    """A parsed meeting time.

    ``start`` is aware, in the user's zone. ``weekdays`` uses Python's numbering
    (Monday=0 … Sunday=6), in the user's zone: the repeat days for "weekly",
    (0, 1, 2, 3, 4) for "weekdays", () otherwise. ``source_tz`` is the zone the text
    named (an IANA key, "UTC", or "UTC+05:30"), else None.
    """

    start: datetime
    duration: timedelta = DEFAULT_DURATION
    recurrence: str | None = None
    weekdays: tuple[int, ...] = ()
    topic: str = ""
    source_tz: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def end(self) -> datetime:
        """When the meeting ends, in the user's zone (real elapsed time)."""
        return (self.start.astimezone(UTC) + self.duration).astimezone(self.start.tzinfo)


def parse_when(text: str, now: datetime, tz: str, *, day_first: bool = False) -> When:
    """Read a meeting time from ``text`` as said at ``now`` by a user in zone ``tz``.

    ``day_first`` makes 05/12 mean 5 December instead of May 12. Raises
    :class:`WhenError`, and only that, for anything it cannot book.
    """
    user_zone = _user_zone(tz)
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise WhenError("Internal: `now` must be a timezone-aware datetime.")
    clean = _checked_text(text)
    try:
        parts = scan(clean, day_first=day_first)
    except GrammarError as exc:
        raise WhenError(exc.message, examples=exc.examples) from None
    return _Resolution(parts, now, user_zone, clean).when()


# --- input checks ------------------------------------------------------------------


def _checked_text(text: object) -> str:
    """Normalise every kind of space to " " (Slack sends non-breaking ones) and
    reject what cannot be a meeting request."""
    if not isinstance(text, str) or not text.strip():
        raise WhenError("Tell me when the meeting is, e.g. “tomorrow 3pm for 45m Budget review”.")
    if len(text) > MAX_TEXT:
        raise WhenError(
            f"That is {len(text)} characters; keep the time and topic under {MAX_TEXT}, "
            "e.g. “tomorrow 3pm for 45m Budget review”."
        )
    return _SPACES.sub(" ", text)


@lru_cache(maxsize=512)
def _zone_or_none(key: str) -> tzinfo | None:
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


def _user_zone(tz: object) -> tzinfo:
    zone = _zone_or_none(tz) if isinstance(tz, str) and tz.strip() else None
    if zone is None:
        raise WhenError(
            f"I don't know the time zone “{tz}”. Use an IANA name such as "
            "“Asia/Kolkata” or “America/New_York”.",
            examples=("tomorrow 3pm Asia/Kolkata", "tomorrow 9am America/New_York"),
        )
    return zone


def _source_zone(ref: ZoneRef) -> tuple[tzinfo, str]:
    """The zone the text named, and the name ``When.source_tz`` reports."""
    if ref.offset is not None:
        return timezone(ref.offset), ref.key
    zone = _zone_or_none(ref.key)
    if zone is None:
        raise WhenError(
            f"I don't know the time zone “{ref.text}”. Use an IANA name such as "
            "“Europe/London”, or IST, UTC, PST, EST, CET.",
            examples=("tomorrow 3pm Europe/London", "tomorrow 10am IST"),
        )
    return zone, str(zone)


# --- words for messages ------------------------------------------------------------


def _clock_words(minutes: int) -> str:
    hour, minute = divmod(minutes % 1440, 60)
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def _day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _moment_words(moment: datetime) -> str:
    return f"{_day_words(moment.date())} {_clock_words(moment.hour * 60 + moment.minute)}"


# --- resolution ----------------------------------------------------------------------


class _Resolution:
    """Turns scanned parts into a :class:`When`; one instance per call, so the
    rules can share ``now``, the zones and the notes without long argument lists."""

    def __init__(self, parts: Parts, now: datetime, user_zone: tzinfo, text: str) -> None:
        self.parts, self.now, self.user_zone, self.text = parts, now, user_zone, text
        self.notes: list[str] = []
        self.source_tz: str | None = None
        self.zone = user_zone
        if parts.zone is not None:
            self.zone, self.source_tz = _source_zone(parts.zone)
        self.local_now = now.astimezone(self.zone)
        self.today = self.local_now.date()  # in the text's zone: weekdays and dates
        self.user_today = now.astimezone(user_zone).date()  # "today", "tomorrow", "in 3 days"

    def when(self) -> When:
        parts = self.parts
        start = self._start_from_offset() if parts.offset is not None else self._start_from_clock()
        duration = self._duration(start)
        self._zone_note(start)
        user_start = start.astimezone(self.user_zone)
        recurrence, weekdays = self._repeat(start, user_start)
        return When(
            start=user_start,
            duration=duration,
            recurrence=recurrence,
            weekdays=weekdays,
            topic=parts.topic,
            source_tz=self.source_tz,
            notes=tuple(self.notes),
        )

    # start ---------------------------------------------------------------------

    def _start_from_offset(self) -> datetime:
        """ "now", "in 2 hours": real elapsed time from ``now``."""
        parts = self.parts
        clash = [parts.seen[k] for k in ("day", "time") if k in parts.seen]
        if clash or parts.daypart:
            said = parts.seen["offset"]
            raise WhenError(
                f"“{said}” already says when, so “{clash[0] if clash else parts.daypart}” "
                "is one time too many. Give one of them.",
                examples=(f"{said} Budget review", "tomorrow 3pm Budget review"),
            )
        assert parts.offset is not None
        return (self.now.astimezone(UTC) + parts.offset).astimezone(self.zone)

    def _start_from_clock(self) -> datetime:
        parts = self.parts
        readings = self._readings()
        repeat_days = self._repeat_days()
        if repeat_days:
            first = self._calendar_day(parts.day) if self._day_bounds_repeat() else self.today
            return self._first_repeat(first, repeat_days, readings[0])
        if parts.day is not None:
            today = parts.day.kind == "offset" and not (parts.day.days or parts.day.months)
            return self._on_day(self._calendar_day(parts.day), readings, today=today)
        vague = _VAGUE_DAY.search(parts.topic)
        if vague:
            raise self._vague(vague)
        start, note = self._localise(self.today, readings[0])
        if start < self.now:
            start, note = self._localise(self.today + timedelta(days=1), readings[0])
            there = f" in {self.zone}" if self.parts.zone is not None else ""
            self.notes.append(
                f"{_clock_words(readings[0])} has passed today{there}, so I used tomorrow."
            )
        self._note(note)
        return start

    def _readings(self) -> tuple[int, ...]:
        """Candidate minutes-after-midnight for the start, preferred first."""
        parts = self.parts
        hint = _HINTS.get(parts.daypart or "")
        if parts.time is not None:
            if parts.end is not None and hint is None:
                return _range_start(parts.time, parts.end)
            return parts.time.readings(hint)
        if parts.daypart is not None:
            minutes = _DAYPART_START[parts.daypart]
            self.notes.append(
                f"No exact time given, so I used {_clock_words(minutes)} for “{parts.daypart}”."
            )
            return (minutes,)
        if parts.day is not None or (parts.recurrence == "weekly" and self._repeat_days()):
            self.notes.append(f"No time given, so I used {_clock_words(DEFAULT_START)}.")
            return (DEFAULT_START,)
        raise self._no_time()

    def _no_time(self) -> WhenError:
        topic = self.parts.topic or "Budget review"
        examples = (f"tomorrow 3pm {topic}", f"every tue 10am {topic}")
        if self.parts.end is not None:
            said = self.parts.seen.get("length", "until")
            return WhenError(
                f"“{said}” says when it ends; add a start, e.g. “2pm {said}”.", examples=examples
            )
        vague = _VAGUE.search(self.parts.topic)
        if vague:
            return self._vague(vague)
        if self.parts.recurrence:
            return WhenError(
                f"At what time? Add one to the repeat, e.g. “{self.parts.seen['repeat']} "
                f"9:30am {topic}”.",
                examples=examples,
            )
        return NoTimeFound(
            f"I couldn't find a time in “{self.text.strip()}”. Say when, "
            f"e.g. “tomorrow 3pm {topic}”.",
            examples=examples,
        )

    def _vague(self, vague: re.Match[str]) -> WhenError:
        """ "next week 3pm": a day is missing; suggest one, keeping the user's topic."""
        topic = " ".join(_VAGUE.sub(" ", self.parts.topic).split()) or "Budget review"
        return WhenError(
            f"“{vague[0]}” is not a day I can book. Name the day and time, "
            f"e.g. “next tue 3pm {topic}”.",
            examples=(f"next tue 3pm {topic}", f"Dec 8 3pm {topic}"),
        )

    def _on_day(self, day: date, readings: tuple[int, ...], *, today: bool) -> datetime:
        """A named day: the time must still be ahead (no silent move to another day)."""
        parts = self.parts
        if parts.check_weekday is not None and day.weekday() != parts.check_weekday:
            wanted = _DAY_NAMES[parts.check_weekday][:3]
            raise WhenError(
                f"{_day_words(day)} is a {_DAY_NAMES[day.weekday()]}, not a "
                f"{_DAY_NAMES[parts.check_weekday]}. Give just one, e.g. "
                f"“{day:%b} {day.day} 3pm” or “{wanted.lower()} 3pm”.",
                examples=(f"{day:%b} {day.day} 3pm", f"{wanted.lower()} 3pm"),
            )
        start, note = self._localise(day, readings[0])
        if start < self.now and today and len(readings) > 1:
            later, later_note = self._localise(day, readings[1])
            if later >= self.now:
                self.notes.append(
                    f"{_clock_words(readings[0])} has passed, so I read "
                    f"“{parts.time.text if parts.time else ''}” as "
                    f"{_clock_words(readings[1])}."
                )
                start, note = later, later_note
        if start < self.now:
            raise self._past(start)
        self._note(note)
        return start

    def _past(self, start: datetime) -> WhenError:
        said = " ".join(self.parts.seen[k] for k in ("day", "time") if k in self.parts.seen)
        topic = self.parts.topic or "Budget review"
        return WhenError(
            f"“{said or self.text.strip()}” is {_moment_words(start)}, which has already "
            f"passed (it is {_moment_words(self.local_now)} now). Pick a time ahead, e.g. "
            f"“tomorrow 3pm {topic}”.",
            examples=(f"tomorrow 3pm {topic}", f"in 2 hours {topic}"),
        )

    def _calendar_day(self, day: Day | None) -> date:
        """The date a :class:`Day` names. Relative words count from the user's own
        today; weekday names and dates are labels in the text's zone."""
        assert day is not None
        today = self.today
        if day.kind == "offset":
            later = self.user_today + timedelta(days=day.days)
            # relativedelta keeps month ends sane: Jan 31 + 1 month = Feb 28.
            return later + relativedelta(months=day.months) if day.months else later
        if day.kind == "weekday":
            ahead = (day.weekday - today.weekday()) % 7
            return today + timedelta(days=ahead if ahead or day.this else 7)
        return self._explicit_date(day)

    def _explicit_date(self, day: Day) -> date:
        """Dec 5 without a year is its next occurrence; Feb 29 finds the next leap year."""
        years = [day.year] if day.year else [self.today.year + i for i in range(9)]
        for year in years:
            if year > self.today.year + MAX_YEARS_AHEAD:
                break
            try:
                found = date(year, day.month, day.day)
            except ValueError:
                continue
            if day.year or found >= self.today:
                return found
        if day.year and day.year > self.today.year + MAX_YEARS_AHEAD:
            raise WhenError(
                f"“{day.text}” is too far ahead; I book up to {MAX_YEARS_AHEAD} years out."
            )
        raise WhenError(
            f"“{day.text}” is not a real date.",
            examples=("Dec 5 3pm Budget review", "2026-12-05 15:00 Budget review"),
        )

    # repeats ---------------------------------------------------------------------

    def _repeat_days(self) -> tuple[int, ...]:
        """Weekdays a repeat is limited to (in the text's zone), or () for none."""
        parts = self.parts
        if parts.recurrence == "weekly":
            if parts.weekdays:
                return parts.weekdays
            if parts.day is not None and parts.day.kind == "weekday":
                return (parts.day.weekday,)
        return parts.weekdays if parts.recurrence == "weekdays" else ()

    def _day_bounds_repeat(self) -> bool:
        """ "every tue from Dec 8": a named day is where the repeat starts; "weekly
        on tue" names the repeat day itself."""
        day = self.parts.day
        return day is not None and not (day.kind == "weekday" and not self.parts.weekdays)

    def _first_repeat(self, first: date, days: tuple[int, ...], minutes: int) -> datetime:
        """First occurrence on one of ``days`` at or after ``first`` that is not past."""
        for step in range(15):
            day = first + timedelta(days=step)
            if day.weekday() in days:
                start, note = self._localise(day, minutes)
                if start >= self.now:
                    self._note(note)
                    return start
        raise self._past(self._localise(first, minutes)[0])  # pragma: no cover

    def _repeat(self, start: datetime, user_start: datetime) -> tuple[str | None, tuple[int, ...]]:
        """The repeat, with weekdays moved into the user's zone when the zones'
        dates differ (9pm PST on Tuesday is Wednesday in Kolkata)."""
        kind = self.parts.recurrence
        if kind not in ("weekly", "weekdays"):
            return kind, ()
        days = self._repeat_days() or (start.weekday(),)
        shift = (user_start.date() - start.date()).days
        if not shift:
            return kind, days
        moved = tuple(sorted((d + shift) % 7 for d in days))
        if kind == "weekdays":
            names = ", ".join(_DAY_NAMES[d][:3] for d in moved)
            self.notes.append(
                f"In your time zone this falls on {names}, so it repeats weekly on those days."
            )
        return "weekly", moved

    # duration ------------------------------------------------------------------

    def _duration(self, start: datetime) -> timedelta:
        parts = self.parts
        if parts.end is None:
            return parts.duration or DEFAULT_DURATION
        if parts.time is None and parts.offset is None:
            said = parts.seen.get("length", "until 4pm")
            raise WhenError(
                f"“{said}” says when it ends; add a start, e.g. “2pm {said}”.",
                examples=("tomorrow 2pm until 4pm Budget review", "tomorrow 2-4pm Budget review"),
            )
        begin = start.hour * 60 + start.minute
        end_minutes = self._end_minutes(parts.end, begin)
        end, _ = self._localise(start.date(), end_minutes)
        length = end.astimezone(UTC) - start.astimezone(UTC)
        if not timedelta(minutes=1) <= length <= timedelta(hours=24):
            raise WhenError(
                f"“{parts.seen['length']}” can't be a meeting's length: it must "
                "be from 1 minute to 24 hours.",
                examples=("tomorrow 2-3:30pm Budget review", "tomorrow 3pm for 45m Budget review"),
            )
        return length

    def _end_minutes(self, end: Clock, begin: int) -> int:
        """End as minutes after the start day's midnight (over 1440: the next day).
        An hour without am/pm takes the first reading after the start; an explicit
        end before the start crosses midnight only from pm to am ("11pm-1am")."""
        if end.ambiguous:
            options = sorted(end.readings("am") + end.readings("pm"))
            return next((o for o in options if o > begin), options[0] + 1440)
        minutes = end.readings()[0]
        if minutes > begin:
            return minutes
        if begin >= 720 and minutes < 720:
            return minutes + 1440
        raise WhenError(
            f"“{self.parts.seen['length']}” ends before it starts. Give the start first, "
            "e.g. “2pm-3:30pm”.",
            examples=("tomorrow 2-3:30pm Budget review", "tomorrow 11pm-1am Release"),
        )

    # zones and DST ---------------------------------------------------------------

    def _localise(self, day: date, minutes: int) -> tuple[datetime, str | None]:
        """The aware moment of a wall-clock time on ``day`` in the text's zone, and a
        DST note when that wall time is skipped (moved forward by the gap) or
        repeated (the first, summer-time occurrence: ``fold=0``)."""
        extra, minutes = divmod(minutes, 1440)
        day = day + timedelta(days=extra)
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        early = naive.replace(tzinfo=self.zone)
        if early.utcoffset() == naive.replace(tzinfo=self.zone, fold=1).utcoffset():
            return early, None
        moved = early.astimezone(UTC).astimezone(self.zone)
        where = f"on {_day_words(day)} in {self.zone}"
        if moved.replace(tzinfo=None) != naive:
            return moved, (
                f"{_clock_words(minutes)} doesn't exist {where} (clocks spring forward), "
                f"so I used {_clock_words(moved.hour * 60 + moved.minute)}."
            )
        return early, (
            f"{_clock_words(minutes)} happens twice {where} (clocks fall back); "
            f"I used the first one ({early.tzname()})."
        )

    def _note(self, note: str | None) -> None:
        if note:
            self.notes.append(note)

    def _zone_note(self, start: datetime) -> None:
        """ "PST" in July: the user means Pacific time; say which offset was used."""
        ref = self.parts.zone
        if ref is None or ref.dst is None:
            return
        summer = bool(start.dst())
        if summer != ref.dst:
            self.notes.append(
                f"{ref.text} is not in use on {_day_words(start.date())}; "
                f"I used {self.zone} time ({start.tzname()})."
            )


def _range_start(start: Clock, end: Clock) -> tuple[int, ...]:
    """An hour without am/pm at the start of a range takes the end's half of the day
    ("2-3pm" = 14:00), unless that puts it after the end ("11-1pm" = 11:00)."""
    if not start.ambiguous or end.ambiguous:
        return start.readings()
    end_minutes = end.readings()[0]
    same = "pm" if end_minutes >= 720 else "am"
    reading = start.readings(same)[0]
    if reading < end_minutes:
        return (reading,)
    return start.readings("am" if same == "pm" else "pm")
