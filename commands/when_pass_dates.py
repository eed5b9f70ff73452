"""Passes for calendar days: ISO 8601, numeric and month-name dates, "the 4th",
"second Monday of November", holidays.

Each pass yields a :class:`commands.when_grammar.Day`; which calendar date it is
(this year or next, this month or next) is decided later, in
:mod:`commands.when_days`, where "now" is known.
"""

from __future__ import annotations

import re

from commands.when_grammar import (
    DAY_MASK,
    HOURW,
    MER,
    MON,
    ORD,
    ORD_DAY,
    UNIT_ALL,
    WD,
    YEAR,
    B,
    E,
    alternation,
    ordinal,
    scan_pass,
)
from commands.when_holidays import HOLIDAYS
from commands.when_pass_zones import offset_zone
from commands.when_types import Clock, Day, GrammarError, Parts
from commands.when_words import MONTHS, NTH_WORDS, ORDINAL_WORDS, WEEKDAYS

__all__ = ["holiday", "iso_date", "iso_datetime", "month_date", "month_day", "nth_weekday"]

_NOT_A_DATE = ("Dec 5 3pm Budget review", "2026-12-05 15:00 Budget review")


def date_day(text: str, year: int | None, month: int, day: int) -> Day:
    """A calendar day; days that exist in no year (Feb 30, Apr 31) fail here,
    Feb 29 is checked once the year is known."""
    limits = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= month <= 12 or not 1 <= day <= limits[month - 1]:
        raise GrammarError(f"“{text.strip()}” is not a real date.", _NOT_A_DATE)
    return Day("date", text.strip(), year=year, month=month, day=day)


@scan_pass(
    rf"""{B}(?:on\s+)?(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})
    t(?P<h>\d{{2}}):?(?P<mi>\d{{2}})(?::?(?P<s>\d{{2}})(?:[.,]\d+)?)?
    (?:(?P<z>z)|(?P<sign>[+\-−])(?P<oh>\d{{2}})(?::?(?P<om>\d{{2}}))?)?(?![0-9:])""",
    needs=(YEAR,),
)
def iso_datetime(m: re.Match[str], parts: Parts) -> bool:
    """ "2027-01-05T09:00-05:00", "2026-12-03T15:00:00Z": date, time and zone at once."""
    text = parts.said(m)
    parts.set_day(date_day(text, int(m["y"]), int(m["mo"]), int(m["d"])), m.span())
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise GrammarError(f"“{text}” is not a time of day.", _NOT_A_DATE)
    parts.set_time(Clock(hour, minute, None, True, text, second), text, m.span())
    if m["z"]:
        parts.set_zone(offset_zone("+", "0", None, "Z"), "Z")
    elif m["sign"]:
        parts.set_zone(offset_zone(m["sign"], m["oh"], m["om"], text), text)
    return True


@scan_pass(
    rf"{B}(?:on\s+)?(?P<y>\d{{4}})(?P<sep>[-/])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}}){E}",
    DAY_MASK,
    needs=(YEAR,),
)
def iso_date(m: re.Match[str], parts: Parts) -> bool:
    day = date_day(parts.said(m), int(m["y"]), int(m["m"]), int(m["d"]))
    parts.set_day(day, m.span())
    return True


@scan_pass(
    rf"""{B}(?:on\s+)?(?:(?P<wd>{WD}),?\s+)?(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})
    (?:/(?P<y>\d{{4}}|\d{{2}}))?(?![0-9/])(?!\s*{UNIT_ALL}{E})(?!\s+of\s+an?\s+hour)""",
    DAY_MASK,
    needs=("/",),
)
def numeric_date(m: re.Match[str], parts: Parts) -> bool:
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
            _NOT_A_DATE,
        )
    parts.set_day(date_day(parts.said(m), year, month, day), m.span())
    if m["wd"]:
        parts.check_weekday = WEEKDAYS[m["wd"]]
    return True


_NTH = alternation(NTH_WORDS)


@scan_pass(
    rf"""{B}(?:on\s+)?(?:the\s+)?(?P<n>{_NTH})\s+(?P<wd>{WD}|day)\s+(?:of|in)\s+
    (?:(?P<mon>{MON})(?:,?\s+(?P<y>20\d\d))?|(?P<which>this|next|the)\s+month){E}""",
    DAY_MASK,
    needs=(*(w for w in NTH_WORDS if w.isalpha()), "st", "nd", "rd", "th"),
)
def nth_weekday(m: re.Match[str], parts: Parts) -> bool:
    """ "second Monday of November", "last Thursday of the month", "last day of next month"."""
    weekday = -1 if m["wd"] == "day" else WEEKDAYS[m["wd"]]
    nth = NTH_WORDS[m["n"]]
    if weekday < 0 and nth not in (1, -1):
        return False  # "third day of …": say the date
    month = MONTHS[m["mon"].rstrip(".")] if m["mon"] else 0
    month_rel = None if m["mon"] else (1 if m["which"] == "next" else 0)
    year = int(m["y"]) if m["y"] else None
    day = Day("nth", parts.said(m), weekday=weekday, nth=nth, month=month, month_rel=month_rel,
              year=year)  # fmt: skip
    parts.set_day(day, m.span())
    return True


