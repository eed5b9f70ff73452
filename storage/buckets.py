"""A token bucket as plain arithmetic, shared by both backends.

Zoom's rate limits are per account, so every replica must draw on one budget. Each
backend keeps a bucket as one row, ``(tokens, updated_at)``, and applies :func:`take` to
it while holding that row's lock (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: ``BEGIN
IMMEDIATE``), so two replicas can never both spend the last token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Bucket:
    """The row after a take: tokens left, the time they were counted at, and how long
    the caller must wait (0: the call may go now, and it was counted)."""

    tokens: float
    updated_at: datetime
    wait: float


def take(tokens: float | None, updated_at: datetime | None, *, rate: float, burst: int,
         now: datetime) -> Bucket:
    """Refill for the time since ``updated_at`` (a new bucket starts full), then spend
    one token if there is one. A clock behind the row's (another replica's clock ran
    ahead) refills nothing and never moves the row back in time."""
    if not rate > 0 or burst < 1:
        raise ValueError(f"a rate budget needs rate > 0 and burst >= 1, not rate={rate!r}, "
                         f"burst={burst!r}")
    if tokens is None or updated_at is None:
        tokens, updated_at = float(burst), now
    elapsed = max(0.0, (now - updated_at).total_seconds())
    tokens = min(float(burst), tokens + elapsed * rate)
    stamp = max(updated_at, now)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, stamp, 0.0)
    return Bucket(tokens, stamp, (1.0 - tokens) / rate)
