"""The words of :mod:`commands.when`: vocabulary, pattern fragments, the value
types a scan produces, and small readers for amounts and clock times.

Three modules, one job each, so each fits on a few screens:

- ``when_grammar`` (this one): what words mean ("tues" = 1, "1h30" = 90 minutes);
- :mod:`commands.when_scan`: finding those phrases in a text, pass by pass;
- :mod:`commands.when`: turning what was found into one moment (today or tomorrow,
  which year, time zones, DST), and the public API.

Patterns are lower-case and run on an ASCII-lower-cased copy of the text (same
length, so spans still index the original); that is ~3x faster than
``re.IGNORECASE``. Everything is compiled once, at import. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

__all__ = ["Clock", "Day", "GrammarError", "Parts", "ZoneRef", "measure", "read_clock"]

EXAMPLES = ("tomorrow 3pm for 45m Budget review", "every tue 10:30am IST Standup")


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
    already unambiguous (15:00, 09:30, at 1530)."""

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
UNIT_MINUTES = {"h": 60, "m": 1, "d": 1440, "w": 10080}
FLAGS = re.ASCII
LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def alternation(words: Iterable[str]) -> str:
    """Longest first, so "tues" wins over "tue" and "march" over "mar"."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# --- pattern fragments -----------------------------------------------------------

B = r"(?<![a-z0-9'’])"  # a word starts here
E = r"(?![a-z0-9])"  # a word ends here
WD = rf"(?:{alternation(WEEKDAYS)})"
WD_PLURAL = r"(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
ANY_WD = rf"(?:{WD_PLURAL}|{WD})"
MORE_WD = rf"(?:\s*(?:,|&|\+|/|and|,\s*and)\s*{ANY_WD})*"  # ", wed and fri"
MON = rf"(?:{alternation(MONTHS)})\.?"
DIGITS = r"\d+(?:\.\d+)?"
WORD_NUM = rf"(?:{alternation(NUMBER_WORDS)})"
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

PAIR_RE = re.compile(
    rf"(?:(?P<n>{DIGITS})\s*-?\s*(?P<u>{UNIT_ALL})|(?P<w>{WORD_NUM})[\s-]+(?P<v>{UNIT_LONG})){E}",
    FLAGS,
)
COMPOUND_RE = re.compile(r"(?P<h>\d+)\s*h\s*(?P<m>\d{1,2})", FLAGS)
WEEKDAY_RE = re.compile(rf"{B}({WD_PLURAL}|{WD}){E}", FLAGS)
PLURAL_RE = re.compile(WD_PLURAL, FLAGS)
MARKED = re.compile(r"[ap]\.?\s?m|noon|midday|midnight", FLAGS)
ATOM_RE = re.compile(
    rf"(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?(?P<ap>{MER})?|(?P<w>noon|midday|midnight)", FLAGS
)


# --- small readers -----------------------------------------------------------------


def _number(word: str) -> float:
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else float(word)


def measure(text: str) -> tuple[int, float, bool]:
    """Read an amount of time: (months, minutes, uses hours/minutes units).

    "1h30", "1 hour and 30 minutes", "an hour and a half", "half an hour", "2 weeks".
    ``text`` is already lower-case, like everything the scanner passes on.
    """
    low = text
    if "half" in low and "hour" in low and "and a half" not in low:
        return 0, 30.0, True
    compound = COMPOUND_RE.search(low)
    if compound:
        return 0, int(compound["h"]) * 60.0 + int(compound["m"]), True
    months, minutes, clock, last = 0, 0.0, False, 0.0
    for pair in PAIR_RE.finditer(low):
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
    match = ATOM_RE.fullmatch(clean)
    if match is None:  # pragma: no cover - callers only pass text their patterns matched
        raise GrammarError(f"I couldn't read the time “{clean}”.")
    if match["w"]:
        return Clock(24 if match["w"] == "midnight" else 12, 0, None, True, clean)
    hour, minute = int(match["h"]), int(match["m"] or 0)
    meridiem = None
    if match["ap"]:
        meridiem = "am" if match["ap"].strip().startswith("a") else "pm"
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
