"""Natural-language meeting times: ``parse_when(text, now, tz) -> When``.

"tomorrow 3pm for 45m Budget review" → start, duration, recurrence, topic. The
promise: understand the time, or ask. A time is never built from part of the
text while time-like words are left over ("quarter past" beside "tomorrow"), a day
is never given a default hour, and a phrase with two real readings ("at 7", "next
fri" on a Monday) is a question whose choices are the user's own command, rewritten
once per reading. See docs/WHEN.md for every rule and form.

The work is split so each module has one job (see :mod:`commands.when_grammar`):
word tables, passes that find phrases, the leftover check, calendar days, zones,
resolution and questions. This module is the API and the input checks.

Exceptions (:mod:`commands.when_errors`)::

    WhenError (a UserError and a ValueError): the only exception family
    ├── NoTimeFound: no time-like word at all (the router shows the help)
    └── UnsureTime: a question, with ``understood``, ``unexplained``, ``choices``
"""

from __future__ import annotations

import re
from datetime import datetime

from commands import when_days, when_grammar, when_leftover, when_types, when_zones
from commands.when_errors import NoTimeFound, UnsureTime, WhenError
from commands.when_resolve import resolve
from commands.when_scan import scan
from commands.when_suggest import question_about_words
from commands.when_types import DEFAULT_DURATION, GrammarError, When
from commands.when_zones import user_zone

__all__ = [
    "DEFAULT_DURATION", "MAX_TEXT", "NoTimeFound", "UnsureTime", "When", "WhenError",
    "clear_caches", "parse_when",
]  # fmt: skip

MAX_TEXT = 300
_SPACES = re.compile(r"[\s\x00-\x05]")  # every Unicode space, and the scanner's masks


def parse_when(text: str, now: datetime, tz: str, *, day_first: bool = False) -> When:
    """Read a meeting time from ``text`` as said at ``now`` by a user in zone ``tz``.

    ``day_first`` makes 05/12 mean 5 December instead of May 12. Raises
    :class:`WhenError`, and only that, for anything it cannot book; an
    :class:`UnsureTime` when it should ask rather than guess.
    """
    zone = user_zone(tz)
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise WhenError("Internal: `now` must be a timezone-aware datetime.")
    clean = _checked_text(text)
    try:
        parts = scan(clean, day_first=day_first)
        if parts.unexplained and not parts.past:
            raise question_about_words(parts, now, zone)
    except GrammarError as exc:
        raise WhenError(exc.message, examples=exc.examples) from None
    return resolve(parts, now, zone, clean)


def clear_caches() -> None:
    """Forget the cached readings of words, clocks, lengths, days and moments.

    parse_when caches small pure steps ("3pm" → 15:00, "tomorrow" → a date, 15:00
    on that date in a zone → a moment) because requests repeat them. The benchmark
    clears them before each round so that a phrase is timed as one of a stream of
    different phrases, not as its own repeat."""
    for module in (when_types, when_grammar, when_leftover, when_days, when_zones):
        for cached in module.CACHED:
            cached.cache_clear()


def _checked_text(text: object) -> str:
    """Normalise every kind of space to " " (Slack sends non-breaking ones) and
    reject what cannot be a meeting request."""
    if not isinstance(text, str) or not text.strip():
        raise WhenError("Tell me when the meeting is, e.g. “tomorrow 3pm for 45m Budget review”.")
    if len(text) > MAX_TEXT:
        raise WhenError(
            f"That is {len(text)} characters; keep the time and topic under {MAX_TEXT}, "
            "e.g. “tomorrow 3pm for 45m Budget review”."
        )
    if text.isascii() and text.isprintable():
        return text  # nothing to normalise: the common case, kept cheap
    return _SPACES.sub(" ", text)
