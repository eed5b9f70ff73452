"""Runs the live core (:mod:`commands.live`) for Zoom's webhooks: state, timers, DMs.

Per event (a background task, after the webhook was acknowledged):

1. Is the meeting one SecureMeet scheduled or audited (:meth:`live_watch`)? If not,
   nothing is stored.
2. Under the meeting's lock, on the bounded blocking pool: load the instance's state,
   ``observe`` the event, ``decide`` what is due now, and save it all in one
   transaction with the event's de-duplication claim (a retried event finds its claim
   and changes nothing). The save is a compare-and-set on the state's version, so a
   second worker or replica that raced us reloads and applies on top.
3. Set the meeting's timer from the state just saved, still under the lock (planned
   after the nudges were sent, a slow DM could re-plan from a state that later events
   had already replaced, and cancel a due nudge); then send the nudges (after the save:
   at most once).

Timers: one asyncio task per meeting sleeps until :func:`commands.live.next_check` —
the end of the quiet period, a waiting-room nudge held back by the rate limit, the
grace after the host left — then runs ``decide`` on the state as stored. A new event
re-plans it (the sleeping task is cancelled; one already working is left to finish).
State lives in the database, so after a restart :meth:`start` re-plans the timers of
meetings still running, and a nudge that fell due while the bot was down is sent at
once. What a restart can lose is a nudge decided (and saved) but not yet sent.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot import notify, tasks
from bot.pool import run_blocking
from bot.services import Services
from bot.zoom_webhooks.events import ZoomEvent
from commands import live
from commands.records import DUPLICATE, SAVED

log = logging.getLogger("securemeet.zoom.live")

CAS_TRIES = 8  # reload-and-apply rounds when another writer saved the same meeting
RESUME_WINDOW = timedelta(hours=24)  # meetings still open this recently get timers back
TIMER_SLACK = 0.02  # seconds after the due time, so the check finds it due
SHUTDOWN_GRACE = 10.0

Step = tuple[live.LiveState, tuple[live.Nudge, ...], live.Watch]


class LiveRunner:
    def __init__(self, services: Services, *, settings: live.LiveSettings,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.store = services.store
        self.settings = settings
        self.clock = clock or services.ctx.now
        self.tasks: set[asyncio.Task[Any]] = set()
        self.timers: dict[str, asyncio.Task[Any]] = {}  # sleeping timers only
        self.locks: dict[str, asyncio.Lock] = {}
        self.stopping = False

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.stopping = False
        states = await run_blocking(self.store.live_open, since=self.clock() - RESUME_WINDOW)
        for state in states:
            self._plan(state)
        if states:
            log.info("live meetings: timers re-planned for %d meetings", len(states))

    async def stop(self, timeout: float = SHUTDOWN_GRACE) -> None:
        self.stopping = True
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        await tasks.drain(self.tasks, timeout=timeout, what="Zoom events")

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until no event is being processed (tests; timers may still be set)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while any(not t.done() for t in self.tasks):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("live events still in progress")
            await asyncio.sleep(0.01)

    # events ------------------------------------------------------------------------------
    def submit(self, event: ZoomEvent) -> None:
        """Process ``event`` in the background (the webhook is answered already)."""
        self._spawn(self.handle(event))

    async def handle(self, event: ZoomEvent) -> None:
        watch = await run_blocking(self.store.live_watch, event.meeting_id)
        if watch is None:
            log.debug("zoom %s for a meeting SecureMeet does not watch: ignored", event.name)
            return
        async with self._lock(event.uuid):
            step = await run_blocking(self._apply, event, watch)
            if step is not None:  # planned under the lock, from the state just saved
                self._plan(step[0])
        if step is None:
            log.info("zoom %s delivered again: already handled", event.name)
            return
        await self._deliver(step)

    def _apply(self, zoom: ZoomEvent, watch: live.Watch) -> Step | None:
        """Blocking: one event, applied once (None: a duplicate)."""
        for _ in range(CAS_TRIES):
            before, version = self.store.live_state(zoom.uuid)
            event = zoom.event
            if event.kind == live.ENDED and not (before and before.ended):
                event = replace(event, by_securemeet=self._ended_by_securemeet(
                    zoom.meeting_id, before, event.at))
            after = live.observe(before, event, meeting_id=zoom.meeting_id, uuid=zoom.uuid,
                                 topic=watch.topic or zoom.topic, settings=self.settings)
            now = self.clock()
            after, nudges = live.decide(after, now, self.settings)
            lines, events = live.records(before, after, nudges, now=now, event=event,
                                         platform=watch.platform)
            result = self.store.live_save(after, version=version, claim=zoom.key, at=now,
                                          timeline=lines, events=events)
            if result == DUPLICATE:
                return None
            if result == SAVED:
                return after, nudges, watch
            log.debug("meeting %s: saved meanwhile by another writer; applying again",
                      zoom.meeting_id)
        raise RuntimeError(f"meeting {zoom.meeting_id}: state kept changing, event dropped")

    def _ended_by_securemeet(self, meeting_id: int, state: live.LiveState | None,
                             at: datetime) -> bool:
        """Did SecureMeet's end command or button end this instance?"""
        since = (state.started_at or state.first_seen_at) if state else at - timedelta(hours=24)
        return any(e.meeting_id == meeting_id and e.outcome == "ended"
                   for e in self.store.events(since=since - timedelta(minutes=1),
                                              kinds=("end",)))

    # timers ------------------------------------------------------------------------------
    def _plan(self, state: live.LiveState) -> None:
        old = self.timers.pop(state.uuid, None)
        if old is not None:
            old.cancel()
        if self.stopping:
            return
        now = self.clock()
        when = live.next_check(state, now, self.settings)
        if when is None:
            if state.ended:
                lock = self.locks.get(state.uuid)
                if lock is not None and not lock.locked():
                    del self.locks[state.uuid]
            return
        delay = max(0.0, (when - now).total_seconds()) + TIMER_SLACK
        self.timers[state.uuid] = asyncio.get_running_loop().create_task(
            self._timer(state.uuid, delay))

    async def _timer(self, uuid: str, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.timers.get(uuid) is asyncio.current_task():
            del self.timers[uuid]  # working now: a new event must not cancel it
        self._spawn(self.check(uuid))

    async def check(self, uuid: str) -> None:
        async with self._lock(uuid):
            step = await run_blocking(self._decide_now, uuid)
            if step is not None:
                self._plan(step[0])
        if step is None:
            return
        await self._deliver(step)

    def _decide_now(self, uuid: str) -> Step | None:
        for _ in range(CAS_TRIES):
            before, version = self.store.live_state(uuid)
            if before is None:
                return None
            watch = self.store.live_watch(before.meeting_id)
            if watch is None:
                return None
            now = self.clock()
            after, nudges = live.decide(before, now, self.settings)
            if not nudges:
                return after, (), watch
            lines, events = live.records(before, after, nudges, now=now)
            result = self.store.live_save(after, version=version, claim=None, at=now,
                                          timeline=lines, events=events)
            if result == SAVED:
                return after, nudges, watch
        raise RuntimeError(f"meeting {uuid}: state kept changing, check dropped")

    # delivery ----------------------------------------------------------------------------
    async def _deliver(self, step: Step) -> None:
        state, nudges, watch = step
        for nudge in nudges:
            reply = live.nudge_reply(nudge, state, sandbox=self.services.ctx.sandbox)
            sent = await notify.send(self.services.messengers, user=watch.requester,
                                     platform=watch.platform, reply=reply)
            log.info("meeting %s: %s nudge %s", state.meeting_id, nudge.kind,
                     "sent" if sent else "not delivered")

    # plumbing ----------------------------------------------------------------------------
    def _lock(self, uuid: str) -> asyncio.Lock:
        return self.locks.setdefault(uuid, asyncio.Lock())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(_guarded(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


async def _guarded(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("live meeting work failed (ref %s)", ref)
