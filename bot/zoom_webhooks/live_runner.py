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

Timers are rows in the database (the store's ``set_timer``/``claim_due_timers``), not
tasks in one process: every save sets the meeting's timer to
:func:`commands.live.next_check` — the end of the quiet period, a waiting-room nudge
held back by the rate limit, the grace after the host left. Every replica polls for
due timers every ``SECUREMEET_TIMER_POLL_SECONDS`` (default 1); a due timer is leased
to the one replica that claimed it, which runs ``decide`` on the state as stored, sends
what is due and sets the next time. Events for one meeting may reach different
replicas (the compare-and-set save keeps them consistent); after a replica dies, its
timers fall due on another one, and a nudge that fell due while every replica was down
is sent as soon as one is back. What a crash can lose is a nudge decided (and saved) but
not yet sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot import notify, replica, tasks
from bot.pool import run_blocking
from bot.services import Services
from bot.zoom_webhooks.events import ZoomEvent
from commands import live
from commands.records import DUPLICATE, SAVED, Timer

log = logging.getLogger("securemeet.zoom.live")

CAS_TRIES = 8  # reload-and-apply rounds when another writer saved the same meeting
TIMER_LEASE = timedelta(seconds=60)  # a claimed timer is this replica's for this long
TIMERS_PER_POLL = 100
SHUTDOWN_GRACE = 10.0

Step = tuple[live.LiveState, tuple[live.Nudge, ...], live.Watch]


class LiveRunner:
    def __init__(self, services: Services, *, settings: live.LiveSettings,
                 clock: Callable[[], datetime] | None = None,
                 poll: float | None = None) -> None:
        self.services = services
        self.store = services.store
        self.settings = settings
        self.clock = clock or services.ctx.now
        self.poll = services.config.timer_poll_seconds if poll is None else poll
        self.replica = replica.ID
        self.polls = itertools.count(1)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.poller: asyncio.Task[None] | None = None
        self.locks: dict[str, asyncio.Lock] = {}

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self.poller is None:
            self.poller = asyncio.get_running_loop().create_task(self._poll_forever(),
                                                                 name="live-timers")

    async def stop(self, timeout: float = SHUTDOWN_GRACE) -> None:
        if self.poller is not None:
            self.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.poller
            self.poller = None
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
            observed = live.observe(before, event, meeting_id=zoom.meeting_id,
                                    uuid=zoom.uuid, topic=watch.topic or zoom.topic,
                                    settings=self.settings)
            now = self.clock()
            # The timer first, from what is true now (before nudges are marked sent), so
            # a crash before the save loses no timer and a duplicate keeps the right one.
            self._set_timer(observed, now)
            after, nudges = live.decide(observed, now, self.settings)
            lines, events = live.records(before, after, nudges, now=now, event=event,
                                         platform=watch.platform)
            result = self.store.live_save(after, version=version, claim=zoom.key, at=now,
                                          timeline=lines, events=events)
            if result == DUPLICATE:
                return None
            if result == SAVED:
                if nudges:  # what was just decided no longer needs its time
                    self._set_timer(after, now)
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
    def _set_timer(self, state: live.LiveState, now: datetime) -> None:
        """Blocking: the meeting's timer, at its next check (or none)."""
        when = live.next_check(state, now, self.settings)
        if when is None:
            self.store.clear_timer(timer_key(state.uuid))
        else:
            self.store.set_timer(timer_key(state.uuid), when, data={"uuid": state.uuid})

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception:  # the database may be down for a moment: poll again later
                log.warning("could not poll the live-duty timers", exc_info=True)
            await asyncio.sleep(self.poll)

    async def poll_once(self) -> int:
        """Claim the timers that are due and fire each in the background; how many."""
        owner = f"{self.replica}:{next(self.polls)}"  # a poll's own name: see done_timer
        due = await run_blocking(self.store.claim_due_timers, now=self.clock(), owner=owner,
                                 lease=TIMER_LEASE, limit=TIMERS_PER_POLL)
        for timer in due:
            self._spawn(self.fire(timer, owner))
        return len(due)

    async def fire(self, timer: Timer, owner: str) -> None:
        uuid = str(timer.data.get("uuid") or timer.key.removeprefix(TIMER_PREFIX))
        async with self._lock(uuid):
            step = await run_blocking(self._decide_now, uuid, timer.key, owner)
        if step is None:
            return
        if step[0].ended:
            lock = self.locks.get(uuid)
            if lock is not None and not lock.locked():
                del self.locks[uuid]
        await self._deliver(step)

    def _decide_now(self, uuid: str, key: str, owner: str) -> Step | None:
        """Blocking: what is due now for one meeting; the timer set for the next check,
        or done with."""
        for _ in range(CAS_TRIES):
            before, version = self.store.live_state(uuid)
            watch = self.store.live_watch(before.meeting_id) if before else None
            if before is None or watch is None:
                self.store.done_timer(key, owner)
                return None
            now = self.clock()
            after, nudges = live.decide(before, now, self.settings)
            if live.next_check(after, now, self.settings) is None:
                self.store.done_timer(key, owner)
            else:
                self._set_timer(after, now)
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


TIMER_PREFIX = "live:"


def timer_key(uuid: str) -> str:
    return TIMER_PREFIX + uuid


async def _guarded(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("live meeting work failed (ref %s)", ref)
