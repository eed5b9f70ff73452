"""The grammar's machinery: what a pass is, regex fragments built from the word
tables, and small readers for amounts and clock times.

The modules of :mod:`commands.when`, one job each, so each fits on a few screens:

- :mod:`commands.when_words`, :mod:`commands.when_holidays`: the vocabulary, as tables;
- :mod:`commands.when_types`: the values a scan produces, and ``When``;
- ``when_grammar`` (this one): passes, fragments, readers;
- ``when_pass_*``: the phrase families (zones, dates, days, clock), one pass each;
- :mod:`commands.when_scan`: runs the passes in priority order;
- :mod:`commands.when_leftover`: which words no pass explained;
- :mod:`commands.when_days`, :mod:`commands.when_resolve`: one moment from the parts;
- :mod:`commands.when_ask`, :mod:`commands.when_suggest`: the questions and the
  corrected commands they offer; :mod:`commands.when`: the public API.

Patterns are lower-case and run on an ASCII-lower-cased copy of the text (same
length, so spans still index the original); that is ~3x faster than
``re.IGNORECASE``. Everything is compiled once, at import. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from commands.when_types import Clock, GrammarError, Parts
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

__all__ = ["Pass", "alternation", "measure", "ordinal", "read_clock", "scan_pass", "starts_word"]

# --- passes ----------------------------------------------------------------------

Handler = Callable[[re.Match[str], Parts], bool]
MASK, DAY_MASK, PART_MASK = "\x00", "\x01", "\x03"  # a time, a day, a daypart phrase
DIGIT = "\x02"  # a guard token that means "the text has a digit"
YEAR = "\x04"  # a guard token that means "the text has four digits in a row"
FLAGS = re.ASCII
LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Pass:
    """One family of phrases. ``needs``: the pass runs only if the text has one of
    these tokens (words, numbers → DIGIT, single symbols); one set check spares
    most regex scans, which keeps a parse well under 100 µs. ``after``: masks of
    which one must already be present (phrases that only count next to a time or a
    day). ``unless``: a slot that, once filled, makes the pass pointless (a bare
    hour after the time is known). The handler returns False to leave the text
    unmasked (not the phrase it hoped)."""

    pattern: re.Pattern[str]
    handler: Handler
    mask: str
    needs: frozenset[str]
    after: str
    unless: str


def scan_pass(
    pattern: str,
    mask: str = MASK,
    *,
    needs: Iterable[str] = (),
    after: str = "",
    unless: str = "",
) -> Callable[[Handler], Pass]:
    """Decorator: compile ``pattern`` once and pair it with its handler."""

    def make(handler: Handler) -> Pass:
        compiled = re.compile(pattern, FLAGS | re.VERBOSE)
        return Pass(compiled, handler, mask, frozenset(needs), after, unless)

    return make


def alternation(words: Iterable[str], *, word_start: bool = False) -> str:
    """A regex matching any of ``words``, longest first ("tues" before "tue",
    "march" before "mar"); a space matches any run of spaces.

    Why a trie ("t(?:ue(?:s(?:day)?)?|hu…)") rather than "tuesday|tues|tue|…": the
    regex engine then checks one letter per branch instead of trying every word at
    every position, which is most of a parse's time for the long word lists.

    ``word_start``: the words must start a word, checked just after their first
    letter (:data:`AFTER_FIRST`). Put first in a pattern, this lets the engine jump
    from one possible first letter to the next instead of trying every position."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie, AFTER_FIRST if word_start else "")


