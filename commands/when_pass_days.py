"""Passes for days said relative to today: repeats, "in 3 days", "thursday next
week", "monday after next", "tomorrow", weekdays, dayparts, "now", and the past
("last monday", "2 hours ago"), which is an error later, never a booking.
"""

from __future__ import annotations

import re
from datetime import timedelta

from commands.when_grammar import (
    ANY_WD,
    DAY_MASK,
    DURATION,
    MORE_WD,
    PART_MASK,
    PLURAL_RE,
    SOFTEN,
    WD,
    WD_PLURAL,
    WEEKDAY_RE,
    WORD_NUM,
    B,
    E,
    _number,
    alternation,
    measure,
    scan_pass,
    starts_word,
)
from commands.when_types import Day, GrammarError, Parts
from commands.when_words import (
    RELATIVE_DAYS,
    WEEKDAY_MODES,
    WEEKDAY_PLURALS,
    WEEKDAYS,
    WORD_WEEKDAYS,
)

__all__ = [
    "day_word", "daypart", "now", "past", "recurrence", "relative", "relative_in",
    "unsupported_repeat",
    "week_relative",
]  # fmt: skip

_MAX_MINUTES = 5 * 366 * 1440
_WORD_AFTER = re.compile(r"\s+[a-z]")
_FOR_BEFORE = re.compile(rf"(?<![a-z])for\s+{SOFTEN}?$")
_DAY_WORDS = (
    *WEEKDAYS, "today", "tonight", "tomorrow", "tmrw", "tmr", "tomorow", "tommorow",
    "tommorrow", "yesterday", "overmorrow", "day",
)  # fmt: skip
_REPEAT_WORDS = (
    "daily", "every", "everyday", "each", "week", "weekday", "weekdays", "workday",
    "workdays", "work", "working", "business", "weekly", "monthly", "once", "mon",
    "monday", *WEEKDAY_PLURALS,
)  # fmt: skip


@scan_pass(
    rf"{B}every\s+(?:other|second|\d+(?:st|nd|rd|th)?)\s+\w+|{B}(?:bi-?weekly|fortnightly){E}",
    needs=("every", "biweekly", "bi", "fortnightly"),
)
def unsupported_repeat(m: re.Match[str], parts: Parts) -> bool:
    raise GrammarError(
        f"I can't repeat “{parts.said(m)}”: repeats are daily, every weekday, weekly "
        "(on named days) or monthly.",
        ("every tue 10am Standup", "every weekday 9:30 Stand-up"),
    )


@scan_pass(
    rf"""{B}(?:
      (?P<daily>daily|every\s*day|each\s+day|every\s+(?P<part>morning|afternoon|evening|night))
    | (?P<wkdays>(?P<every>(?:every|each|on)\s+)?(?:week|work|business|working)\s*days?
        |mon(?:day)?\s*(?:-|–|to|through)\s*fri(?:day)?)
    | (?P<weekly>weekly|every\s+week|once\s+a\s+week)
    | (?P<monthly>monthly|every\s+month|once\s+a\s+month)
    | (?P<list>(?:every|each|on)\s+{ANY_WD}{MORE_WD} | {WD_PLURAL}{MORE_WD})
    ){E}""",
    DAY_MASK,
    needs=_REPEAT_WORDS,
)
def recurrence(m: re.Match[str], parts: Parts) -> bool:
    text = m.group(0)
    if m["list"]:
        if text.startswith("on ") and not PLURAL_RE.search(text):
            return False  # "on tuesday" is a day, not a repeat
        found = WEEKDAY_RE.findall(text)
        days = tuple(sorted({WEEKDAY_PLURALS.get(w, WEEKDAYS.get(w, 0)) for w in found}))
        kind = "weekly"
    elif m["daily"]:
        kind, days = "daily", ()
        parts.set_daypart(m["part"], m.span())
    elif m["wkdays"]:
        if not (m["every"] or text.endswith("s") or "fri" in text):
            return False  # a lone "weekday" is a topic word
        kind, days = "weekdays", (0, 1, 2, 3, 4)
    else:
        kind, days = ("weekly" if m["weekly"] else "monthly"), ()
    if parts.recurrence == kind == "weekly":  # "weekly sync every thursday": one repeat
        parts.weekdays = tuple(sorted({*parts.weekdays, *days}))
        return True
    parts.claim("repeat", parts.said(m), m.span())
    parts.recurrence, parts.weekdays = kind, days
    return True


