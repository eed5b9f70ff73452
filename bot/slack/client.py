"""The one Slack Web API client of a process, and how it retries.

slack_sdk's own retry handlers (not ours): a 429 waits for its ``Retry-After``, a
reset connection or a 5xx is tried again with backoff. The client logs whole request
bodies at DEBUG (a passcode, a ``response_url``), so it gets a logger pinned at INFO.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

TIMEOUT = 15  # seconds, for every Slack Web API and response_url call

http_log = logging.getLogger("securemeet.slack.http")
http_log.setLevel(logging.INFO)  # slack_sdk logs request bodies (a passcode) at DEBUG


def retry_handlers() -> list[Any]:
    """429s honour Retry-After; resets and 5xx are retried with backoff."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2)]


def web_client(token: str, base_url: str) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT, logger=http_log,
                          retry_handlers=retry_handlers())
