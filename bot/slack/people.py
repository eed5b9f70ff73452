"""Who is asking: a Slack user id → the core's ``Requester`` (email, time zone, admin).

``users.info`` gives the time zone, the email (only with the ``users:read.email``
scope) and the workspace admin/owner flags. The answer is cached in the store's
``people`` table for :data:`TTL`, so a busy user costs one Slack call per 12 hours;
concurrent look-ups of the same user share one call. If Slack cannot be reached, a
stale cached answer is still used (with a warning) rather than failing the command.

The user id is ``slack:{team_id}:{user_id}``. Admin = ``SECUREMEET_ADMINS`` (Slack
user id, qualified id or email) or a Slack workspace admin/owner.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.pool import run_blocking
from bot.singleflight import single_flight
from commands.context import Requester
from commands.errors import UserError
from commands.records import Person

log = logging.getLogger("securemeet.slack")

TTL = timedelta(hours=12)

NO_EMAIL = (
    "SecureMeet can't see an email address on your Slack profile, and it needs one: your "
    "email is how it finds your Zoom user, who will host the meeting. Ask your Slack admin "
    "to make sure the SecureMeet app has the users:read.email permission (reinstall it "
    "from the manifest) and that your profile has an email address."
)
NOT_A_PERSON = "SecureMeet schedules meetings for people, not for bots or deactivated accounts."
LOOKUP_FAILED = ("SecureMeet couldn't look up your Slack profile just now (Slack said: {error}). "
                 "Nothing was created; please try again in a minute.")


def user_key(team_id: str, user_id: str) -> str:
    return f"slack:{team_id}:{user_id}"


class People:
    """Resolve and cache Slack users. Needs a running event loop (async methods)."""

    def __init__(self, services: Any, client: AsyncWebClient, *, ttl: timedelta = TTL) -> None:
        self.services = services
        self.client = client
        self.ttl = ttl
        self._inflight: dict[str, asyncio.Future[Person]] = {}

    async def requester(self, team_id: str, user_id: str) -> Requester:
        """The requester, or a ``UserError`` that explains what is missing."""
        person = await self.person(team_id, user_id)
        if not person.email:
            raise UserError(NO_EMAIL)
        return self.services.requester(user=person.user, platform="slack", email=person.email,
                                       tz=person.tz or None, name=person.name,
                                       platform_admin=person.is_admin)

    async def person(self, team_id: str, user_id: str) -> Person:
        key = user_key(team_id, user_id)
        now = datetime.now(UTC)
        cached = await run_blocking(self.services.store.get_person, key)
        if cached and cached.fetched_at and now - cached.fetched_at < self.ttl:
            return cached
        return await single_flight(self._inflight, key,
                                   lambda: self._fetch(key, user_id, cached, now))

    async def _fetch(self, key: str, user_id: str, cached: Person | None, now: datetime) -> Person:
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error") if exc.response is not None else "unknown")
            if cached is not None:
                log.warning("users.info failed (%s); using the cached profile of %s", error, key)
                return cached
            raise UserError(LOOKUP_FAILED.format(error=error)) from exc
        user = response.get("user") or {}
        if user.get("is_bot") or user.get("deleted"):
            raise UserError(NOT_A_PERSON)
        person = person_from(key, user, default_tz=self.services.config.default_tz, now=now)
        if person.email:  # without one, ask again next time (the admin may fix the scope)
            await run_blocking(self.services.store.save_person, person)
        return person


def person_from(key: str, user: dict[str, Any], *, default_tz: str, now: datetime) -> Person:
    """A ``Person`` from a ``users.info`` user object."""
    profile = user.get("profile") or {}
    tz = str(user.get("tz") or "")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        tz = default_tz
    is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    name = str(profile.get("real_name") or user.get("real_name") or user.get("name") or "")
    return Person(user=key, email=str(profile.get("email") or "").strip().lower(), tz=tz,
                  is_admin=is_admin, name=name, fetched_at=now)
