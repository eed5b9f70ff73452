"""When to try a Zoom call again, and how long to wait first.

Two pure functions, so the client's loop stays short and these stay easy to test:

* :func:`parse_retry_after` reads ``Retry-After`` in every form Zoom is known to send:
  delta-seconds (``"2"``), an HTTP-date (``"Sun, 31 May 2020 00:00:00 GMT"``) and the
  ISO 8601 timestamp Zoom's docs show (``"2020-05-31T00:00:00Z"``, research/zoom.md §5).
  It never raises: a header we cannot read is the same as no header.
* :func:`backoff_delay` is exponential backoff with "equal jitter": half the step is
  fixed, half random, so retries from many threads spread out but never collapse to 0.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_LONGEST = 366 * 86400.0  # a year: anything later reads as "a year"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value, or ``None`` if unreadable.

    ``now`` is wall-clock epoch seconds (defaults to :func:`time.time`). Dates in the
    past give ``0.0``. The result is always finite and ``>= 0``.
    """
    if not value:
        return None
    text = value.strip()
    try:
        if _SECONDS.fullmatch(text):
            return min(float(text), _LONGEST)
        when = _parse_date(text)
        if when is None:
            return None
        delta = when.timestamp() - (time.time() if now is None else now)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    if math.isnan(delta):
        return None
    return min(max(delta, 0.0), _LONGEST)


def _parse_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)  # RFC 9110 HTTP-date (and RFC 2822 kin)
    except (ValueError, TypeError, IndexError):
        try:
            when = datetime.fromisoformat(text)  # 2020-05-31T00:00:00Z and friends
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def backoff_delay(
    retry: int,
    *,
    base: float,
    cap: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """Wait before retry number ``retry`` (1 for the first retry): in ``[step/2, step]``.

    ``step`` is ``base * 2 ** (retry - 1)``, capped at ``cap``.
    """
    step = min(cap, base * 2.0 ** min(max(retry - 1, 0), 60))
    return step / 2 + rand() * step / 2
