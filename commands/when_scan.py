"""Finding meeting-time phrases in a text: the scanner behind :mod:`commands.when`.

Why ordered passes rather than one big regex: meeting text mixes phrases that
overlap ("at 9 dec" is a date, "2-3pm" is a range, "2026-12-03" is not a range,
"Good Friday" is not a Friday). Each pass looks for one family of phrases, most
specific first, and masks what it takes, so later passes cannot reuse those
characters. :data:`PASSES` below is the priority order, in one place; the passes
themselves live in ``when_pass_*``. Whatever is never masked goes to
:mod:`commands.when_leftover`, which splits it into the topic and the time-like
words nobody explained.

Text in double quotes is the user's title, verbatim: no pass looks inside it
(``tomorrow 3pm "Plan for next year"``).
"""

from __future__ import annotations

import re
from functools import reduce
from itertools import repeat
from operator import or_

from commands import when_pass_clock as clock
from commands import when_pass_dates as dates
from commands import when_pass_days as days
from commands import when_pass_zones as zones
from commands.when_grammar import DIGIT, LOWER, YEAR, Pass
from commands.when_leftover import leftover
from commands.when_types import Parts

__all__ = ["PASSES", "scan"]

PASSES: tuple[Pass, ...] = (
    zones.iana,
    zones.utc_offset,
    dates.iso_datetime,
    zones.zulu,
    dates.iso_date,
    dates.numeric_date,
    dates.nth_weekday,
    dates.month_date,
    dates.month_day,
    days.unsupported_repeat,
    days.week_relative,
    days.recurrence,
    days.past,
    days.relative_in,
    days.relative,
    days.day_word,
    dates.holiday,
    days.daypart,
    clock.relative_clock,
    clock.clock_h,
    clock.range_,
    clock.until,
    clock.duration_for,
    clock.duration,
    clock.time,
    clock.time_words,
    clock.at_time,
    clock.hour_near_day,
    clock.bare_clock,
    zones.zone_word,
    zones.short_zone,
    days.now,
)

_HAS_YEAR = re.compile(r"[0-9]{4}").search
_SYMBOLS = (":", "-", "–", "—", "/", "@")  # the only non-letters a pass needs
# Words, the symbols a pass needs, and the first digit of each number ("45" → "4").
_TOKENS = re.compile(rf"[a-z]+|(?<![0-9])[0-9]|[{re.escape(''.join(_SYMBOLS))}]").findall
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
QUOTE = "\x05"


def _index(passes: tuple[Pass, ...]) -> dict[str, int]:
    """token -> bit set of the passes that need it (bit i = PASSES[i]), so that a
    text's tokens pick its passes in a few dictionary look-ups, in priority order."""
    index: dict[str, int] = {}
    for i, step in enumerate(passes):
        for token in step.needs:
            index[token] = index.get(token, 0) | 1 << i
    return index


_NEEDED_BY = _index(PASSES)
_DIGIT_PASSES, _YEAR_PASSES = _NEEDED_BY.get(DIGIT, 0), _NEEDED_BY.get(YEAR, 0)
_NEEDED_BY.update(dict.fromkeys("0123456789", _DIGIT_PASSES))  # a number: the DIGIT passes
assert all(t.isalnum() or t in (*_SYMBOLS, DIGIT, YEAR) for t in _NEEDED_BY), (
    "a pass needs a token the scanner does not look for"
)


def scan(text: str, *, day_first: bool = False) -> Parts:
    """Run the passes the text's words call for over ``text`` (whitespace already
    normalised to spaces) and return the parts found, with the topic and the
    unexplained words."""
    parts = Parts(source=text, day_first=day_first)
    # ASCII lower-casing keeps the length, so spans index the original text too.
    low = text.lower() if text.isascii() else text.translate(LOWER)
    masked = low = _protect_quotes(low)
    # One pass over the tokens picks the passes (a bit each, in priority order).
    wanted = reduce(or_, map(_NEEDED_BY.get, _TOKENS(low), repeat(0)), 0)
    if wanted & _DIGIT_PASSES and _HAS_YEAR(low):
        wanted |= _YEAR_PASSES
    seen = parts.seen
    while wanted:
        bit = wanted & -wanted
        wanted ^= bit
        step = PASSES[bit.bit_length() - 1]
        if step.unless and step.unless in seen:
            continue
        if step.after and not any(mask in masked for mask in step.after):
            continue
        # finditer's matches, from a search that costs less when nothing matches
        # (most selected passes): each search runs on the text as the pass found it.
        found, search = masked, step.pattern.search
        match = search(found)
        while match is not None:
            start, end = match.span()
            if step.handler(match, parts):
                masked = masked[:start] + step.mask * (end - start) + masked[end:]
            if parts.unmask:  # a loose weekday gave way ("Sun lounge chat tomorrow")
                for first, last in parts.unmask:
                    masked = masked[:first] + low[first:last] + masked[last:]
                parts.unmask.clear()
            match = search(found, end if end > start else end + 1)
    rest = leftover(masked, text, has_day=parts.day is not None or parts.offset is not None)
    parts.topic, parts.masked = rest.topic, masked
    if rest.unexplained:
        parts.unexplained, parts.unexplained_spans = rest.unexplained, rest.unexplained_spans
        parts.title, parts.title_spans = rest.title, rest.title_spans
    return parts


def _protect_quotes(low: str) -> str:
    """Hide quoted titles from the passes (same length, so spans still hold)."""
    if '"' not in low and "“" not in low:
        return low
    return _QUOTED.sub(lambda m: QUOTE * len(m[0]), low)
