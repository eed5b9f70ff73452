"""Bot Connector calls that are throttled or briefly down are tried again.

Teams answers a burst of sends with 429 and a ``Retry-After``, and its front doors
sometimes with 502/503/504. One such answer dropped the reply that carried a new
meeting's passcode. :class:`Retrying` is a middleware for the Teams SDK's own HTTP client
(``Client.use``): it retries those four statuses, waiting as long as ``Retry-After``
asks (capped), else with exponential backoff and jitter as the SDK's own
``utils.retry`` does, and gives up after :data:`ATTEMPTS`. Other errors are not retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger("securemeet.teams")

RETRYABLE = (429, 502, 503, 504)
ATTEMPTS = 4
BASE_DELAY = 0.5  # seconds, doubled each attempt
MAX_DELAY = 10.0  # a Retry-After above this is waited only this long, then tried once more


class Retrying:
    def __init__(self, *, attempts: int = ATTEMPTS,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.attempts = attempts
        self.sleep = sleep

    async def send(self, context: Any, next: Callable[[], Awaitable[httpx.Response]]
                   ) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            try:
                return await next()
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                if status not in RETRYABLE or attempt == self.attempts:
                    raise
                delay = wait_for(exc.response, attempt)
                log.info("Bot Connector answered %s; trying again in %.1f s", status, delay)
                await self.sleep(delay)
        raise AssertionError("unreachable")


def wait_for(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before ``attempt + 1``: ``Retry-After`` (seconds or an HTTP date),
    else exponential backoff with full jitter; never more than :data:`MAX_DELAY`."""
    header = response.headers.get("retry-after", "").strip()
    if header:
        try:
            return min(max(float(header), 0.0), MAX_DELAY)
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
                return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_DELAY)
            except (TypeError, ValueError):
                pass
    return random.uniform(0, min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY))