_AT_BEFORE = re.compile(r"(?:^|\s)(?:at|@)\s*$")
# "First things first Dec 5": "Dec 5" is the date, not "first Dec" (a day number
# after the month, not an hour: "1st Dec 10am" is still the 1st).
_NO_DAY_AFTER = r"(?!\s*\d{1,2}(?:st|nd|rd|th)?(?![\d:.])(?!\s*(?:[ap]\.?m|o['’]?clock|h\b)))"


@scan_pass(
    rf"""{B}(?<![:.])(?:on\s+)?(?:(?P<wd>{WD}),?\s+)?(?:the\s+)?
    (?: (?P<mon>{MON})\s*(?:the\s+)?(?P<d1>\d{{1,2}}{ORD}|{ORD_DAY})
      | (?P<d2>\d{{1,2}}{ORD}|{ORD_DAY})\s*(?:of\s+)?(?P<mon2>{MON}){_NO_DAY_AFTER} )
    (?:,?\s+(?P<y>20\d\d))?{E}
    (?!\s*(?:[:.]\d|{MER}|[-–]\s*\d|o['’]?clock|{UNIT_ALL}{E}))""",
    DAY_MASK,
    needs=tuple(MONTHS),
)
def month_date(m: re.Match[str], parts: Parts) -> bool:
    """ "Dec 5", "5th of December", "second of April", "April the 2nd, 2027"."""
    if m["d2"] and _AT_BEFORE.search(m.string, 0, m.start()):
        return False  # "tonight at 9 May release sync": 9 o'clock, then the title
    month = MONTHS[(m["mon"] or m["mon2"]).rstrip(".")]
    day = ordinal(m["d1"] or m["d2"])
    year = int(m["y"]) if m["y"] else None
    parts.set_day(date_day(parts.said(m), year, month, day), m.span())
    if m["wd"]:
        parts.check_weekday = WEEKDAYS[m["wd"]]
    return True


_WHICH_MONTH = {"this": 0, "the": 0, "next": 1, "the next": 1, "the following": 1}
_CLOCK_NEXT = re.compile(
    rf"""\s*(?:$|[\x00-\x03,;.)(\-–—@0-9]|(?:at|for|from|between|until|till|in|around|about
    |noon|midday|midnight|quarter|half|{HOURW})(?![a-z]))""",
    re.ASCII | re.VERBOSE,
)


@scan_pass(
    rf"""{B}(?:(?:on\s+)?the\s+(?P<d>{ORD_DAY})
      (?:\s+of\s+(?P<which>this|next|the\s+next|the\s+following|the)\s+month)?
    | on\s+(?P<d2>\d{{1,2}}(?:st|nd|rd|th))){E}""",
    DAY_MASK,
    needs=("st", "nd", "rd", "th", *(w for w in ORDINAL_WORDS if w.isalpha())),
)
def month_day(m: re.Match[str], parts: Parts) -> bool:
    """ "the 4th", "on the 12th", "the 18th of next month": a day of the month."""
    if not m["which"] and not _CLOCK_NEXT.match(m.string, m.end()):
        return False  # "the 4th floor": perhaps not a date; the leftover check asks
    day = ordinal(m["d"] or m["d2"])
    if not 1 <= day <= 31:
        raise GrammarError(f"“{parts.said(m)}” is not a day of the month.", _NOT_A_DATE)
    which = " ".join(m["which"].split()) if m["which"] else None
    month_rel = _WHICH_MONTH[which] if which else None
    parts.set_day(Day("monthday", parts.said(m), day=day, month_rel=month_rel), m.span())
    return True


_HOLIDAY_PATTERN = "|".join(f"(?P<h{i}>{'|'.join(h.spellings)})" for i, h in enumerate(HOLIDAYS))


@scan_pass(
    rf"{B}(?:on\s+)?(?:this\s+)?(?:{_HOLIDAY_PATTERN}){E}",
    DAY_MASK,
    needs=("new", "nye", "christmas", "xmas", "x", "boxing", "valentine", "valentines",
           "st", "saint", "halloween", "hallowe", "independence", "fourth",
           "thanksgiving", "good", "easter", "labor", "memorial", "mother", "mothers",
           "mothering", "father", "fathers"),
)  # fmt: skip
def holiday(m: re.Match[str], parts: Parts) -> bool:
    """ "xmas", "Thanksgiving", "Good Friday": the next one. Another day in the text
    makes the holiday a topic word ("Xmas party Dec 20 6pm")."""
    if parts.day is not None or "offset" in parts.seen:
        return False
    index = int((m.lastgroup or "h0")[1:])
    # loose: a day named later wins too ("Christmas party planning this afternoon at 3")
    return parts.set_day(Day("holiday", parts.said(m), holiday=index, loose=True), m.span())
