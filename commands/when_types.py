"""The values a scan of a meeting request produces, and the one it returns.

``When`` is what :func:`commands.when.parse_when` returns. ``Clock``, ``Day`` and
``ZoneRef`` are phrases as written, before "now" is known; ``Parts`` holds what
the passes found, one slot each, and refuses a second phrase for the same slot
with a message that names both. Pure values: nothing here reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "DEFAULT_DURATION", "EXAMPLES", "Ambiguity", "Clock", "Day", "Edit", "GrammarError", "Parts",
    "Span", "When", "ZoneRef",
]  # fmt: skip

EXAMPLES = ("tomorrow 3pm for 45m Budget review", "every tue 10:30am IST Standup")
DEFAULT_DURATION = timedelta(minutes=30)


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


class GrammarError(Exception):
    """A problem in the text itself; :func:`commands.when.parse_when` re-raises it as
    ``WhenError`` (kept separate so these modules do not import their caller)."""

    def __init__(self, message: str, examples: tuple[str, ...] = EXAMPLES) -> None:
        super().__init__(message)
        self.message = message
        self.examples = examples


class Clock(NamedTuple):
    """A time of day as written. ``hour`` is 0-23, or 24 for "midnight" (the end
    of the named day). ``minute`` counts from that hour and may be negative for
    "quarter to 4" (hour 4, minute -15), so the hour keeps its am/pm reading.
    ``meridiem`` is "am"/"pm" when written; ``h24`` is True for forms that are
    already unambiguous (15:00, 09:30, at 1530, 14h45). ``text`` is the clock as
    read (lower-case); messages quote the user's own words from ``Parts.seen``."""

    hour: int
    minute: int
    meridiem: str | None
    h24: bool
    text: str
    second: int = 0

    @property
    def ambiguous(self) -> bool:
        """True for "at 9" or "3:30": could be morning or evening."""
        return self.meridiem is None and not self.h24 and 1 <= self.hour <= 12

    @property
    def two_readings(self) -> bool:
        """7 and 8 without am/pm are as often evening as morning: we ask."""
        return self.ambiguous and self.hour in (7, 8)

    def readings(self, hint: str | None = None) -> tuple[int, ...]:
        """Minutes after the day's midnight, preferred reading first (1440 = the
        day's end). ``hint`` is "am", "pm" or "night" from a daypart word.

        An ambiguous hour follows working hours: 1-6 mean pm, 9-11 mean am and 12
        means noon ("at 9" = 09:00, "at 3" = 15:00); 7 and 8 list am first but are
        a question (:attr:`two_readings`). The other half of the day is offered
        second, for "today at 9" said after 9 am. At night, 1-4 are the small hours
        after midnight ("tonight at 1" = 01:00 the next day).
        """
        return _readings(self, hint)

    def _compute_readings(self, hint: str | None) -> tuple[int, ...]:
        hour = self.hour
        if self.meridiem:
            hours: tuple[int, ...] = (hour % 12 + (12 if self.meridiem == "pm" else 0),)
        elif not self.ambiguous:
            hours = (hour,)
        elif hint == "night":
            hours = (24 if hour == 12 else hour + 24 if hour <= 4 else hour + 12,)
        elif hour == 12:
            hours = (12,)
        elif hint:
            hours = (hour + (0 if hint == "am" else 12),)
        else:
            hours = (hour + 12, hour) if hour <= 6 else (hour, hour + 12)
        return tuple(_wrap(h * 60 + self.minute) for h in hours)

    def written(self, meridiem: str) -> str:
        """This clock with am/pm made explicit, for a choice: "7:30pm"."""
        minutes = (self.hour % 12) * 60 + self.minute
        hour, minute = divmod(minutes % 720, 60)
        return f"{hour or 12}{f':{minute:02d}' if minute else ''}{meridiem}"


