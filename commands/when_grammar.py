"""The grammar half of :mod:`commands.when`: text in, :class:`Parts` out.

Why a scanner of ordered passes rather than one big regex: meeting text mixes
phrases that overlap ("at 9 dec" is a date, "2-3pm" is a range, "2026-12-03" is
not a range). Each pass looks for one family of phrases, most specific first, and
masks what it takes, so later passes cannot reuse those characters. Whatever is
never masked is the topic. All patterns are compiled once, at import.

This module only *reads* text. Turning parts into a moment (today or tomorrow,
which year, time zones, DST) is :mod:`commands.when`'s job, so the two can be
tested and reasoned about apart. It is pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

__all__ = ["Clock", "Day", "GrammarError", "Parts", "ZoneRef", "scan"]

EXAMPLES = ("tomorrow 3pm for 45m Budget review", "every tue 10:30am IST Standup")


class GrammarError(Exception):
    """A problem in the text itself; :func:`commands.when.parse_when` re-raises it as
    ``WhenError`` (kept separate so this module does not import its caller)."""

    def __init__(self, message: str, examples: tuple[str, ...] = EXAMPLES) -> None:
        super().__init__(message)
        self.message = message
        self.examples = examples


class Clock(NamedTuple):
    """A time of day as written. ``hour`` is 0-23, or 24 for "midnight" (the end
    of the named day). ``meridiem`` is "am"/"pm" when written; ``h24`` is True
    for forms that are already unambiguous (15:00, 09:30, at 1530)."""

    hour: int
    minute: int
    meridiem: str | None
    h24: bool
    text: str

    @property
    def ambiguous(self) -> bool:
        """True for "at 9" or "3:30": could be morning or evening."""
        return self.meridiem is None and not self.h24 and 1 <= self.hour <= 12

    def readings(self, hint: str | None = None) -> tuple[int, ...]:
        """Minutes after the day's midnight, preferred reading first (1440 = the
        day's end). ``hint`` is "am", "pm" or "night" from a daypart word.

        An ambiguous hour follows working hours: 1-6 mean pm, 7-11 mean am and 12
        means noon ("at 9" = 09:00, "at 3" = 15:00); the other half of the day is
        offered second, for "today at 7" said after 7 am.
        """
        hour = self.hour
        if self.meridiem:
            hours: tuple[int, ...] = (hour % 12 + (12 if self.meridiem == "pm" else 0),)
        elif not self.ambiguous:
            hours = (hour,)
        elif hour == 12:
            hours = (24 if hint == "night" else 12,)
        elif hint:
            hours = (hour + (0 if hint == "am" else 12),)
        else:
            hours = (hour + 12, hour) if hour <= 6 else (hour, hour + 12)
        return tuple(_wrap(h * 60 + self.minute) for h in hours)


class Day(NamedTuple):
    """A day as written: ``offset`` days/months from today, a ``weekday`` (Monday=0)
    or a calendar ``date`` (year None when the text gave none)."""

    kind: str  # "offset" | "weekday" | "date"
    text: str
    days: int = 0
    months: int = 0
    weekday: int = 0
    this: bool = False  # "this tue": today counts
    year: int | None = None
    month: int = 0
    day: int = 0


class ZoneRef(NamedTuple):
    """A zone named in the text: an IANA ``key`` (canonical spelling not yet
    checked), or a fixed ``offset`` from UTC. ``dst`` is True/False when an
    abbreviation claims summer/standard time (PDT/PST), else None."""

    key: str
    text: str
    offset: timedelta | None = None
    dst: bool | None = None


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
    topic: str = ""
    seen: dict[str, str] = field(default_factory=dict)  # slot -> text that filled it


def _wrap(minutes: int) -> int:
    """Keep "quarter to 12am" on the clock face instead of going negative."""
    return minutes if 0 <= minutes <= 1440 else minutes % 1440


# --- vocabulary ------------------------------------------------------------------

WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "ninety": 90,
}  # fmt: skip
# Abbreviations name the region's wall clock (users say "PST" all year round);
# ``dst`` records what the abbreviation claims so the caller can note a mismatch.
ZONE_ABBREVIATIONS: dict[str, tuple[str, bool | None]] = {
    "utc": ("UTC", None), "gmt": ("UTC", None),
    "ist": ("Asia/Kolkata", None),
    "pst": ("America/Los_Angeles", False), "pdt": ("America/Los_Angeles", True),
    "est": ("America/New_York", False), "edt": ("America/New_York", True),
    "cst": ("America/Chicago", False), "cdt": ("America/Chicago", True),
    "mst": ("America/Denver", False), "mdt": ("America/Denver", True),
    "cet": ("Europe/Paris", False), "cest": ("Europe/Paris", True),
    "bst": ("Europe/London", True),
    "eet": ("Europe/Athens", False), "eest": ("Europe/Athens", True),
    "msk": ("Europe/Moscow", None),
    "aest": ("Australia/Sydney", False), "aedt": ("Australia/Sydney", True),
    "jst": ("Asia/Tokyo", None), "kst": ("Asia/Seoul", None),
    "sgt": ("Asia/Singapore", None), "hkt": ("Asia/Hong_Kong", None),
    "nzst": ("Pacific/Auckland", False), "nzdt": ("Pacific/Auckland", True),
}  # fmt: skip
# Short US forms are ordinary words too, so they count only right after a time.
SHORT_ZONES = {
    "pt": "America/Los_Angeles", "et": "America/New_York",
    "ct": "America/Chicago", "mt": "America/Denver",
}  # fmt: skip
# "<name> time": "3pm pacific time", "10am india time".
NAMED_ZONES = {
    "pacific": "America/Los_Angeles", "eastern": "America/New_York",
    "central": "America/Chicago", "mountain": "America/Denver",
    "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "uk": "Europe/London",
    "london": "Europe/London", "sydney": "Australia/Sydney", "tokyo": "Asia/Tokyo",
    "new york": "America/New_York", "singapore": "Asia/Singapore",
}  # fmt: skip
IANA_AREAS = "africa|america|antarctica|arctic|asia|atlantic|australia|europe|indian|pacific|etc"
DAYPARTS = {"morning": 9, "afternoon": 14, "evening": 18, "night": 20}
UNIT_MINUTES = {"h": 60, "m": 1, "d": 1440, "w": 10080}
# Patterns are lower-case and run on an ASCII-lower-cased copy of the text (same
# length, so spans still index the original): ~3x faster than re.IGNORECASE.
FLAGS = re.ASCII
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _alternation(words: object) -> str:
    """Longest first, so "tues" wins over "tue" and "march" over "mar"."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))  # type: ignore[arg-type]


