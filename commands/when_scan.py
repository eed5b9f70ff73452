"""Finding meeting-time phrases in a text: the scanner behind :mod:`commands.when`.

Why ordered passes rather than one big regex: meeting text mixes phrases that
overlap ("at 9 dec" is a date, "2-3pm" is a range, "2026-12-03" is not a range).
Each pass looks for one family of phrases, most specific first, and masks what it
takes, so later passes cannot reuse those characters; whatever is never masked is
the topic. Passes register in the order they run, so reading this file top to
bottom is reading the priority order. What the words mean lives in
:mod:`commands.when_grammar`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from commands.when_grammar import (
    ANY_WD,
    ATOM,
    DURATION,
    DURATION_BARE,
    FLAGS,
    IANA_AREAS,
    LOWER,
    MARKED,
    MER,
    MON,
    MONTHS,
    MORE_WD,
    NAMED_ZONES,
    NOT_MORE,
    ORD,
    PLURAL_RE,
    SHORT_ZONES,
    UNIT_ALL,
    WD,
    WD_PLURAL,
    WEEKDAY_RE,
    WEEKDAYS,
    ZONE_ABBREVIATIONS,
    B,
    Clock,
    Day,
    E,
    GrammarError,
    Parts,
    ZoneRef,
    alternation,
    measure,
    read_clock,
)

__all__ = ["scan"]

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
        parts.check_weekday = WEEKDAYS[m["wd"]]
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
    month = MONTHS[(m["mon"] or m["mon2"]).rstrip(".")]
    day = int(m["d1"] or m["d2"])
    _set_day(parts, _date(_said(m, parts), int(m["y"]) if m["y"] else None, month, day))
    if m["wd"]:
        parts.check_weekday = WEEKDAYS[m["wd"]]
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
        if text.startswith("on ") and not PLURAL_RE.search(text):
            return False  # "on tuesday" is a day, not a repeat
        found = WEEKDAY_RE.findall(text)
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
    if parts.recurrence == kind == "weekly":  # "weekly sync every thursday": one repeat
        parts.weekdays = tuple(sorted({*parts.weekdays, *days}))
        return True
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
        word = m["rel"]
        offsets = {"today": 0, "tonight": 0, "yesterday": -1}
        day = Day("offset", text, days=offsets.get(word, 1))
        if word == "tonight":
            _set_daypart(parts, "night")
    else:
        this = (m["mode"] or "").startswith("this")
        day = Day("weekday", text, weekday=WEEKDAYS[m["wd"]], this=this)
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
    sep = m["sep"].strip()
    both = m["a"] + m["b"]
    after_day = m.string[: m.start()].rstrip().endswith(DAY_MASK)  # "tonight 9-11"
    strong = m["kw"] or after_day or ":" in both or MARKED.search(both)
    if not strong or (sep == "and") != (m["kw"] == "between"):
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
        relative = _relative_clock(m, _said(m, parts))
        if relative is None:
            return False
        clock = relative
    elif m["word"]:
        clock = read_clock(m["word"])
    elif m["oc"]:
        clock = read_clock(m["oc"])
        clock = Clock(clock.hour, 0, None, clock.h24, _said(m, parts))
    else:
        clock = read_clock(m["t"])
    _set_time(parts, clock, _said(m, parts))
    return True


def _relative_clock(m: re.Match[str], said: str) -> Clock | None:
    """ "half past 3", "quarter to 4", "20 past 9pm": the base hour keeps its own
    am/pm reading and the minutes count from it (negative for "to"). None for
    "10 to 4", which reads as a range as often as 3:50: better left as text."""
    rel, direction = m["rel"], m["dir"]
    minutes = {"quarter": 15, "half": 30}.get(rel) or int(rel)
    before = direction in ("to", "before")
    if (rel == "half" and before) or not 1 <= minutes <= 59:
        raise GrammarError(f"“{said}” is not a time I understand; try “3:30pm”.")
    if rel.isdigit() and before and "min" not in said:
        return None
    base = read_clock(m["rh"] + (m["rap"] or ""))
    return Clock(base.hour, -minutes if before else minutes, base.meridiem, base.h24, said)


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
    rf"""{B}(?:in\s+)?(?:(?P<abbr>{alternation(ZONE_ABBREVIATIONS)})(?:\s+time)?
    | (?P<name>{alternation(NAMED_ZONES)})\s+time){E}""",
    needs=(*ZONE_ABBREVIATIONS, "time"),
)
def _zone_word(m: re.Match[str], parts: Parts) -> bool:
    if m["abbr"]:
        key, dst = ZONE_ABBREVIATIONS[m["abbr"]]
        ref = ZoneRef(key, m["abbr"].upper(), dst=dst)
    else:
        ref = ZoneRef(NAMED_ZONES[" ".join(m["name"].split())], _said(m, parts))
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
    word = m["abbr"]
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
    masked = low = text.translate(LOWER)
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