class Day(NamedTuple):
    """A day as written. ``kind`` says which fields count:

    - "offset": ``days``/``months`` from the user's today ("tomorrow", "in 3 days");
    - "weekday": the coming ``weekday`` (Monday=0); ``this`` lets today count,
      ``next`` marks "next fri" (two readings when that Friday is this week);
    - "week": ``weekday`` in the week ``weeks`` from this one ("thu next week");
    - "date": ``year`` (None when not given), ``month``, ``day``;
    - "monthday": ``day`` of the month ``month_rel`` months on, or the next one
      when None ("the 4th", "the 18th of next month");
    - "nth": the ``nth`` ``weekday`` of ``month`` or of the month ``month_rel``
      months on; nth -1 is the last, weekday -1 any day ("last day of the month");
    - "holiday": ``holiday``, an index into :data:`commands.when_holidays.HOLIDAYS`.

    ``plus`` days are added at the end ("monday after next", "a week from friday").
    ``loose``: a bare weekday that is also an English word ("Sun", "sat", "wed"): it
    gives way to any other day, to an offset and to a repeat on other days, and is
    then a topic word ("Sun lounge chat tomorrow 3pm").
    """

    kind: str
    text: str
    days: int = 0
    months: int = 0
    weekday: int = 0
    this: bool = False
    next: bool = False
    year: int | None = None
    month: int = 0
    day: int = 0
    nth: int = 0
    month_rel: int | None = None
    weeks: int = 0
    plus: int = 0
    holiday: int = -1
    loose: bool = False


class ZoneRef(NamedTuple):
    """A zone named in the text: an IANA ``key`` (canonical spelling not yet
    checked), or a fixed ``offset`` from UTC. ``dst`` is True/False when an
    abbreviation claims summer/standard time (PDT/PST), else None."""

    key: str
    text: str
    offset: timedelta | None = None
    dst: bool | None = None


Span = tuple[int, int]
Edit = tuple[int, int, str]  # replace text[start:end] with the string


class Ambiguity(NamedTuple):
    """A phrase with more than one real reading, found while scanning ("10 to 4":
    3:50 or a range). Each choice is the list of edits that rewrites the user's
    text into one unambiguous command."""

    said: str
    readings: tuple[str, ...]
    choices: tuple[tuple[Edit, ...], ...]


_CONFLICTS = {
    "time": "two times, “{a}” and “{b}”. Give one start time, or a range such as “3pm-4pm”",
    "day": "two days, “{a}” and “{b}”. Give one day",
    "length": "two lengths, “{a}” and “{b}”. Give a duration (“for 45m”) or an end time, not both",
    "zone": "two time zones, “{a}” and “{b}”. Name at most one",
    "repeat": "two repeats, “{a}” and “{b}”. Give one, such as “every tue” or “daily”",
    "offset": "“{a}” and “{b}” both say when. Give one",
}


_WEEKDAY_AND_DATE = {"weekday", "date"}