# --- pattern fragments -----------------------------------------------------------

B = r"(?<![a-z0-9'’])"  # a word starts here
E = r"(?![a-z0-9])"  # a word ends here
WD = rf"(?:{_alternation(WEEKDAYS)})"
WD_PLURAL = r"(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
ANY_WD = rf"(?:{WD_PLURAL}|{WD})"
MORE_WD = rf"(?:\s*(?:,|&|\+|/|and|,\s*and)\s*{ANY_WD})*"  # ", wed and fri"
MON = rf"(?:{_alternation(MONTHS)})\.?"
DIGITS = r"\d+(?:\.\d+)?"
WORD_NUM = rf"(?:{_alternation(NUMBER_WORDS)})"
UNIT_LONG = r"(?:hours?|hrs?|minutes?|mins?|days?|weeks?|wks?|months?|mos?)"
UNIT_ALL = rf"(?:{UNIT_LONG}|h|m|d|w)"
UNIT_BARE = r"(?:hours?|hrs?|minutes?|mins?)"
MER = r"(?:\s*(?:a\.\s?m\.?|p\.\s?m\.?|am|pm))(?![a-z0-9])"
ORD = r"(?:st|nd|rd|th)?"
ATOM = rf"(?:\d{{1,2}}(?:[:.]\d{{2}})?(?:{MER})?|noon|midday|midnight)"
NOT_MORE = rf"(?![:./]\d)(?!\s*{UNIT_ALL}{E})"  # not part of a longer number or an amount
# Number words need a space and a whole unit word, so "and" is never "an d(ay)".
PAIR = rf"(?:{DIGITS}\s*-?\s*{UNIT_ALL}|{WORD_NUM}[\s-]+{UNIT_LONG}){E}"
PAIR_BARE = rf"(?:{DIGITS}\s*-?\s*(?:{UNIT_BARE}|h)|{WORD_NUM}[\s-]+{UNIT_BARE}){E}"
COMPOUND = rf"\d+\s*h\s*\d{{1,2}}(?:\s*m(?:in(?:ute)?s?)?)?{E}"
HALF_HOUR = rf"(?:an?\s+)?half\s+(?:an?\s+)?hour{E}"
AND_HALF = rf"(?:\s+and\s+a\s+half{E})?"
DURATION = rf"(?:{HALF_HOUR}|{COMPOUND}|{PAIR}(?:\s*(?:,|and)?\s*{PAIR})*{AND_HALF})"
DURATION_BARE = rf"(?:{HALF_HOUR}|{COMPOUND}|{PAIR_BARE}(?:\s*(?:,|and)?\s*{PAIR_BARE})*{AND_HALF})"

