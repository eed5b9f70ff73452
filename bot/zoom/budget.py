"""A per-account budget for Zoom's rate limits, shared by every replica.

Zoom counts requests per account and answers 429 past its per-second limits
(:mod:`bot.zoom.rates`). A burst of chat commands would earn those 429s, and each one
costs the user a ``Retry-After`` wait (a whole second) on top. So every request waits
for its turn *before* it is sent: :meth:`RateBudget.acquire` takes one token from the
category's bucket, a row in the store (``take_rate``: one atomic token bucket for all
replicas, ``docs/STORAGE.md``), and sleeps for as long as the bucket says when it is
empty. A burst queues instead of failing.

How fast a bucket refills:

* ``rate = limit × share``: ``share`` (default 0.9) leaves the rest of the account's
  budget to the other apps installed on it, which Zoom counts with ours.
* ``burst = 1``: calls are spaced ``1/rate`` apart and never bunch up, so in any one
  second at most ``rate + 1`` calls start, under the limit even for a counter with a
  sliding one-second window (the strictest way to read "per second").

Within one process, callers queue first-come first-served on a ticket lock, and only the
head of the queue polls the shared bucket: 16 threads waiting do not turn into 16
transactions every few milliseconds, and nobody is overtaken for long. The store being
unreachable never stops a Zoom call (it is logged, and Zoom's own 429 and its
``Retry-After`` still protect): the budget is a courtesy, not a gate.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.zoom.rates import DEFAULT_PLAN, limits
from commands.errors import ZoomRateLimited
from commands.ports import RateStore

log = logging.getLogger("securemeet.zoom")

DEFAULT_SHARE = 0.9
MIN_SLEEP = 1e-6  # seconds: the stores keep times to the microsecond
# Seconds one call may queue before its user is told to try again: well inside the
# recovery sweep's grace (SECUREMEET_RECOVERY_GRACE_SECONDS, 120), so a create that
# waited its turn is recorded before the sweep takes it for a crash's leftover.
MAX_WAIT = 30.0
BUSY = ("SecureMeet is sending Zoom as many requests as your Zoom plan allows. "
        "Please try again in a minute.")


class Budget(Protocol):
    """What the client needs: wait for a turn to send one request of a category."""

    def acquire(self, category: str) -> float:
        """Block until a request of ``category`` may go; returns the seconds waited."""
        ...


@dataclass(frozen=True)
class Pace:
    """One category's bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    rate: float
    burst: int


def pace(limit: int, share: float) -> Pace:
    """The bucket for a category Zoom allows ``limit`` requests a second."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], not {share!r}")
    return Pace(rate=limit * share, burst=1)


class RateBudget:
    """Paces one Zoom account's requests through buckets in a shared store. Thread-safe."""

    def __init__(
        self,
        store: RateStore,
        *,
        account_id: str,
        plan: str = DEFAULT_PLAN,
        share: float = DEFAULT_SHARE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Any] = time.sleep,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self._store = store
        self._account = account_id
        self._paces = {name: pace(limit, share) for name, limit in limits(plan).items()}
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._queues: dict[str, _Turns] = {name: _Turns() for name in self._paces}
        self._store_down = False

    def acquire(self, category: str) -> float:
        paced = self._paces[category]
        bucket = f"zoom:{self._account}:{category.lower()}"
        waited = 0.0
        with self._queues[category].turn():
            while True:
                wait = self._take(bucket, paced)
                if wait <= 0:
                    if waited:
                        log.debug("zoom budget: waited %.3fs for a %s call", waited, category)
                    return waited
                if waited + wait > self._max_wait:
                    log.warning("zoom budget: a %s call queued %.0fs; giving up", category,
                                waited)
                    raise ZoomRateLimited(BUSY)
                # Up to the next microsecond (the stores' precision): a refill that falls
                # short by a float's last bit must not make us spin or oversleep.
                wait = max(math.ceil(wait / MIN_SLEEP) * MIN_SLEEP, MIN_SLEEP)
                self._sleep(wait)
                waited += wait

    def _take(self, bucket: str, paced: Pace) -> float:
        try:
            wait = self._store.take_rate(bucket, rate=paced.rate, burst=paced.burst,
                                         now=self._clock())
        except Exception as exc:  # the database is down: let the call go (Zoom still says 429)
            if not self._store_down:
                log.warning("zoom budget unavailable (%s): calls go unpaced until the store "
                            "answers again", type(exc).__name__)
            self._store_down = True
            return 0.0
        if self._store_down:
            log.info("zoom budget available again")
            self._store_down = False
        return wait


class _Turns:
    """A first-come first-served lock (a ticket lock): Python's own locks are not fair,
    and a caller overtaken again and again would be the slow end of every percentile."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()