@scan_pass(
    rf"""{B}(?:last\s+(?:{WD}|week(?:end)?|month|year|night)
    | (?P<d>{DURATION})\s+ago | (?:the\s+)?day\s+before\s+yesterday | earlier\s+today){E}""",
    DAY_MASK,
    needs=("last", "ago", "before", "earlier"),
)
def past(m: re.Match[str], parts: Parts) -> bool:
    """ "last monday", "2 hours ago": in the past, so an error once resolved."""
    if m["d"] and _for_length(m) is not None:
        return False  # "for 30m ago": a length, then a word the leftover check asks about
    if parts.past is None:
        parts.past = parts.said(m)
    return True


@scan_pass(
    rf"""{B}(?:on\s+)?(?:
      (?P<wd>{WD})(?:\s+of)?\s+(?P<which>this|next)\s+week
    | (?P<which2>this|next)\s+week(?:['’]s)?\s+(?:on\s+)?(?P<wd2>{WD})
    | (?:the\s+)?(?P<wd3>{WD})\s+(?:after\s+next|week(?!s))
    | (?:a\s+week\s+on\s+)(?P<wd4>{WD})
    | (?P<n>\d{{1,2}}|{WORD_NUM})\s+(?P<wdp>{WD_PLURAL})\s+(?:from\s+(?:now|today)|away|ahead)
    ){E}""",
    DAY_MASK,
    needs=("week", "after", "from", "away", "ahead"),
)
def week_relative(m: re.Match[str], parts: Parts) -> bool:
    """ "thursday next week", "friday of this week", "monday after next" (= "monday
    week"), "2 mondays from now"."""
    text = parts.said(m)
    if m["wd"] or m["wd2"]:
        which = m["which"] or m["which2"]
        day = Day("week", text, weekday=WEEKDAYS[m["wd"] or m["wd2"]], weeks=int(which == "next"))
    elif m["wd3"] or m["wd4"]:
        day = Day("weekday", text, weekday=WEEKDAYS[m["wd3"] or m["wd4"]], plus=7)
    else:
        count = int(_number(m["n"]))
        if not 1 <= count <= 260:
            raise GrammarError(f"“{text}” is too far ahead; I book up to 5 years out.")
        day = Day("weekday", text, weekday=WEEKDAY_PLURALS[m["wdp"]], plus=7 * (count - 1))
    parts.set_day(day, m.span())
    return True


@scan_pass(
    rf"{starts_word('in')}\s+(?P<d>{DURATION})(?:['’]\s+time|\s+time(?!\s+[a-z]))?{E}",
    DAY_MASK,
    needs=("in",),
)
def relative_in(m: re.Match[str], parts: Parts) -> bool:
    """ "in 2 hours", "in a fortnight", "in 3 days' time"."""
    return relative.handler(m, parts)