_PAIR_RE = re.compile(
    rf"(?:(?P<n>{DIGITS})\s*-?\s*(?P<u>{UNIT_ALL})|(?P<w>{WORD_NUM})[\s-]+(?P<v>{UNIT_LONG})){E}",
    FLAGS,
)
_COMPOUND_RE = re.compile(r"(?P<h>\d+)\s*h\s*(?P<m>\d{1,2})", FLAGS)
_WEEKDAY_RE = re.compile(rf"{B}({WD_PLURAL}|{WD}){E}", FLAGS)
_PLURAL_RE = re.compile(WD_PLURAL, FLAGS)
_MARKED = re.compile(r"[ap]\.?\s?m|noon|midday|midnight", FLAGS)
_ATOM_RE = re.compile(
    rf"(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?(?P<ap>{MER})?|(?P<w>noon|midday|midnight)", FLAGS
)


# --- small readers -----------------------------------------------------------------


def _number(word: str) -> float:
    word = word.lower()
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else float(word)


def measure(text: str) -> tuple[int, float, bool]:
    """Read an amount of time: (months, minutes, uses hours/minutes units).

    "1h30", "1 hour and 30 minutes", "an hour and a half", "half an hour", "2 weeks".
    """
    low = text.lower()
    if "half" in low and "hour" in low and "and a half" not in low:
        return 0, 30.0, True
    compound = _COMPOUND_RE.search(low)
    if compound:
        return 0, int(compound["h"]) * 60.0 + int(compound["m"]), True
    months, minutes, clock, last = 0, 0.0, False, 0.0
    for pair in _PAIR_RE.finditer(low):
        unit, amount = pair["u"] or pair["v"], _number(pair["n"] or pair["w"])
        if unit.startswith("mo"):
            if amount != int(amount):
                raise GrammarError(f"“{text}”: months must be a whole number, e.g. “in 2 months”.")
            months += int(amount)
            continue
        last = UNIT_MINUTES[unit[0]]
        clock = clock or unit[0] in "hm"
        minutes += amount * last
    if low.endswith("and a half"):
        minutes += last / 2
    return months, minutes, clock


def read_clock(text: str, *, at: bool = False) -> Clock:
    """Read "3pm", "15:00", "3.30 p.m.", "noon", "midnight"; ``at`` marks "at 1530"
    style where three or four bare digits are HHMM."""
    clean = text.strip()
    if at and clean.isdigit() and len(clean) > 2:
        hour, minute = int(clean[:-2]), int(clean[-2:])
        return _checked(hour, minute, None, len(clean) == 4 or hour > 12, clean)
    match = _ATOM_RE.fullmatch(clean)
    if match is None:  # pragma: no cover - callers only pass text their patterns matched
        raise GrammarError(f"I couldn't read the time “{clean}”.")
    if match["w"]:
        word = match["w"].lower()
        return Clock(24 if word == "midnight" else 12, 0, None, True, clean)
    hour, minute = int(match["h"]), int(match["m"] or 0)
    meridiem = None
    if match["ap"]:
        meridiem = "am" if match["ap"].strip().lower().startswith("a") else "pm"
    h24 = meridiem is None and (match["h"].startswith("0") or hour == 0 or hour > 12)
    return _checked(hour, minute, meridiem, h24, clean)


def _checked(hour: int, minute: int, meridiem: str | None, h24: bool, text: str) -> Clock:
    """Reject 25:00, 3:75, 13pm and 0am with a message that names the problem."""
    if minute > 59 or hour > 23 or (meridiem and not 1 <= hour <= 12):
        raise GrammarError(
            f"“{text}” is not a time of day. Use 1-12 with am/pm or 0-23 on a 24-hour "
            "clock, e.g. “3:30pm” or “15:30”.",
            ("tomorrow 3:30pm Design review", "tomorrow 15:30 Design review"),
        )
    return Clock(hour, minute, meridiem, h24, text)


# --- slots -----------------------------------------------------------------------

_CONFLICTS = {
    "time": "two times, “{a}” and “{b}”. Give one start time, or a range such as “3pm-4pm”",
    "day": "two days, “{a}” and “{b}”. Give one day",
    "length": "two lengths, “{a}” and “{b}”. Give a duration (“for 45m”) or an end time, not both",
    "zone": "two time zones, “{a}” and “{b}”. Name at most one",
    "repeat": "two repeats, “{a}” and “{b}”. Give one, such as “every tue” or “daily”",
    "offset": "“{a}” and “{b}” both say when. Give one",
}


