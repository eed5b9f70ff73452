"""The server's sweep of interrupted work (:mod:`commands.recovery`), and the DMs.

``securemeet serve`` sweeps once at start-up (what a crash left behind) and then every
``SECUREMEET_RECOVERY_INTERVAL_SECONDS`` (default 60), on the blocking pool: meetings
made and never recorded, and chat requests claimed and never answered (the front door
records each as open before acknowledging it, :mod:`bot.frontdoor`). Their requesters
get a direct message on the platform they asked from, one per person per sweep, saying
so and to ask again: without it they would only ever have seen "Working on it…".

``SECUREMEET_RECOVERY_GRACE_SECONDS`` (default 120) is how old an intent must be before
it is settled: longer than a create, read-back and record take, retries included, so a
second replica on the same database never settles work another one is still doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot import notify, replica
from bot.pool import run_blocking
from bot.services import Services
from commands import recovery
from commands.reply import Reply

log = logging.getLogger("securemeet.recovery")


class RecoveryLoop:
    def __init__(self, services: Services, *, grace: timedelta | None = None,
                 every: float | None = None) -> None:
        config = services.config
        self.services = services
        self.grace = grace if grace is not None else timedelta(
            seconds=config.recovery_grace_seconds)
        self.every = every if every is not None else config.recovery_interval_seconds
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name="recovery")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        while True:
            await self.once()
            await asyncio.sleep(self.every)

    async def once(self) -> list[recovery.Settled]:
        """One sweep; never raises (the server must not stop over it)."""
        try:
            settled = await run_blocking(recovery.sweep, self.services.ctx,
                                         older_than=self.grace, owner=replica.ID)
        except Exception:
            log.exception("the sweep of interrupted creates failed; trying again later")
            return []
        sandbox = self.services.ctx.sandbox
        told: set[str] = set()
        for item in settled:
            log.info("interrupted create settled: %s", item.outcome)
            if item.outcome != recovery.KEPT and item.pending.requester:
                await self._tell(item.pending.requester, item.pending.platform,
                                 recovery.interrupted_reply(item, sandbox=sandbox))
                told.add(item.pending.requester)
        try:
            stale = await run_blocking(recovery.stale_requests, self.services.ctx,
                                       older_than=self.grace, owner=replica.ID)
        except Exception:
            log.exception("the sweep of unanswered requests failed; trying again later")
            return settled
        for request in stale:
            log.info("unanswered %s request settled", request.platform)
            if request.requester not in told:  # one message per person per sweep
                await self._tell(request.requester, request.platform,
                                 recovery.unanswered_reply(request, sandbox=sandbox))
                told.add(request.requester)
        return settled

    async def _tell(self, user: str, platform: str, reply: Reply) -> None:
        await notify.send(self.services.messengers, user=user, platform=platform, reply=reply)
