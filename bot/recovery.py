"""The server's sweep of interrupted creates (:mod:`commands.recovery`), and the DMs.

``securemeet serve`` sweeps once at start-up (what a crash left behind) and then every
:data:`EVERY` seconds (creates Zoom never confirmed), on the blocking pool. A requester
whose request was settled without an answer gets a direct message on the platform they
asked from, saying so and to ask again: without it they would only ever have seen
"Working on it…".

``SECUREMEET_RECOVERY_GRACE_SECONDS`` (default 120) is how old an intent must be before
it is settled: longer than a create, read-back and record take, retries included, so a
second replica on the same database never settles work another one is still doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot import notify
from bot.config import seconds_from_env
from bot.pool import run_blocking
from commands import recovery

log = logging.getLogger("securemeet.recovery")

EVERY = 60.0
GRACE_VAR = "SECUREMEET_RECOVERY_GRACE_SECONDS"


def grace_from_env(env: Mapping[str, str] | None = None) -> timedelta:
    env = os.environ if env is None else env
    seconds = seconds_from_env(env, GRACE_VAR, least=0, most=86400,
                               default=recovery.GRACE.total_seconds())
    return timedelta(seconds=seconds)


class RecoveryLoop:
    def __init__(self, services: Any, *, senders: Mapping[str, notify.Notifier] | None = None,
                 grace: timedelta | None = None, every: float = EVERY) -> None:
        self.services = services
        self.senders = senders
        self.grace = grace_from_env() if grace is None else grace
        self.every = every
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name="recovery")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        if self.senders:
            await notify.close_all(self.senders)

    async def _run(self) -> None:
        while True:
            await self.once()
            await asyncio.sleep(self.every)

    async def once(self) -> list[recovery.Settled]:
        """One sweep; never raises (the server must not stop over it)."""
        try:
            settled = await run_blocking(recovery.sweep, self.services.ctx,
                                         older_than=self.grace)
        except Exception:
            log.exception("the sweep of interrupted creates failed; trying again later")
            return []
        for item in settled:
            log.info("interrupted create settled: %s", item.outcome)
            if item.outcome != recovery.KEPT and item.pending.requester:
                if self.senders is None:  # made when first needed: they load platform SDKs
                    self.senders = notify.notifiers(self.services)
                reply = recovery.interrupted_reply(item, sandbox=self.services.ctx.sandbox)
                await notify.send(self.senders, user=item.pending.requester,
                                  platform=item.pending.platform, reply=reply)
        return settled
