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

from commands import when_pass_clock as clock
from commands import when_pass_dates as dates
from commands import when_pass_days as days
from commands import when_pass_zones as zones
from commands.when_grammar import DIGIT, LOWER, Parts, Pass
from commands.when_leftover import leftover

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
    days.relative,
    days.day_word,
    dates.holiday,
    days.daypart,
    clock.relative_clock,
    clock.clock_h,
    clock.range_,
    clock.until,
    clock.duration,
    clock.time,
    clock.at_time,
    clock.hour_near_day,
    clock.bare_clock,
    zones.zone_word,
    zones.short_zone,
    days.now,
)

_HAS_DIGIT = re.compile(r"[0-9]").search
_TOKEN = re.compile(r"[a-z]+|[^\sa-z0-9]")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
QUOTE = "\x05"


def scan(text: str, *, day_first: bool = False) -> Parts:
    """Run every pass over ``text`` (whitespace already normalised to spaces) and
    return the parts found, with the topic and the unexplained words."""
    parts = Parts(source=text, day_first=day_first)
    masked = low = _protect_quotes(text.translate(LOWER))
    tokens = set(_TOKEN.findall(low))
    if _HAS_DIGIT(low):
        tokens.add(DIGIT)
    for step in PASSES:
        if step.needs.isdisjoint(tokens) or (step.after and step.after not in masked):
            continue
        for match in step.pattern.finditer(masked):
            if step.handler(match, parts):
                start, end = match.span()
                masked = masked[:start] + step.mask * (end - start) + masked[end:]
    parts.topic, parts.unexplained, parts.title = leftover(
        masked, text, has_day=parts.day is not None
    )
    return parts


def _protect_quotes(low: str) -> str:
    """Hide quoted titles from the passes (same length, so spans still hold)."""
    if '"' not in low and "“" not in low:
        return low
    return _QUOTED.sub(lambda m: QUOTE * len(m[0]), low)
