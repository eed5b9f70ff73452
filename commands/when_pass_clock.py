"""Passes for the clock: "quarter past nine", "14h45", ranges, "until", lengths,
"3pm", "at 4 45", "tomorrow 9", "7 this evening", "1015".

Bare numbers are the risky part: "Sprint 2", "Approve 19.99 invoice" and "Room
101" are labels. A bare number is read as a time only next to a day, after "at",
or in a form no label takes (14h45, 0930); after an ordinary word it is left to
the topic (:func:`commands.when_leftover.is_label_word`).
"""

from __future__ import annotations

import re
from datetime import timedelta

from commands.when_grammar import (
    ANY_MINW,
    ATOM,
    DAY_MASK,
    DIGIT_STARTS,
    DURATION,
    DURATION_BARE,
    HOURW,
    ISH,
    MARKED,
    MER,
    MINW,
    NOT_MORE,
    NOT_MORE_CLOCK,
    PART_MASK,
    SECS,
    SOFTEN,
    UNIT_ALL,
    B,
    E,
    alternation,
    measure,
    read_clock,
    scan_pass,
    starts_word,
)
from commands.when_leftover import is_label_word
from commands.when_pass_zones import zone_ref
from commands.when_types import Ambiguity, Clock, GrammarError, Parts
from commands.when_words import HOUR_WORDS, MINUTE_WORDS, ZONE_ABBREVIATIONS

__all__ = [
    "at_time", "bare_clock", "clock_h", "duration", "duration_for", "hour_near_day", "range_",
    "relative_clock", "time", "time_words", "until",
]  # fmt: skip

_AMOUNT_UNIT = re.compile(r"\s*(?:hours?|hrs?|h|minutes?|mins?|m)(?![A-Za-z0-9])")  # lower case
_UNIT_AFTER = re.compile(rf"\s*{UNIT_ALL}(?![A-Za-z0-9])")  # lower case: "Week planning" is a title
_LENGTH_EXAMPLES = ("tomorrow 3pm for 45m Budget review", "tomorrow 2-3:30pm Budget review")


def _after_label(m: re.Match[str]) -> bool:
    """True when an ordinary word comes just before: "Sprint 2", "Room 101"."""
    word = _prev_word(m)
    return bool(word) and word[-1] >= "\x04" and is_label_word(word)


def _prev_word(m: re.Match[str]) -> str:
    """The word just before the match (masked phrases count as words)."""
    before = m.string[max(0, m.start() - 40) : m.start()].rstrip()
    return before[before.rfind(" ") + 1 :]


def _words_after_day(m: re.Match[str]) -> bool:
    return m.string[: m.start()].rstrip().endswith((DAY_MASK, PART_MASK))


_MINUTES_SAID = {**HOUR_WORDS, **MINUTE_WORDS, "quarter": 15, "a quarter": 15, "half": 30}


def _number_word(text: str) -> int:
    """ "quarter" → 15, "twenty" → 20, "10" → 10 (the minutes of "ten to five")."""
    if text.isdigit():
        return int(text)
    return _MINUTES_SAID[" ".join(text.split())]


@scan_pass(
    rf"""{B}(?:
      (?P<rel>(?:a\s+)?quarter|half|{ANY_MINW}|\d{{1,2}})\s+(?P<mins>(?:minutes?|mins?)\s+)?
        (?P<dir>past|after|to|before|till|til)\s+
        (?P<base>\d{{1,2}}|{HOURW}|noon|midday|midnight)(?P<rap>{MER})?(?:\s+o['’]?clock)?
    | half\s+(?P<half>\d{{1,2}}|{HOURW})(?P<hap>{MER})?(?!\s*(?:hours?|an?|past|to|after|of){E})
    ){ISH}{E}{NOT_MORE}""",
    needs=("past", "after", "to", "before", "till", "til", "half"),
)
def relative_clock(m: re.Match[str], parts: Parts) -> bool:
    """ "quarter past nine", "20 minutes past 4pm", "ten to five", "5 to noon",
    "half four" (British for 4:30). "10 to 4" in digits is also a range (10-4), so
    it is a question with both readings."""
    said = parts.said(m)
    if _prev_word(m) in ("from", "between"):
        return False  # "from 10 to 4" is a range
    if m["half"]:
        base = read_clock(m["half"] + (m["hap"] or ""))
        parts.set_time(base._replace(minute=30), said, m.span())
        return True
    minutes, before = _number_word(m["rel"]), m["dir"] in ("to", "before", "till", "til")
    if (m["rel"] == "half" and before) or not 1 <= minutes <= 59:
        raise GrammarError(f"“{said}” is not a time I understand; try “3:30pm”.")
    base = read_clock(m["base"] + (m["rap"] or ""))
    clock = Clock(base.hour, -minutes if before else minutes, base.meridiem, base.h24, said)
    if m["rel"].isdigit() and not m["mins"]:
        if _after_label(m):
            return False  # "Sprint 2 after 3pm": a label, then a word the leftover check asks about
        if before and base.ambiguous:
            parts.ambiguities.append(_to_or_range(m, clock, base))
    parts.set_time(clock, said, m.span())
    return True


