"""Who is asking: chat profiles cached in the store, shared by every platform.

A platform's front end knows how to *fetch* a user's profile (Slack's ``users.info``,
the Teams member API); this cache decides when to: a profile younger than :data:`TTL`
is used as stored, so a busy user costs one platform call per 12 hours, and concurrent
look-ups of one user share one call (their rate limits are per app, and the answers
would be the same). A profile without an email is never cached: the admin may fix the
permission, so the next request asks again.

When the platform cannot be reached, a stale profile is still used, with a warning,
but only up to :data:`MAX_STALE` old: a profile is where a user's email (their Zoom
host identity) and admin flag come from, and a user removed from the workspace must
not keep acting on week-old facts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.pool import run_blocking
from bot.singleflight import single_flight
from commands.errors import UserError
from commands.ports import PeopleStore
from commands.records import Person

log = logging.getLogger("securemeet.profiles")

TTL = timedelta(hours=12)
MAX_STALE = timedelta(hours=24)


class ProfileUnavailable(Exception):
    """The platform could not be asked (down, throttled, refused); ``message`` says so
    to the user, who is told to try again if no usable cached profile exists."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Fetch = Callable[[Person | None], Awaitable[Person]]  # given the cached profile, if any


class Profiles:
    def __init__(self, store: PeopleStore, *, ttl: timedelta = TTL,
                 max_stale: timedelta = MAX_STALE,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.ttl = ttl
        self.max_stale = max_stale
        self.clock = clock
        self._inflight: dict[str, asyncio.Future[Person]] = {}

    async def get(self, key: str, fetch: Fetch) -> Person:
        """The profile of ``key`` (``slack:T1:U1``, ``teams:<aad>``): cached, or fetched.
        Raises ``UserError`` when it can be neither (the message says what to do)."""
        now = self.clock()
        cached = await run_blocking(self.store.get_person, key)
        if cached is not None and self._age(cached, now) < self.ttl and cached.email:
            return cached
        return await single_flight(self._inflight, key,
                                   lambda: self._fetch(key, fetch, cached, now))

    async def save(self, person: Person) -> None:
        """Store a profile the platform told us more about (a Teams client's time zone)."""
        await run_blocking(self.store.save_person, person)

    async def _fetch(self, key: str, fetch: Fetch, cached: Person | None,
                     now: datetime) -> Person:
        try:
            person = await fetch(cached)
        except ProfileUnavailable as exc:
            if cached is not None and cached.email and self._age(cached, now) < self.max_stale:
                log.warning("profile lookup failed; using the cached profile of %s", key)
                return cached
            raise UserError(exc.message) from exc
        if person.email:
            await run_blocking(self.store.save_person, person)
        return person

    @staticmethod
    def _age(person: Person, now: datetime) -> timedelta:
        return now - person.fetched_at if person.fetched_at else timedelta.max