def _said(m: re.Match[str], parts: Parts, group: int | str = 0) -> str:
    """What the user wrote for a match (or one of its groups), case kept."""
    return parts.source[m.start(group) : m.end(group)].strip()


def _claim(parts: Parts, slot: str, text: str) -> None:
    """Fill a slot once; a second phrase for the same slot is a user error."""
    text = " ".join(text.split())
    if slot in parts.seen:
        reason = _CONFLICTS[slot].format(a=parts.seen[slot], b=text)
        raise GrammarError(f"I found {reason}.")
    parts.seen[slot] = text


def _set_day(parts: Parts, day: Day) -> None:
    """A weekday next to a date ("Tue Dec 8") is a check, not a second day."""
    old = parts.day
    if old is not None and {old.kind, day.kind} == {"weekday", "date"}:
        parts.check_weekday = old.weekday if old.kind == "weekday" else day.weekday
        parts.day = old if old.kind == "date" else day
        return
    _claim(parts, "day", day.text)
    parts.day = day


def _set_daypart(parts: Parts, part: str | None) -> None:
    if part:
        part = part.lower()
        if parts.daypart not in (None, part):
            raise GrammarError(f"I found both “{parts.daypart}” and “{part}”. Give one.")
        parts.daypart = part


def _set_time(parts: Parts, clock: Clock, text: str) -> None:
    _claim(parts, "time", text)
    parts.time = clock


# --- passes ----------------------------------------------------------------------
# Each handler gets the match and the parts; it returns False to leave the text
# unmasked (the phrase turned out not to be what the pattern hoped).

Handler = Callable[[re.Match[str], Parts], bool]
DAY_MASK, MASK = "\x01", "\x00"
DIGIT = "\x02"  # a guard that means "the text has a digit"


@dataclass(frozen=True, slots=True)
class _Pass:
    """One family of phrases. ``needs``: the pass runs only if the text has one of
    these tokens (words, numbers → DIGIT, single symbols); one set check spares
    most regex scans, which keeps a parse well under 100 µs. ``after``: a mask that
    must already be present (phrases that only count next to a time or a day)."""

    pattern: re.Pattern[str]
    handler: Handler
    mask: str
    needs: frozenset[str]
    after: str


_PASSES: list[_Pass] = []
_DAY_WORDS = (
    *WEEKDAYS, "today", "tonight", "tomorrow", "tmrw", "tmr", "tomorow", "tommorow",
    "tommorrow", "yesterday", "overmorrow", "day",
)  # fmt: skip
_REPEAT_WORDS = (
    "daily", "every", "everyday", "each", "week", "weekday", "weekdays", "workday",
    "workdays", "work", "working", "business", "weekly", "monthly", "once", "mon",
    "monday", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays",
    "sundays",
)  # fmt: skip
_AMOUNT_WORDS = (
    "h", "m", "d", "w", "hour", "hours", "hr", "hrs", "half", "min", "mins", "minute",
    "minutes", "day", "days", "week", "weeks", "wk", "wks", "month", "months", "mo", "mos",
)  # fmt: skip
_CLOCK_WORDS = (
    "am", "pm", "a", "p", ":", "past", "after", "to", "before", "noon", "midday", "midnight",
    "clock",
)  # fmt: skip