def _to_or_range(m: re.Match[str], clock: Clock, base: Clock) -> Ambiguity:
    """ "10 to 4": 3:50 pm, or 10 am until 4 pm."""
    start = read_clock(m["rel"])
    close = clock.readings()[0]
    minute_of = f"{'am' if close < 720 else 'pm'}"
    first = f"{close // 60 % 12 or 12}:{close % 60:02d}{minute_of}"
    a, b = start.readings()[0], base.readings()[0]
    second = f"{start.written('am' if a < 720 else 'pm')}-{base.written('am' if b < 720 else 'pm')}"
    span = (m.start("rel"), m.end("rap") if m["rap"] else m.end("base"))
    said = m.string[span[0] : span[1]]
    return Ambiguity(said, (first, second), (((*span, first),), ((*span, second),)))


@scan_pass(
    rf"{B}(?P<at>(?:at|@)\s*)?(?P<h>\d{{1,2}})h(?P<m>\d{{2}})?{E}(?!\s*\d)",
    needs=("h",),
)
def clock_h(m: re.Match[str], parts: Parts) -> bool:
    """ "14h45", "at 10h", "tomorrow 10h": the French/ISO-ish clock. A bare "2h" is a
    length, and so is "1h30" (one digit before the h)."""
    prefixed = m["at"] or _words_after_day(m)
    if not prefixed and not (m["m"] and len(m["h"]) == 2):
        return False
    if _prev_word(m) in ("for", "in"):
        return False
    clock = read_clock(f"{m['h']}:{m['m'] or '00'}")
    parts.set_time(clock._replace(h24=True), parts.said(m), m.span())
    return True


_ZONE_AFTER = rf"(?:\s*(?P<za>{alternation(ZONE_ABBREVIATIONS)}|z)(?![a-z]))"


@scan_pass(
    rf"""{B}(?:(?P<kw>from|between)\s+)?(?P<a>{ATOM}){_ZONE_AFTER}?
    \s*(?P<sep>[-–—]|\s(?:to|until|till|til|thru|through|and)\s)\s*(?P<b>{ATOM}){E}{NOT_MORE}""",
    needs=("-", "–", "—", "to", "and", "til", "till", "until", "thru", "through"),
)
def range_(m: re.Match[str], parts: Parts) -> bool:
    """ "2-3pm", "from 10:15 until 12", "14:00 UTC - 16:00 UTC", "between 2 and 3pm"."""
    sep = m["sep"].strip()
    both = m["a"] + m["b"]
    strong = m["kw"] or _words_after_day(m) or ":" in both or MARKED.search(both)
    if not strong or (sep == "and") != (m["kw"] == "between"):
        return False  # "Part 1-2", "9 to 5": not clearly clock times
    if sep == "to" and not m["kw"] and m["a"].strip().isdigit() and m["b"] in ("noon", "midnight"):
        return False  # "5 to noon" is 11:55
    if not m["kw"] and _after_label(m) and not MARKED.search(both):
        return False
    said = parts.said(m)
    start = read_clock(m["a"])
    parts.set_time(start, said, (m.start("a"), m.end("a")))
    parts.claim("length", said, (m.start("b"), m.end("b")))
    parts.end = read_clock(m["b"])
    if m["za"]:
        parts.set_zone(zone_ref(m["za"]), m["za"])
    return True


