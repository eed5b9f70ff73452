"""Acks first: background work waits until a burst of chat requests has been answered.

Slack's 3 s ack deadline is hard; the Zoom work behind a command is not (it answers
through ``response_url`` within 30 minutes). When 50 commands arrive at once, every
background task started by an early ack would otherwise compete with the later acks
for the event loop and, through the blocking pool's threads, for the GIL. So each task
first awaits :meth:`AckFirst.quiet`: no Slack request in flight and none arrived for
:data:`QUIET` seconds. Under sustained load a task waits at most ``max_wait``, so
work is delayed, never starved.

One timer per server, not one per task: arrivals clear an event, a timer sets it again
once the server has been quiet long enough.
"""

from __future__ import annotations

import asyncio
import contextlib

QUIET = 0.02  # seconds without a new Slack request
MAX_WAIT = 1.0  # seconds a task waits at most


class AckFirst:
    def __init__(self, *, quiet: float = QUIET, max_wait: float = MAX_WAIT) -> None:
        self.quiet_for = quiet
        self.max_wait = max_wait
        self.in_flight = 0
        self._last = 0.0
        self._event = asyncio.Event()
        self._event.set()
        self._timer: asyncio.TimerHandle | None = None

    def arrived(self) -> None:
        self.in_flight += 1
        self._last = asyncio.get_running_loop().time()
        self._event.clear()

    def answered(self) -> None:
        self.in_flight -= 1
        if not self.in_flight and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.quiet_for, self._check)

    def _check(self) -> None:
        self._timer = None
        if self.in_flight:  # answered() schedules the next check
            return
        loop = asyncio.get_running_loop()
        left = self._last + self.quiet_for - loop.time()
        if left > 0:
            self._timer = loop.call_later(left, self._check)
        else:
            self._event.set()

    async def quiet(self) -> None:
        """Return once the server is quiet, or after ``max_wait`` seconds."""
        if self._event.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), self.max_wait)
