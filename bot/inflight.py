"""Chat requests held open while they are worked on, so a crash cannot leave one silent.

A front end claims a request (its de-duplication key), then holds it open here until
the answer is delivered. If the process dies inside, the row stays, and the sweep
(:mod:`bot.recovery`, :func:`commands.recovery.stale_requests`) tells the requester
to ask again. Only the command word is kept, never the text.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bot.pool import run_blocking
from commands.ports import RecoveryStore
from commands.records import OpenRequest

log = logging.getLogger("securemeet.inflight")


@contextlib.asynccontextmanager
async def answering(store: RecoveryStore, key: str, *, requester: str, platform: str,
                    command: str) -> AsyncIterator[None]:
    """Hold a claimed chat request open while it is worked on and answered: if the
    process dies inside, the sweep tells the requester (:func:`recovery.stale_requests`)."""
    await run_blocking(store.open_request, OpenRequest(key, requester, platform, command,
                                                       datetime.now(UTC)))
    try:
        yield
    finally:
        try:
            await run_blocking(store.close_request, key)
        except Exception:  # the sweep closes it later; the user was answered already
            log.warning("could not close an answered request", exc_info=True)