def _trie_regex(node: dict, after_first: str = "") -> str:
    branches = []
    for char in sorted(c for c in node if c):
        head = r"\s+" if char == " " else re.escape(char)
        branches.append(head + after_first + _trie_regex(node[char]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


def starts_word(word: str) -> str:
    """ "for" as the first thing in a pattern, at the start of a word: the engine
    then searches for the literal instead of trying every position."""
    return re.escape(word[0]) + AFTER_FIRST + re.escape(word[1:])


# --- pattern fragments -----------------------------------------------------------

B = r"(?<![a-z0-9'’])"  # a word starts here
AFTER_FIRST = r"(?<![a-z0-9'’].)"  # just after a word's first character: it started a word
# A digit that starts a word. Written digit first (the boundary checked behind it)
# so that the regex engine can skip ahead to digits instead of trying every position.
DIGIT_STARTS = rf"\d{AFTER_FIRST}"
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
# Not part of a longer number or an amount ("3 hours", "1:30 h"). After am/pm or
# noon a unit word is the topic's ("3pm Week planning"), and so is a unit longer
# than hours after a clock with minutes ("11:15 Day planning").
_HM_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m)"
NOT_MORE = rf"""(?![:./]\d)(?:(?<=m)|(?<=m\.)|(?<=noon)|(?<=night)|(?<=midday)
    |(?<=\d:\d\d)(?!\s*{_HM_UNIT}{E})|(?!\s*{UNIT_ALL}{E}))"""
# A clock with minutes ("11:15"): its pass checks the case of a unit after it itself
# ("11:15 hours" is an amount, "11:15 Hour of code" a title).
NOT_MORE_CLOCK = rf"""(?![:./]\d)(?:(?<=m)|(?<=m\.)|(?<=\d:\d\d)|(?!\s*{UNIT_ALL}{E}))"""
# Number words need a space and a whole unit word, so "and" is never "an d(ay)".
PAIR = rf"(?:{DIGITS}\s*-?\s*{UNIT_ALL}|{WORD_NUM}[\s-]+{UNIT_LONG}){E}"
PAIR_BARE = rf"(?:{DIGITS}\s*-?\s*(?:{UNIT_BARE}|h)|{WORD_NUM}[\s-]+{UNIT_BARE}){E}"
_H_MM = r"\d:\d{2}\s*(?:hours?|hrs?|h)"  # "1:30 hours", an amount only with its unit
COMPOUND = rf"(?:\d+\s*h\s*\d{{1,2}}(?:\s*m(?:in(?:ute)?s?)?)?|\d?{_H_MM}){E}"
# "1h30"; "14h45" is a clock, and "1:30 hours" an amount only after "for"
COMPOUND_BARE = rf"\d\s*h\s*\d{{1,2}}(?:\s*m(?:in(?:ute)?s?)?)?{E}"
HALF_HOUR = rf"(?:an?\s+)?half\s+(?:an?\s+)?hour{E}"
AND_HALF = rf"(?:\s+and\s+a\s+half{E})?"
# An amount never starts inside a clock ("at 11:15 hours" is not 15 hours).
IN_CLOCK = r"(?<![0-9][:.])"
PAIRS = rf"{PAIR}(?:\s*(?:,|and)?\s*{PAIR})*{AND_HALF}"
DURATION = rf"{IN_CLOCK}(?:{HALF_HOUR}|{FRACTION}{E}|{COMPOUND}|{PAIRS})"
PAIRS_BARE = rf"{PAIR_BARE}(?:\s*(?:,|and)?\s*{PAIR_BARE})*{AND_HALF}"
DURATION_BARE = rf"{IN_CLOCK}(?:{HALF_HOUR}|{COMPOUND_BARE}|{PAIRS_BARE})"

PAIR_RE = re.compile(
    rf"(?:(?P<n>{DIGITS})\s*-?\s*(?P<u>{UNIT_ALL})|(?P<w>{WORD_NUM})[\s-]+(?P<v>{UNIT_LONG})){E}",
    FLAGS,
)
COMPOUND_RE = re.compile(r"(?P<h>\d+)(?:\s*h\s*|:)(?P<m>\d{1,2})", FLAGS)
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
_SIMPLE_AMOUNT = re.compile(rf"(?P<n>\d+)\s*-?\s*(?P<u>{UNIT_BARE}|h|m)", FLAGS)
UNIT_MINUTES = {"h": 60, "m": 1, "d": 1440, "w": 10080, "f": 20160}


# --- small readers -----------------------------------------------------------------


def _number(word: str) -> float:
    word = " ".join(word.split())
    for prefix in ("a ", "an "):
        word = word.removeprefix(prefix)
    word = word.removesuffix(" of")
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else float(word)


@lru_cache(maxsize=512)
def measure(text: str) -> tuple[int, float, bool]:
    """Read an amount of time: (months, minutes, uses hours/minutes units).

    "1h30", "1 hour and 30 minutes", "an hour and a half", "half an hour", "2 weeks",
    "3/4 of an hour", "a couple of days". ``text`` is already lower-case. Cached:
    the same few lengths ("45m", "1 hour") come back all day.
    """
    low = text
    simple = _SIMPLE_AMOUNT.fullmatch(low)  # "45m", "2 hours", "90 min": most lengths
    if simple:
        unit = simple["u"]
        if unit[0] in "hm" and not unit.startswith("mo"):
            return 0, float(simple["n"]) * UNIT_MINUTES[unit[0]], True
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


@lru_cache(maxsize=1024)
def read_clock(text: str, *, at: bool = False) -> Clock:
    """Read "3pm", "15:00", "3.30 p.m.", "16:10:05", "noon", "eleven fifteen",
    "four o'clock"; three or four bare digits are HHMM ("1530"). Cached: a Clock is
    immutable and the same few spellings come back all day."""
    clean = text.strip()
    if "ish" in clean:
        clean = _ISH_TAIL.sub("", clean)
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


CACHED = (read_clock, measure)  # see commands.when.clear_caches
