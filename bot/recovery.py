"""The server's sweep of interrupted work (:mod:`commands.recovery`), and the DMs.

``securemeet serve`` sweeps once at start-up (what a crash left behind) and then every
:data:`EVERY` seconds (creates Zoom never confirmed), on the blocking pool: meetings
made and never recorded, and chat requests claimed and never answered (front ends hold
them open with :func:`bot.inflight.answering`). Their requesters get a direct message on the
platform they asked from, one per person per sweep, saying so and to ask again: without
it they would only ever have seen "Working on it…".

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
from commands.reply import Reply

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
                                       older_than=self.grace)
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
        if self.senders is None:  # made when first needed: they load platform SDKs
            self.senders = notify.notifiers(self.services)
        await notify.send(self.senders, user=user, platform=platform, reply=reply)