@scan_pass(
    rf"""{B}(?:for\s+{SOFTEN}?)?(?P<d>{DURATION})\s+(?:(?:from|after)\s+(?P<base>now|today|tomorrow|tmrw|{WD})
    |later|hence)(?:['’]?\s+time)?{E}""",
    DAY_MASK,
    needs=("from", "after", "later", "hence"),
)
def relative(m: re.Match[str], parts: Parts) -> bool:
    """ "2 hours from now", "two days from tomorrow", "a week from friday"; after
    "for", days are the day it is for ("Sync for 3 days from now at 10am")."""
    text = parts.said(m)
    base = (m["base"] if "base" in m.re.groupindex else None) or "now"
    months, minutes, clock = measure(m["d"])
    start = _for_length(m) if clock and not months and minutes <= 1440 else None
    if start is not None:
        # "for 30m later": after "for" an amount of hours or minutes is a length
        # (duration_for takes it); what follows is the topic's, or another phrase's
        # ("from tomorrow 10am"). With no other start, resolve asks which was meant.
        if base == "now" and parts.for_length is None:
            word = " ".join(m.string[m.end("d") : m.end()].split())
            parts.for_length = ((start, m.end()), parts.said(m, "d"), word)
        return False
    if minutes > _MAX_MINUTES or months > 60:
        raise GrammarError(f"“{text}” is too far ahead; I book up to 5 years out.")
    whole_days = not clock and minutes % 1440 == 0
    if base in WEEKDAYS or base.startswith(("tom", "tm")):
        if not whole_days:
            raise GrammarError(
                f"“{text}”: count days or weeks from a day, e.g. “2 days from friday”."
            )
        plus = int(minutes // 1440)
        if base in WEEKDAYS:
            day = Day("weekday", text, weekday=WEEKDAYS[base], plus=plus, months=months)
        else:
            day = Day("offset", text, days=plus + 1, months=months)
        parts.set_day(day, m.span())
        return True
    if whole_days:
        parts.set_day(Day("offset", text, days=int(minutes // 1440), months=months), m.span())
        return True
    if months:
        raise GrammarError(f"“{text}”: give months or hours, not both.")
    parts.claim("offset", text, m.span())
    parts.offset = timedelta(minutes=round(minutes))
    return True


def _for_length(m: re.Match[str]) -> int | None:
    """Where "for" starts when it comes just before the amount ("for about 2 hours
    from now"), else None."""
    at = m.start("d")  # "for in 2 hours" is not "for 2 hours"
    begin = max(0, at - 24)
    if "for" not in m.string[begin:at]:
        return None
    before = _FOR_BEFORE.search(m.string, begin, at)
    return before.start() if before else None


def _day_phrases() -> dict[str, tuple[str, int, bool, bool]]:
    """Every day word and weekday phrase → (kind, value, this, next): "tomorrow" →
    ("offset", 1, …), "this coming fri" → ("weekday", 4, True, False). One table, so
    the scanner matches them all with one trie."""
    phrases = {word: ("offset", days, False, False) for word, days in RELATIVE_DAYS.items()}
    for name, weekday in WEEKDAYS.items():
        for mode, (this, next_) in WEEKDAY_MODES.items():
            phrases[f"{mode} {name}".strip()] = ("weekday", weekday, this, next_)
    return phrases


_DAY_PHRASES = _day_phrases()
_NOT_A_WEEKDAY = ("good ", "easter ")  # "Good Friday", "Easter Monday" are holidays


@scan_pass(
    rf"""(?P<day>{alternation(_DAY_PHRASES, word_start=True)})
    (?:\s+(?P<part>morning|afternoon|evening|night))?{E}""",
    DAY_MASK,
    needs=_DAY_WORDS,
)
def day_word(m: re.Match[str], parts: Parts) -> bool:
    """ "tomorrow", "day after tomorrow", "next tue", "this coming fri", "friday evening"."""
    said = m["day"]
    kind, value, this, next_ = _DAY_PHRASES.get(said) or _DAY_PHRASES[" ".join(said.split())]
    if kind == "weekday" and m.string.endswith(_NOT_A_WEEKDAY, 0, m.start()):
        return False
    text = parts.said(m)
    if kind == "offset":
        day = Day("offset", text, days=value)
        if m["day"] == "tonight":
            parts.set_daypart("night")
    else:
        loose = m["day"] in WORD_WEEKDAYS and not m["part"]
        if loose and _has_other_start(parts, value):
            return False  # "in 2 hours Sun lounge chat": a topic word
        day = Day("weekday", text, weekday=value, this=this, next=next_, loose=loose)
    if not parts.set_day(day, m.span("day")):  # the day alone, for a choice that rewrites it
        return False
    parts.set_daypart(m["part"], m.span())
    return True


def _has_other_start(parts: Parts, weekday: int) -> bool:
    """An offset, or a repeat on other days, already says when."""
    if "offset" in parts.seen:
        return True
    return parts.recurrence is not None and (
        parts.recurrence != "weekly" or bool(parts.weekdays) and weekday not in parts.weekdays
    )


@scan_pass(
    rf"""{B}(?:this\s+(?P<p>morning|afternoon|evening)|in\s+the\s+(?P<q>morning|afternoon|evening)
    |at\s+night|(?P<early>early|late)\s+(?P<r>morning|afternoon|evening)){E}""",
    PART_MASK,
    needs=("morning", "afternoon", "evening", "night"),
)
def daypart(m: re.Match[str], parts: Parts) -> bool:
    if m["early"]:
        return False  # "early afternoon": which hour? the leftover check asks
    if m["p"]:
        parts.set_day(Day("offset", parts.said(m)), m.span())
    parts.set_daypart(m["p"] or m["q"] or "night", m.span())
    return True


@scan_pass(rf"{B}(?:right\s+now|now|asap|immediately){E}", needs=("now", "asap", "immediately"))
def now(m: re.Match[str], parts: Parts) -> bool:
    """ "now", "asap". Capitalised beside another start and before a word, "Now" is
    the title's ("Now playing tomorrow 3pm"); an offset makes a loose weekday a
    topic word."""
    if parts.source[m.start()] == "N" and _WORD_AFTER.match(m.string, m.end()):
        if not {"time", "day", "repeat", "offset"}.isdisjoint(parts.seen):
            return False
    if parts.day is not None and parts.day.loose:
        parts.drop_loose_day()
    parts.claim("offset", parts.said(m), m.span())
    parts.offset = timedelta(0)
    return True
