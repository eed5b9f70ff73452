"""Who is asking: a Slack user id → the core's ``Requester`` (email, time zone, admin).

``users.info`` gives the time zone, the email (only with the ``users:read.email``
scope) and the workspace admin/owner flags. The answer is cached, shared and refreshed
by :mod:`bot.profiles` (once per 12 hours, one call for a burst).

The user id is ``slack:{team_id}:{user_id}``. Admin = ``SECUREMEET_ADMINS`` (Slack
user id, qualified id or email) or a Slack workspace admin/owner.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.profiles import ProfileUnavailable
from bot.services import Services
from commands.context import Requester
from commands.errors import UserError
from commands.records import Person

log = logging.getLogger("securemeet.slack")

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


class SlackPeople:
    """Resolve Slack users through the shared profile cache (:mod:`bot.profiles`)."""

    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        self.services = services
        self.client = client

    async def requester(self, team_id: str, user_id: str) -> Requester:
        """The requester, or a ``UserError`` that explains what is missing."""
        key = user_key(team_id, user_id)
        person = await self.services.profiles.get(key, lambda _: self.fetch(key, user_id))
        if not person.email:
            raise UserError(NO_EMAIL)
        return self.services.requester(user=person.user, platform="slack", email=person.email,
                                       tz=person.tz or None, name=person.name,
                                       platform_admin=person.is_admin)

    async def fetch(self, key: str, user_id: str) -> Person:
        """``users.info`` → a ``Person``; ``ProfileUnavailable`` when Slack said no."""
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error") if exc.response is not None else "unknown")
            raise ProfileUnavailable(LOOKUP_FAILED.format(error=error)) from exc
        user = response.get("user") or {}
        if user.get("is_bot") or user.get("deleted"):
            raise UserError(NOT_A_PERSON)
        return person_from(key, user, default_tz=self.services.config.default_tz,
                           now=datetime.now(UTC))


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
