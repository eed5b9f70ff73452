"""The shared pieces of :mod:`commands.when`: the value types a scan produces,
pattern fragments built from the word tables, and small readers for amounts and
clock times.

The modules, one job each, so each fits on a few screens:

- :mod:`commands.when_words`, :mod:`commands.when_holidays`: the vocabulary, as tables;
- ``when_grammar`` (this one): types, fragments, readers;
- ``when_pass_*``: the phrase families (zones, dates, days, clock), one pass each;
- :mod:`commands.when_scan`: runs the passes in priority order;
- :mod:`commands.when_leftover`: which words no pass explained;
- :mod:`commands.when_days`, :mod:`commands.when_resolve`: one moment from the parts;
- :mod:`commands.when_ask`: the questions; :mod:`commands.when`: the public API.

Patterns are lower-case and run on an ASCII-lower-cased copy of the text (same
length, so spans still index the original); that is ~3x faster than
``re.IGNORECASE``. Everything is compiled once, at import. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from commands.when_words import (
    FRACTIONS,
    HOUR_WORDS,
    IANA_AREAS,
    MINUTE_WORDS,
    MONTHS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    WEEKDAY_PLURALS,
    WEEKDAYS,
)

__all__ = [
    "Clock", "Day", "GrammarError", "Parts", "Pass", "When", "ZoneRef", "measure", "read_clock",
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
    already unambiguous (15:00, 09:30, at 1530, 14h45)."""

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

        An ambiguous hour follows working hours: 1-6 mean pm, 7-11 mean am and 12
        means noon ("at 9" = 09:00, "at 3" = 15:00); the other half of the day is
        offered second, for "today at 7" said after 7 am. At night, 1-4 are the
        small hours after midnight ("tonight at 1" = 01:00 the next day).
        """
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
    ambiguities: list[Ambiguity] = field(default_factory=list)
    topic: str = ""
    unexplained: tuple[str, ...] = ()  # time-like words no pass explained
    title: str = ""  # every leftover word, unexplained ones included
    seen: dict[str, str] = field(default_factory=dict)  # slot -> text that filled it
    spans: dict[str, Span] = field(default_factory=dict)  # slot -> where, in ``source``

    def said(self, m: re.Match[str], group: int | str = 0) -> str:
        """What the user wrote for a match (or one of its groups), case kept."""
        return self.source[m.start(group) : m.end(group)].strip()

    def claim(self, slot: str, text: str, span: Span | None = None) -> None:
        """Fill a slot once; a second phrase for the same slot is a user error."""
        text = " ".join(text.split())
        if slot in self.seen:
            reason = _CONFLICTS[slot].format(a=self.seen[slot], b=text)
            raise GrammarError(f"I found {reason}.")
        self.seen[slot] = text
        if span is not None:
            self.spans[slot] = span

    def set_day(self, day: Day, span: Span | None = None) -> None:
        """A weekday next to a date ("Tue Dec 8") is a check, not a second day."""
        old = self.day
        if (
            old is not None
            and old.kind in ("weekday", "date")
            and {old.kind, day.kind}
            == {
                "weekday",
                "date",
            }
        ):
            self.check_weekday = old.weekday if old.kind == "weekday" else day.weekday
            self.day = old if old.kind == "date" else day
            return
        self.claim("day", day.text, span)
        self.day = day

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


def _wrap(minutes: int) -> int:
    """Keep "quarter to 12am" on the clock face instead of going negative."""
    return minutes if 0 <= minutes <= 2880 else minutes % 1440


# --- passes ----------------------------------------------------------------------

Handler = Callable[[re.Match[str], Parts], bool]
MASK, DAY_MASK, PART_MASK = "\x00", "\x01", "\x03"  # a time, a day, a daypart phrase
DIGIT = "\x02"  # a guard token that means "the text has a digit"
FLAGS = re.ASCII
LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Pass:
    """One family of phrases. ``needs``: the pass runs only if the text has one of
    these tokens (words, numbers → DIGIT, single symbols); one set check spares
    most regex scans, which keeps a parse well under 100 µs. ``after``: a mask that
    must already be present (phrases that only count next to a time or a day). The
    handler returns False to leave the text unmasked (not the phrase it hoped)."""

    pattern: re.Pattern[str]
    handler: Handler
    mask: str
    needs: frozenset[str]
    after: str


def scan_pass(
    pattern: str, mask: str = MASK, *, needs: Iterable[str] = (), after: str = ""
) -> Callable[[Handler], Pass]:
    """Decorator: compile ``pattern`` once and pair it with its handler."""

    def make(handler: Handler) -> Pass:
        compiled = re.compile(pattern, FLAGS | re.VERBOSE)
        return Pass(compiled, handler, mask, frozenset(needs), after)

    return make


def alternation(words: Iterable[str]) -> str:
    """Longest first, so "tues" wins over "tue" and "march" over "mar"; spaces in
    a phrase match any run of spaces."""
    escaped = (re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return "|".join(escaped)


# --- pattern fragments -----------------------------------------------------------

B = r"(?<![a-z0-9'’])"  # a word starts here
E = r"(?![a-z0-9])"  # a word ends here
WD = rf"(?:{alternation(WEEKDAYS)})"
WD_PLURAL = rf"(?:{alternation(WEEKDAY_PLURALS)})"
ANY_WD = rf"(?:{WD_PLURAL}|{WD})"
IANA_ZONE = rf"(?:{IANA_AREAS})/[a-z0-9_+\-]+(?:/[a-z_\-]+)?"
MORE_WD = rf"(?:\s*(?:,|&|\+|/|and|,\s*and)\s*{ANY_WD})*"  # ", wed and fri"
MON = rf"(?:{alternation(MONTHS)})\.?"
DIGITS = r"\d+(?:\.\d+)?"
HOURW = rf"(?:{alternation(HOUR_WORDS)})"
MINW = rf"(?:{alternation(MINUTE_WORDS)})"
ANY_MINW = rf"(?:{alternation({**HOUR_WORDS, **MINUTE_WORDS})})"  # "five past", "twenty to"
SOFTEN = r"(?:(?:about|around|approximately|approx\.?|roughly|circa|~)\s*)"
ORDW = rf"(?:{alternation(ORDINAL_WORDS)})"
ORD_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{ORDW})"  # "4th", "fourth"
QUANT = r"(?:an?\s+)?(?:couple|few)(?:\s+of)?"
WORD_NUM = rf"(?:{QUANT}|{alternation(k for k in NUMBER_WORDS if k not in ('couple', 'few'))})"
_PART_OF = r"quarter|three[\s-]quarters|[13]/4|1/2"
FRACTION = rf"(?:a\s+)?(?:{_PART_OF})\s+(?:of\s+)?an?\s+hour"
UNIT_LONG = r"(?:hours?|hrs?|minutes?|mins?|days?|weeks?|wks?|fortnights?|months?|mos?|years?|yrs?)"
UNIT_ALL = rf"(?:{UNIT_LONG}|h|m|d|w)"
UNIT_BARE = r"(?:hours?|hrs?|minutes?|mins?)"
MER = r"(?:\s*(?:a\.\s?m\.?|p\.\s?m\.?|am|pm))(?![a-z0-9])"
ISH = r"(?:\s*-?\s*ish)?"
ORD = r"(?:st|nd|rd|th)?"
SECS = r"(?::\d{2})?"
ATOM = rf"""(?:\d{{1,2}}(?:[:.]\d{{2}}{SECS})?(?:{MER})?|noon|midday|midnight
    |{HOURW}(?:\s+{MINW})?(?:{MER}|\s+o['’]?clock)?){ISH}"""
NOT_MORE = rf"(?![:./]\d)(?!\s*{UNIT_ALL}{E})"  # not part of a longer number or an amount
# Number words need a space and a whole unit word, so "and" is never "an d(ay)".
PAIR = rf"(?:{DIGITS}\s*-?\s*{UNIT_ALL}|{WORD_NUM}[\s-]+{UNIT_LONG}){E}"
PAIR_BARE = rf"(?:{DIGITS}\s*-?\s*(?:{UNIT_BARE}|h)|{WORD_NUM}[\s-]+{UNIT_BARE}){E}"
COMPOUND = rf"\d+\s*h\s*\d{{1,2}}(?:\s*m(?:in(?:ute)?s?)?)?{E}"
COMPOUND_BARE = rf"\d\s*h\s*\d{{1,2}}(?:\s*m(?:in(?:ute)?s?)?)?{E}"  # "1h30"; "14h45" is a clock
HALF_HOUR = rf"(?:an?\s+)?half\s+(?:an?\s+)?hour{E}"
AND_HALF = rf"(?:\s+and\s+a\s+half{E})?"
DURATION = rf"(?:{HALF_HOUR}|{FRACTION}{E}|{COMPOUND}|{PAIR}(?:\s*(?:,|and)?\s*{PAIR})*{AND_HALF})"
PAIRS_BARE = rf"{PAIR_BARE}(?:\s*(?:,|and)?\s*{PAIR_BARE})*{AND_HALF}"
DURATION_BARE = rf"(?:{HALF_HOUR}|{COMPOUND_BARE}|{PAIRS_BARE})"

PAIR_RE = re.compile(
    rf"(?:(?P<n>{DIGITS})\s*-?\s*(?P<u>{UNIT_ALL})|(?P<w>{WORD_NUM})[\s-]+(?P<v>{UNIT_LONG})){E}",
    FLAGS,
)
COMPOUND_RE = re.compile(r"(?P<h>\d+)\s*h\s*(?P<m>\d{1,2})", FLAGS)
FRACTION_RE = re.compile(rf"(?P<f>{_PART_OF})\s+(?:of\s+)?an?\s+hour", FLAGS)
WEEKDAY_RE = re.compile(rf"{B}({WD_PLURAL}|{WD}){E}", FLAGS)
PLURAL_RE = re.compile(WD_PLURAL, FLAGS)
MARKED = re.compile(r"[ap]\.?\s?m|noon|midday|midnight|o['’]?clock", FLAGS)
_ATOM_RE = re.compile(
    rf"""(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?)?(?P<ap>{MER})?
    |(?P<w>noon|midday|midnight)
    |(?P<hw>{HOURW})(?:\s+(?P<mw>{MINW}))?(?:(?P<wap>{MER})|\s+o['’]?clock)?""",
    FLAGS | re.VERBOSE,
)
_ISH_TAIL = re.compile(r"\s*-?\s*ish$")
UNIT_MINUTES = {"h": 60, "m": 1, "d": 1440, "w": 10080, "f": 20160}


# --- small readers -----------------------------------------------------------------


def _number(word: str) -> float:
    word = " ".join(word.split())
    for prefix in ("a ", "an "):
        word = word.removeprefix(prefix)
    word = word.removesuffix(" of")
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else float(word)


def measure(text: str) -> tuple[int, float, bool]:
    """Read an amount of time: (months, minutes, uses hours/minutes units).

    "1h30", "1 hour and 30 minutes", "an hour and a half", "half an hour", "2 weeks",
    "3/4 of an hour", "a couple of days". ``text`` is already lower-case.
    """
    low = text
    fraction = FRACTION_RE.search(low)
    if fraction:
        return 0, float(FRACTIONS[" ".join(fraction["f"].split())]), True
    if "half" in low and "hour" in low and "and a half" not in low:
        return 0, 30.0, True
    compound = COMPOUND_RE.search(low)
    if compound:
        return 0, int(compound["h"]) * 60.0 + int(compound["m"]), True
    months, minutes, clock, last = 0, 0.0, False, 0.0
    for pair in PAIR_RE.finditer(low):
        unit, amount = pair["u"] or pair["v"], _number(pair["n"] or pair["w"])
        if unit.startswith(("mo", "y")):
            if amount != int(amount):
                raise GrammarError(f"“{text}”: months must be a whole number, e.g. “in 2 months”.")
            months += int(amount) * (12 if unit.startswith("y") else 1)
            continue
        last = UNIT_MINUTES[unit[0]]
        clock = clock or unit[0] in "hm"
        minutes += amount * last
    if low.endswith("and a half"):
        minutes += last / 2
    return months, minutes, clock


def read_clock(text: str, *, at: bool = False) -> Clock:
    """Read "3pm", "15:00", "3.30 p.m.", "16:10:05", "noon", "eleven fifteen",
    "four o'clock"; ``at`` marks "at 1530" style where three or four bare digits are
    HHMM."""
    clean = _ISH_TAIL.sub("", text.strip())
    if clean.isdigit() and len(clean) > 2:
        hour, minute = int(clean[:-2]), int(clean[-2:])
        return _checked(hour, minute, None, len(clean) == 4 or hour > 12, clean)
    match = _ATOM_RE.fullmatch(clean)
    if match is None:  # pragma: no cover - callers only pass text their patterns matched
        raise GrammarError(f"I couldn't read the time “{clean}”.")
    if match["w"]:
        return Clock(24 if match["w"] == "midnight" else 12, 0, None, True, clean)
    if match["hw"]:
        hour = HOUR_WORDS[" ".join(match["hw"].split())]
        minute = MINUTE_WORDS[" ".join(match["mw"].split())] if match["mw"] else 0
        return _checked(hour, minute, _meridiem(match["wap"]), False, clean)
    hour, minute = int(match["h"]), int(match["m"] or 0)
    meridiem = _meridiem(match["ap"])
    h24 = meridiem is None and (match["h"].startswith("0") or hour == 0 or hour > 12)
    return _checked(hour, minute, meridiem, h24, clean, int(match["s"] or 0))


def _meridiem(mark: str | None) -> str | None:
    if not mark:
        return None
    return "am" if mark.strip().startswith("a") else "pm"


def _checked(
    hour: int, minute: int, meridiem: str | None, h24: bool, text: str, second: int = 0
) -> Clock:
    """Reject 25:00, 3:75, 13pm and 0am with a message that names the problem."""
    if minute > 59 or second > 59 or hour > 23 or (meridiem and not 1 <= hour <= 12):
        raise GrammarError(
            f"“{text}” is not a time of day. Use 1-12 with am/pm or 0-23 on a 24-hour "
            "clock, e.g. “3:30pm” or “15:30”.",
            ("tomorrow 3:30pm Design review", "tomorrow 15:30 Design review"),
        )
    return Clock(hour, minute, meridiem, h24, text, second)


def ordinal(word: str) -> int:
    """ "4th" → 4, "fourth" → 4, "twenty first" → 21."""
    word = " ".join(word.split())
    if word[:1].isdigit():
        return int(word.rstrip("stndrh"))
    return ORDINAL_WORDS[word]