@scan_pass(
    rf"{B}(?:until|till|til|'til|thru|through|ending\s+at|ends?\s+at)\s+(?P<b>{ATOM}){E}{NOT_MORE}",
    needs=("til", "till", "until", "thru", "through", "ending", "end", "ends"),
)
def until(m: re.Match[str], parts: Parts) -> bool:
    parts.claim("length", parts.said(m), m.span("b"))
    parts.end = read_clock(m["b"])
    return True


_AMOUNT_WORDS = (
    "h", "m", "d", "w", "hour", "hours", "hr", "hrs", "min", "mins", "minute", "minutes",
    "day", "days", "week", "weeks", "wk", "wks", "month", "months", "mo", "mos",
)  # fmt: skip


@scan_pass(rf"{starts_word('for')}\s+{SOFTEN}?(?P<d>{DURATION})", needs=("for",))
def duration_for(m: re.Match[str], parts: Parts) -> bool:
    """ "for 45m", "for about 2 hrs", "for an hour and a half"."""
    return duration.handler(m, parts)


@scan_pass(rf"{B}(?P<d>{DURATION_BARE})(?:\s+long{E})?", needs=_AMOUNT_WORDS, unless="length")
def duration(m: re.Match[str], parts: Parts) -> bool:
    """ "90 minutes", "2h", "45-minute", "half an hour" without "for" (after "at" it
    is a clock and a title: "at 9 Hour of code")."""
    if _prev_word(m) in ("at", "@"):
        return False
    months, minutes, _ = measure(m["d"])
    parts.claim("length", parts.said(m), m.span())
    if months or minutes > 24 * 60 or round(minutes) < 1:
        raise GrammarError(
            f"“{parts.said(m)}” can't be a meeting's length: it must be from 1 minute to 24 hours.",
            _LENGTH_EXAMPLES,
        )
    parts.duration = timedelta(minutes=round(minutes))
    return True


@scan_pass(
    rf"""(?P<h>{DIGIT_STARTS}\d?)
    (?P<rest>(?:[:.]\d{{2}}{SECS})?{MER}|:\d{{2}}{SECS}(?P<p>[ap]\.?(?![a-z0-9]))?
      |\s*o['’]?\s*(?P<oc>clock)){ISH}{E}{NOT_MORE_CLOCK}""",
    needs=("am", "pm", "m", ":", "clock"),
)
def time(m: re.Match[str], parts: Parts) -> bool:
    """ "3pm", "15:00", "4:45p", "8:02:30 PM", "4 o'clock". ("at" and "around"
    before it are dropped by the leftover check.)"""
    hour, rest, oc, p = m.group("h", "rest", "oc", "p")
    if ":" in rest and not rest.rstrip().endswith("m") and _AMOUNT_UNIT.match(m.string, m.end()):
        if _AMOUNT_UNIT.match(parts.source, m.end()):  # the source keeps the case
            return False  # "1:30 hours" is an amount ("11:15 Hour of code" is a title)
    if oc:
        clock = read_clock(hour)
    else:
        text = hour + rest
        if p:
            text = text[: len(text) - len(p)] + ("am" if p[0] == "a" else "pm")
        clock = read_clock(text)
    parts.set_time(clock, parts.said(m), m.span())
    return True


@scan_pass(
    rf"""{B}(?:(?:12\s+|twelve\s+)?(?P<word>noon|midday|midnight)
    | (?P<hw>{HOURW})(?:\s+(?P<mw>{MINW}))?(?:(?P<wap>{MER})|\s*o['’]?\s*(?P<woc>clock))?
    ){ISH}{E}{NOT_MORE}""",
    needs=("noon", "midday", "midnight", "noonish", "middayish", *HOUR_WORDS),
)
def time_words(m: re.Match[str], parts: Parts) -> bool:
    """ "noon", "noonish", "four o'clock", "eleven fifteen", "four pm"."""
    if m["word"]:
        clock = read_clock(m["word"])
    elif m["mw"] or m["wap"] or m["woc"]:
        clock = read_clock(" ".join(f"{m['hw']} {m['mw'] or ''} {m['wap'] or ''}".split()))
    else:
        return False  # a lone "seven": a count as often as a time
    parts.set_time(clock, parts.said(m), m.span())
    return True