def _pass(
    pattern: str, mask: str = MASK, *, needs: tuple[str, ...] = (), after: str = ""
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        compiled = re.compile(pattern, FLAGS | re.VERBOSE)
        _PASSES.append(_Pass(compiled, handler, mask, frozenset(needs), after))
        return handler

    return register


@_pass(rf"{B}(?:in\s+)?(?P<z>(?:{IANA_AREAS})/[a-z0-9_+\-]+(?:/[a-z_\-]+)?){E}", needs=("/",))
def _iana_zone(m: re.Match[str], parts: Parts) -> bool:
    _claim(parts, "zone", _said(m, parts))
    parts.zone = ZoneRef(m["z"], _said(m, parts, "z"))
    return True


@_pass(
    rf"{B}(?:in\s+)?(?:utc|gmt)\s*(?P<sign>[+\-−])\s*(?P<h>\d{{1,2}})(?::?(?P<m>\d{{2}}))?{E}",
    needs=("utc", "gmt"),
)
def _offset_zone(m: re.Match[str], parts: Parts) -> bool:
    hours, minutes = int(m["h"]), int(m["m"] or 0)
    if hours > 14 or minutes > 59:
        raise GrammarError(f"“{_said(m, parts)}” is not a UTC offset; offsets run from -12 to +14.")
    sign = -1 if m["sign"] in "-−" else 1
    label = f"UTC{'+' if sign > 0 else '-'}{hours:02d}:{minutes:02d}"
    _claim(parts, "zone", _said(m, parts))
    offset = sign * timedelta(hours=hours, minutes=minutes)
    parts.zone = ZoneRef(label, _said(m, parts), offset=offset)
    return True


@_pass(rf"(?<=\d)z{E}", needs=("z",))
def _zulu(m: re.Match[str], parts: Parts) -> bool:
    """ "15:00Z", "2026-12-03T15:00Z": ISO's mark for UTC."""
    _claim(parts, "zone", _said(m, parts))
    parts.zone = ZoneRef("UTC", "Z")
    return True


@_pass(
    rf"{B}(?:on\s+)?(?P<y>\d{{4}})(?P<sep>[-/])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?:{E}|t(?=\d))",
    DAY_MASK,
    needs=("-", "/"),
)
def _iso_date(m: re.Match[str], parts: Parts) -> bool:
    _set_day(parts, _date(_said(m, parts), int(m["y"]), int(m["m"]), int(m["d"])))
    return True


@_pass(
    rf"""{B}(?:on\s+)?(?:(?P<wd>{WD}),?\s+)?(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})
    (?:/(?P<y>\d{{4}}|\d{{2}}))?(?![0-9/])(?!\s*{UNIT_ALL}{E})""",
    DAY_MASK,
    needs=("/",),
)
def _numeric_date(m: re.Match[str], parts: Parts) -> bool:
    first, second = int(m["a"]), int(m["b"])
    month, day = (second, first) if parts.day_first else (first, second)
    year = int(m["y"]) if m["y"] else None
    if year is not None and year < 100:
        year += 2000
    order = "day/month" if parts.day_first else "month/day"
    if not 1 <= month <= 12:
        raise GrammarError(
            f"“{m['a']}/{m['b']}” is not a date: I read numeric dates as {order}. "
            "Try “Dec 5” to avoid any doubt.",
            ("Dec 5 3pm Budget review", "2026-12-05 15:00 Budget review"),
        )
    _set_day(parts, _date(_said(m, parts), year, month, day))
    if m["wd"]:
        parts.check_weekday = WEEKDAYS[m["wd"].lower()]
    return True


@_pass(
    rf"""{B}(?:on\s+)?(?:(?P<wd>{WD}),?\s+)?(?:the\s+)?
    (?: (?P<mon>{MON})\s*(?P<d1>\d{{1,2}}){ORD}
      | (?P<d2>\d{{1,2}}){ORD}\s*(?:of\s+)?(?P<mon2>{MON}) )
    (?:,?\s+(?P<y>20\d\d))?{E}
    (?!\s*(?:[:.]\d|{MER}|[-–]|o['’]?clock|{UNIT_ALL}{E}))""",
    DAY_MASK,
    needs=tuple(MONTHS),
)
def _month_date(m: re.Match[str], parts: Parts) -> bool:
    month = MONTHS[(m["mon"] or m["mon2"]).rstrip(".").lower()]
    day = int(m["d1"] or m["d2"])
    _set_day(parts, _date(_said(m, parts), int(m["y"]) if m["y"] else None, month, day))
    if m["wd"]:
        parts.check_weekday = WEEKDAYS[m["wd"].lower()]
    return True


def _date(text: str, year: int | None, month: int, day: int) -> Day:
    """A calendar day; days that exist in no year (Feb 30, Apr 31) fail here,
    Feb 29 is checked once the year is known."""
    limits = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= month <= 12 or not 1 <= day <= limits[month - 1]:
        raise GrammarError(
            f"“{text.strip()}” is not a real date.",
            ("Dec 5 3pm Budget review", "2026-12-05 15:00 Budget review"),
        )
    return Day("date", text.strip(), year=year, month=month, day=day)


@_pass(
    rf"{B}every\s+(?:other|second|\d+(?:st|nd|rd|th)?)\s+\w+|{B}(?:bi-?weekly|fortnightly){E}",
    needs=("every", "biweekly", "bi", "fortnightly"),
)
def _unsupported_repeat(m: re.Match[str], parts: Parts) -> bool:
    raise GrammarError(
        f"I can't repeat “{_said(m, parts)}”: repeats are daily, every weekday, weekly "
        "(on named days) or monthly.",
        ("every tue 10am Standup", "every weekday 9:30 Stand-up"),
    )


@_pass(
    rf"""{B}(?:
      (?P<daily>daily|every\s*day|each\s+day|every\s+(?P<part>morning|afternoon|evening|night))
    | (?P<wkdays>(?P<every>(?:every|each|on)\s+)?(?:week|work|business|working)\s*days?
        |mon(?:day)?\s*(?:-|–|to|through)\s*fri(?:day)?)
    | (?P<weekly>weekly|every\s+week|once\s+a\s+week)
    | (?P<monthly>monthly|every\s+month|once\s+a\s+month)
    | (?P<list>(?:every|each|on)\s+{ANY_WD}{MORE_WD} | {WD_PLURAL}{MORE_WD})
    ){E}""",
    needs=_REPEAT_WORDS,
)
def _recurrence(m: re.Match[str], parts: Parts) -> bool:
    text = m.group(0)
    if m["list"]:
        if text.startswith("on ") and not _PLURAL_RE.search(text):
            return False  # "on tuesday" is a day, not a repeat
        found = _WEEKDAY_RE.findall(text)
        days = tuple(sorted({WEEKDAYS[w[:-1] if w.endswith("days") else w] for w in found}))
        kind = "weekly"
    elif m["daily"]:
        kind, days = "daily", ()
        _set_daypart(parts, m["part"])
    elif m["wkdays"]:
        if not (m["every"] or text.endswith("s") or "fri" in text):
            return False  # a lone "weekday" is a topic word
        kind, days = "weekdays", (0, 1, 2, 3, 4)
    else:
        kind, days = ("weekly" if m["weekly"] else "monthly"), ()
    _claim(parts, "repeat", _said(m, parts))
    parts.recurrence, parts.weekdays = kind, days
    return True


@_pass(
    rf"{B}(?:in\s+(?P<d>{DURATION})|(?P<d2>{DURATION})\s+from\s+(?:now|today){E})",
    needs=("in", "from"),
)
def _relative(m: re.Match[str], parts: Parts) -> bool:
    text = m["d"] or m["d2"]
    months, minutes, clock = measure(text)
    if minutes > 5 * 366 * 1440 or months > 60:
        raise GrammarError(f"“{_said(m, parts)}” is too far ahead; I book up to 5 years out.")
    if not clock and minutes % 1440 == 0:
        _set_day(parts, Day("offset", _said(m, parts), days=int(minutes // 1440), months=months))
        return True
    if months:
        raise GrammarError(f"“{_said(m, parts)}”: give months or hours, not both.")
    _claim(parts, "offset", _said(m, parts))
    parts.offset = timedelta(minutes=minutes)
    return True


@_pass(
    rf"""{B}(?:
      (?P<dat>(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr)|overmorrow)
    | (?P<rel>today|tonight|tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|yesterday)
    | (?:(?P<mode>this\s+coming|coming|this|next|on)\s+)?(?P<wd>{WD})
    )(?:\s+(?P<part>morning|afternoon|evening|night))?{E}""",
    DAY_MASK,
    needs=_DAY_WORDS,
)
def _day_word(m: re.Match[str], parts: Parts) -> bool:
    text = _said(m, parts)
    if m["dat"]:
        day = Day("offset", text, days=2)
    elif m["rel"]:
        word = m["rel"].lower()
        offsets = {"today": 0, "tonight": 0, "yesterday": -1}
        day = Day("offset", text, days=offsets.get(word, 1))
        if word == "tonight":
            _set_daypart(parts, "night")
    else:
        mode = (m["mode"] or "").lower()
        day = Day("weekday", text, weekday=WEEKDAYS[m["wd"].lower()], this=mode.startswith("this"))
    _set_day(parts, day)
    _set_daypart(parts, m["part"])
    return True


@_pass(
    rf"{B}(?:this\s+(?P<p>morning|afternoon|evening)|in\s+the\s+(?P<q>morning|afternoon|evening)|at\s+night){E}",
    needs=("morning", "afternoon", "evening", "night"),
)
def _daypart(m: re.Match[str], parts: Parts) -> bool:
    if m["p"]:
        _set_day(parts, Day("offset", _said(m, parts)))
    _set_daypart(parts, m["p"] or m["q"] or "night")
    return True


@_pass(
    rf"""{B}(?:(?:at|@)\s*)?(?:(?P<kw>from|between)\s+)?(?P<a>{ATOM})
    \s*(?P<sep>[-–—]|\s(?:to|until|till|til|through|and)\s)\s*(?P<b>{ATOM}){E}{NOT_MORE}""",
    needs=("-", "–", "—", "to", "and", "til", "till", "until", "through"),
)
def _range(m: re.Match[str], parts: Parts) -> bool:
    sep = m["sep"].strip().lower()
    both = m["a"] + m["b"]
    after_day = m.string[: m.start()].rstrip().endswith(DAY_MASK)  # "tonight 9-11"
    strong = m["kw"] or after_day or ":" in both or _MARKED.search(both)
    if not strong or (sep == "and") != ((m["kw"] or "").lower() == "between"):
        return False  # "Part 1-2", "9 to 5": not clearly clock times
    _set_time(parts, read_clock(m["a"]), _said(m, parts))
    _claim(parts, "length", _said(m, parts))
    parts.end = read_clock(m["b"])
    return True


@_pass(
    rf"{B}(?:until|till|til|'til|through|ending\s+at|ends?\s+at)\s+(?P<b>{ATOM}){E}{NOT_MORE}",
    needs=("til", "till", "until", "through", "ending", "end", "ends"),
)
def _until(m: re.Match[str], parts: Parts) -> bool:
    _claim(parts, "length", _said(m, parts))
    parts.end = read_clock(m["b"])
    return True


@_pass(
    rf"{B}(?:for\s+(?:about\s+|around\s+)?(?P<d>{DURATION})|(?P<b>{DURATION_BARE})(?:\s+long{E})?)",
    needs=_AMOUNT_WORDS,
)
def _duration(m: re.Match[str], parts: Parts) -> bool:
    months, minutes, _ = measure(m["d"] or m["b"])
    _claim(parts, "length", _said(m, parts))
    if months or minutes > 24 * 60 or round(minutes) < 1:
        raise GrammarError(
            f"“{_said(m, parts)}” can't be a meeting's length: it must be from 1 minute "
            "to 24 hours.",
            ("tomorrow 3pm for 45m Budget review", "tomorrow 2-3:30pm Budget review"),
        )
    parts.duration = timedelta(minutes=round(minutes))
    return True


@_pass(
    rf"""{B}(?:(?:at|@)\s*)?(?:
      (?P<rel>quarter|half|\d{{1,2}})\s+(?:minutes?\s+)?(?P<dir>past|after|to|before)\s+
        (?P<rh>\d{{1,2}})(?P<rap>{MER})?
    | (?:12\s+)?(?P<word>noon|midday|midnight)
    | (?P<t>\d{{1,2}}(?:[:.]\d{{2}})?{MER}|\d{{1,2}}:\d{{2}})
    | (?P<oc>\d{{1,2}})\s*o['’]?\s*clock
    ){E}{NOT_MORE}""",
    needs=_CLOCK_WORDS,
)
def _time(m: re.Match[str], parts: Parts) -> bool:
    if m["rel"]:
        try:
            clock = _relative_clock(m, _said(m, parts))
        except _NotATime:
            return False
    elif m["word"]:
        clock = read_clock(m["word"])
    elif m["oc"]:
        clock = read_clock(m["oc"])
        clock = Clock(clock.hour, 0, None, clock.h24, _said(m, parts))
    else:
        clock = read_clock(m["t"])
    _set_time(parts, clock, _said(m, parts))
    return True


def _relative_clock(m: re.Match[str], said: str) -> Clock:
    """ "half past 3", "quarter to 4", "20 past 9pm": the base hour keeps its own
    am/pm reading and the minutes count from it (may be negative: "to")."""
    rel, direction = m["rel"].lower(), m["dir"].lower()
    minutes = {"quarter": 15, "half": 30}.get(rel) or int(rel)
    before = direction in ("to", "before")
    if (rel == "half" and before) or not 1 <= minutes <= 59:
        raise GrammarError(f"“{said}” is not a time I understand; try “3:30pm”.")
    if rel.isdigit() and before and "min" not in said:
        raise _NotATime  # "10 to 4" reads as a range as often as 3:50; leave it
    base = read_clock(m["rh"] + (m["rap"] or ""))
    return Clock(base.hour, -minutes if before else minutes, base.meridiem, base.h24, said)


class _NotATime(Exception):
    """Raised inside a handler when a phrase matched but is better left as text."""


@_pass(
    rf"{B}(?:at|@)\s*(?P<n>\d{{3,4}}|\d{{1,2}}(?:\.\d{{2}})?)(?![0-9]){E}{NOT_MORE}(?!\s*[/\-])",
    needs=("at", "@"),
)
def _at_time(m: re.Match[str], parts: Parts) -> bool:
    _set_time(parts, read_clock(m["n"], at=True), _said(m, parts))
    return True


@_pass(
    rf"(?:(?<=\x01)|(?<=\x01\s))(?P<n>\d{{1,2}}(?:\.\d{{2}})?){E}{NOT_MORE}(?!\s*[/\-])",
    needs=(DIGIT,),
    after=DAY_MASK,
)
def _hour_after_day(m: re.Match[str], parts: Parts) -> bool:
    """ "tomorrow 9", "tue 10", "tomorrow 15.30": a bare number right after a day
    is a time (elsewhere "9" or "19.99" is more likely part of the topic)."""
    if parts.time is not None:
        return False
    _set_time(parts, read_clock(m["n"]), _said(m, parts))
    return True


@_pass(
    rf"""{B}(?:in\s+)?(?:(?P<abbr>{_alternation(ZONE_ABBREVIATIONS)})(?:\s+time)?
    | (?P<name>{_alternation(NAMED_ZONES)})\s+time){E}""",
    needs=(*ZONE_ABBREVIATIONS, "time"),
)
def _zone_word(m: re.Match[str], parts: Parts) -> bool:
    if m["abbr"]:
        word = m["abbr"].lower()
        if word == "z":
            return False
        key, dst = ZONE_ABBREVIATIONS[word]
        ref = ZoneRef(key, m["abbr"].upper(), dst=dst)
    else:
        ref = ZoneRef(NAMED_ZONES[" ".join(m["name"].lower().split())], _said(m, parts))
    _claim(parts, "zone", _said(m, parts))
    parts.zone = ref
    return True


@_pass(
    rf"(?:(?<=\x00)|(?<=\x00\s))(?P<abbr>pt|et|ct|mt|z){E}",
    needs=("pt", "et", "ct", "mt", "z"),
    after=MASK,
)
def _short_zone(m: re.Match[str], parts: Parts) -> bool:
    """ "3pm ET", "15:00Z": short forms count only right after a time."""
    word = m["abbr"].lower()
    key = "UTC" if word == "z" else SHORT_ZONES[word]
    _claim(parts, "zone", _said(m, parts))
    parts.zone = ZoneRef(key, m["abbr"].upper())
    return True


@_pass(rf"{B}(?:right\s+now|now|asap|immediately){E}", needs=("now", "asap", "immediately"))
def _now(m: re.Match[str], parts: Parts) -> bool:
    _claim(parts, "offset", _said(m, parts))
    parts.offset = timedelta(0)
    return True


# --- driver ------------------------------------------------------------------------

_EDGE_LEFT = " \t,;:.-–—|/)]"
_EDGE_RIGHT = " \t,;:-–—|/([@"
_DANGLING = {"at", "on", "@", "from", "between"}
_HAS_DIGIT = re.compile(r"[0-9]").search
_TOKEN = re.compile(r"[a-z]+|[^\sa-z0-9]")
_MASK_RUN = re.compile(r"[\x00\x01]+")


def scan(text: str, *, day_first: bool = False) -> Parts:
    """Run every pass over ``text`` (whitespace already normalised to spaces) and
    return the parts found, with the unmasked rest as the topic."""
    parts = Parts(source=text, day_first=day_first)
    masked = low = text.translate(_LOWER)
    tokens = set(_TOKEN.findall(low))
    if _HAS_DIGIT(low):
        tokens.add(DIGIT)
    for step in _PASSES:
        if step.needs.isdisjoint(tokens) or (step.after and step.after not in masked):
            continue
        for match in step.pattern.finditer(masked):
            if step.handler(match, parts):
                start, end = match.span()
                masked = masked[:start] + step.mask * (end - start) + masked[end:]
    parts.topic = _topic(masked, text)
    return parts


def _topic(masked: str, text: str) -> str:
    """Join what no pass took (in the user's own case), trimming punctuation and
    prepositions left dangling where a time phrase was cut out
    ("Review (tomorrow 3pm)" → "Review")."""
    pieces, pos = [], 0
    for run in _MASK_RUN.finditer(masked):
        pieces.append(text[pos : run.start()])
        pos = run.end()
    pieces.append(text[pos:])
    kept = []
    for piece in pieces:
        words = piece.split()
        while words and words[-1].lower() in _DANGLING:
            words.pop()
        while words and words[0].lower() in _DANGLING:
            words.pop(0)
        cleaned = " ".join(words).lstrip(_EDGE_LEFT).rstrip(_EDGE_RIGHT)
        if cleaned:
            kept.append(cleaned)
    return " ".join(kept)
