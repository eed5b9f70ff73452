"""Work the server started after answering (replies, nudges), finished on shutdown.

Slack, Teams and the Zoom webhooks all answer first and work after, in tasks they keep
in a set. When the server stops, :func:`drain` gives that work a grace period to finish
(a reply half-sent is worse than a little wait) and cancels what is still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("securemeet.server")


async def drain(tasks: Iterable[asyncio.Task[Any]], *, timeout: float, what: str) -> int:
    """Wait up to ``timeout`` seconds for ``tasks``; cancel the rest and return how many."""
    pending = {t for t in tasks if not t.done()}
    if not pending:
        return 0
    log.warning("waiting up to %.0f s for %d %s in progress", timeout, len(pending), what)
    _, still = await asyncio.wait(pending, timeout=timeout)
    for task in still:
        task.cancel()
    return len(still)