@scan_pass(
    rf"""(?:{starts_word("at")}|@)\s*{SOFTEN}?(?:
      (?P<n>\d{{3,4}}|\d{{1,2}}(?:\.\d{{2}})?)(?:\s(?P<mm>[0-5]\d))?(?P<p>[ap]\.?)?
    | (?P<hw>{HOURW})(?:\s+(?P<mw>{MINW}))?
    ){ISH}(?![0-9]){E}(?![:./]\d)(?!\s*[/\-])""",
    needs=("at", "@"),
)
def at_time(m: re.Match[str], parts: Parts) -> bool:
    """ "at 9", "at 1530", "at 4 45", "at 3p", "at nine thirty" ("at 9 Week planning";
    but "at 2 hours" is no clock)."""
    if _UNIT_AFTER.match(parts.source, m.end()):
        return False
    start = m.start("n") if m["n"] else m.start("hw")
    parts.set_time(_loose_clock(m), parts.said(m), (start, m.end()))
    return True


def _loose_clock(m: re.Match[str]) -> Clock:
    if m["hw"]:
        return read_clock(" ".join(f"{m['hw']} {m['mw'] or ''}".split()))
    digits = m["n"]
    if m["mm"]:
        digits = f"{digits}:{m['mm']}"
    if m.re.groupindex.get("p") and m["p"]:
        digits += "am" if m["p"][0] == "a" else "pm"
    return read_clock(digits, at=True)


# After "tomorrow seven", what may follow so that "seven" is a time, not a count
# ("tomorrow two teams" is not 2 pm).
_SAFE_NEXT = r"(?:for|with|about|re|on|at|in|to|until|till|ish)(?![a-z])"


@scan_pass(
    rf"""(?:(?:(?<=[\x01\x03])|(?<=[\x01\x03]\s))
      (?:(?P<n>\d{{3,4}}|\d{{1,2}}(?:[.:]\d{{2}})?)(?:\s(?P<mm>[0-5]\d))?
        | (?P<hw>{HOURW})(?:\s+(?P<mw>{MINW}))?(?=\s*$|\s*[,;:)\x00-\x03]|\s+{_SAFE_NEXT}))
      {ISH}(?![0-9]){E}{NOT_MORE_CLOCK}(?!\s*[/\-])
    | {B}(?P<n2>\d{{1,2}}(?:[.:]\d{{2}})?|{HOURW}){ISH}(?=\s+(?:on\s+)?[\x01\x03])
    )""",
    needs=("\x02", *HOUR_WORDS),
    after=DAY_MASK + PART_MASK,
    unless="time",
)
def hour_near_day(m: re.Match[str], parts: Parts) -> bool:
    """ "tomorrow 9", "tonight 730", "tomorrow 15.30", "10 tomorrow morning", "7 this
    evening", "4 in the afternoon": a bare hour counts next to a day or daypart
    (elsewhere "9" or "19.99" is more likely part of the topic)."""
    if parts.time is not None or (m["n2"] and _after_label(m)) or "offset" in parts.seen:
        return False  # "Later one in 2 hours": the offset says when
    if _AMOUNT_UNIT.match(parts.source, m.end()):
        return False  # "tomorrow 1:30 hours" is an amount
    if m["hw"]:
        clock = read_clock(" ".join(f"{m['hw']} {m['mw'] or ''}".split()))
    elif m["n2"] and not m["n2"][0].isdigit():
        clock = read_clock(m["n2"])
    else:
        clock = _loose_clock_day(m)
    start = min(m.start(g) for g in ("n", "hw", "n2") if m[g])
    parts.set_time(clock, parts.said(m), (start, m.end()))
    return True


def _loose_clock_day(m: re.Match[str]) -> Clock:
    digits = m["n"] or m["n2"]
    if m["mm"]:
        digits = f"{digits}:{m['mm']}"
    return read_clock(digits, at=True)


@scan_pass(
    r"(?<![\w$#€£.:/\-])(?P<n>[01]\d[0-5][05])(?![\w%.:/\-])",
    needs=("\x02",),
    unless="time",
)
def bare_clock(m: re.Match[str], parts: Parts) -> bool:
    """ "1015 standup", "0930": four digits that can only be a 24-hour clock."""
    if parts.time is not None or _after_label(m):
        return False
    parts.set_time(read_clock(m["n"], at=True), parts.said(m), m.span())
    return True