@dataclass(slots=True)
class Parts:
    """Everything the scanner found; each slot may be filled once."""

    source: str = ""  # the text as written, for messages (patterns see it lower-cased)
    day_first: bool = False
    time: Clock | None = None
    end: Clock | None = None
    day: Day | None = None
    check_weekday: int | None = None  # "Tue Dec 8": the weekday must match the date
    daypart: str | None = None  # "morning" | "afternoon" | "evening" | "night"
    duration: timedelta | None = None
    offset: timedelta | None = None  # "in 2 hours", "now": measured from now
    recurrence: str | None = None
    weekdays: tuple[int, ...] = ()
    zone: ZoneRef | None = None
    past: str | None = None  # "last monday", "2 hours ago": what was said
    # "Sync for 2 hours from now": a length after "for", then a word that would make
    # it an offset. It is a length when the text says when elsewhere; otherwise a
    # question (resolve). The span from "for" to the end, the amount, the word.
    for_length: tuple[Span, str, str] | None = None
    ambiguities: list[Ambiguity] = field(default_factory=list)
    topic: str = ""
    unexplained: tuple[str, ...] = ()  # time-like words no pass explained
    unexplained_spans: tuple[Span, ...] = ()  # where they are, in ``source``
    title: str = ""  # every leftover word, unexplained ones included
    title_spans: tuple[Span, ...] = ()  # where the title's words are, in ``source``
    masked: str = ""  # ``source`` lower-cased, with each understood phrase masked
    seen: dict[str, str] = field(default_factory=dict)  # slot -> text that filled it
    unmask: list[Span] = field(default_factory=list)  # phrases given back to the topic
    spans: dict[str, Span] = field(default_factory=dict)  # slot -> where, in ``source``

    def copy(self, **changes: object) -> Parts:
        """A shallow copy with ``changes`` (cheaper than ``dataclasses.replace``,
        which runs ``__init__`` and its default factories)."""
        made = object.__new__(Parts)
        for name in Parts.__slots__:
            setattr(made, name, changes[name] if name in changes else getattr(self, name))
        return made

    def said(self, m: re.Match[str], group: int | str = 0) -> str:
        """What the user wrote for a match (or one of its groups), case kept."""
        start, end = m.span(group)
        return self.source[start:end].strip()

    def claim(self, slot: str, text: str, span: Span | None = None) -> None:
        """Fill a slot once; a second phrase for the same slot is a user error."""
        if "  " in text:
            text = " ".join(text.split())
        if slot in self.seen:
            reason = _CONFLICTS[slot].format(a=self.seen[slot], b=text)
            raise GrammarError(f"I found {reason}.")
        self.seen[slot] = text
        if span is not None:
            self.spans[slot] = span

    def set_day(self, day: Day, span: Span | None = None) -> bool:
        """A weekday next to a date ("Tue Dec 8") is a check, not a second day. A
        loose weekday ("Sun", "sat", "wed") gives way to another day, or to a date
        it does not stand next to. Returns False when ``day`` is not taken."""
        old = self.day
        if old is not None and (old.loose or day.loose):
            near = self._next_to(self.spans.get("day"), span)
            if not (near and {old.kind, day.kind} == _WEEKDAY_AND_DATE):
                if day.loose:
                    return False  # "Sat nav demo Dec 5": a topic word
                self.drop_loose_day()
        if old is not None and {old.kind, day.kind} == _WEEKDAY_AND_DATE and self.day:
            self.check_weekday = old.weekday if old.kind == "weekday" else day.weekday
            self.day = old if old.kind == "date" else day
            return True
        self.claim("day", day.text, span)
        self.day = day
        return True

    def drop_loose_day(self) -> None:
        """Forget a loose weekday ("Sun"): its words go back to the topic."""
        self.day = None
        del self.seen["day"]
        span = self.spans.pop("day", None)
        if span is not None:
            self.unmask.append(span)

    def _next_to(self, a: Span | None, b: Span | None) -> bool:
        """True when only spaces or a comma separate the two spans ("Sat, Dec 5")."""
        if a is None or b is None:
            return False
        between = self.source[min(a[1], b[1]) : max(a[0], b[0])]
        return not between.strip(" ,")

    def set_daypart(self, part: str | None, span: Span | None = None) -> None:
        if part:
            if self.daypart not in (None, part):
                raise GrammarError(f"I found both “{self.daypart}” and “{part}”. Give one.")
            self.daypart = part
            if span is not None:
                self.spans["daypart"] = span

    def set_time(self, clock: Clock, text: str, span: Span | None = None) -> None:
        self.claim("time", text, span)
        self.time = clock

    def set_zone(self, ref: ZoneRef, text: str) -> None:
        """ "14:00 UTC - 16:00 UTC" names one zone twice: that is fine."""
        if self.zone is not None and self.zone.key == ref.key:
            return
        self.claim("zone", text)
        self.zone = ref


@lru_cache(maxsize=1024)
def _readings(clock: Clock, hint: str | None) -> tuple[int, ...]:
    return clock._compute_readings(hint)


def _wrap(minutes: int) -> int:
    """Keep "quarter to 12am" on the clock face instead of going negative."""
    return minutes if 0 <= minutes <= 2880 else minutes % 1440


CACHED = (_readings,)  # see commands.when.clear_caches
