"""Who is asking in Teams: an activity's sender → the core's ``Requester``.

- Identity: ``from.aadObjectId`` (the Entra object id), so the user id is
  ``teams:{aadObjectId}``; the Teams id (``29:…``) changes per bot and is only an address.
- Email (the Zoom host identity): the Teams member API, ``GET {serviceUrl}/v3/
  conversations/{id}/members/{29:…}`` → ``email``, else ``userPrincipalName``.
  Cached, shared and refreshed by :mod:`bot.profiles`.
- Time zone: the ``clientInfo`` entity Teams clients attach to messages (IANA name);
  without one, the cached zone, else ``SECUREMEET_DEFAULT_TZ``.
- Admin: ``SECUREMEET_ADMINS`` by Entra object id (or ``teams:…`` id) only: the email
  comes from the user's tenant, whose admin controls it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.profiles import ProfileUnavailable
from bot.services import Services
from commands.context import Requester
from commands.errors import UserError
from commands.records import Person

log = logging.getLogger("securemeet.teams")

NO_ID = ("SecureMeet can't tell who you are: Teams sent this message without your "
         "Microsoft Entra ID. Write to SecureMeet from your work account in Teams.")
NO_EMAIL = ("SecureMeet can't see an email address for your Teams account, and it needs "
            "one: your email is how it finds your Zoom user, who will host the meeting. "
            "Ask your Microsoft 365 admin to make sure your account has a mailbox or a "
            "sign-in address.")
LOOKUP_FAILED = ("SecureMeet couldn't look up your Teams profile just now ({error}). "
                 "Nothing was created; please try again in a minute.")


def user_key(aad_object_id: str) -> str:
    return f"teams:{aad_object_id}"


def client_timezone(activity: Any) -> str:
    """The IANA zone from the activity's ``clientInfo`` entity, or ``""``."""
    for entity in getattr(activity, "entities", None) or []:
        if _field(entity, "type") == "clientInfo":
            tz = str(_field(entity, "timezone") or "")
            if valid_tz(tz):
                return tz
    return ""


def _field(entity: Any, name: str) -> Any:
    return entity.get(name) if isinstance(entity, dict) else getattr(entity, name, None)


def valid_tz(tz: str) -> bool:
    if not tz:
        return False
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class TeamsPeople:
    """Resolve Teams users through the shared profile cache (:mod:`bot.profiles`)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def requester(self, activity: Any, api: Any) -> Requester:
        """The requester of ``activity``, or a ``UserError`` saying what is missing.
        ``api`` is the SDK's ``ApiClient`` for the activity's service URL."""
        aad = str(getattr(activity.from_, "aad_object_id", "") or "")
        if not aad:
            raise UserError(NO_ID)
        key = user_key(aad)
        person = await self.services.profiles.get(
            key, lambda cached: self.fetch(key, activity, api, cached))
        tz = client_timezone(activity)
        if tz and tz != person.tz:
            person = replace(person, tz=tz)
            await self.services.profiles.save(person)
        if not person.email:
            raise UserError(NO_EMAIL)
        # The member API's email is what the user's tenant admin says it is: an admin is
        # recognised by Entra object id only.
        return self.services.requester(user=person.user, platform="teams", email=person.email,
                                       tz=person.tz or None, name=person.name,
                                       admin_by_email=False)

    async def fetch(self, key: str, activity: Any, api: Any, cached: Person | None) -> Person:
        """The member API → a ``Person``; ``ProfileUnavailable`` when Teams said no."""
        try:
            member = await api.conversations.get_member_by_id(roster_of(activity),
                                                              activity.from_.id)
        except Exception as exc:  # the SDK raises httpx errors of several kinds
            raise ProfileUnavailable(LOOKUP_FAILED.format(error=_describe(exc))) from exc
        email = str(getattr(member, "email", "") or "").strip().lower()
        if not email:
            email = str(getattr(member, "user_principal_name", "") or "").strip().lower()
        tz = client_timezone(activity) or (cached.tz if cached else "") \
            or self.services.config.default_tz
        name = str(getattr(member, "name", "") or getattr(activity.from_, "name", "") or "")
        return Person(user=key, email=email if "@" in email else "", tz=tz, is_admin=False,
                      name=name, fetched_at=datetime.now(UTC))


def roster_of(activity: Any) -> str:
    """Where to look the sender up: in a channel, the team's roster (as BotBuilder's
    ``TeamsInfo.get_member`` does); elsewhere the conversation's, without a thread id."""
    team = getattr(getattr(activity, "channel_data", None), "team", None)
    team_id = str(getattr(team, "id", "") or "")
    if team_id and conversation_type(activity) == "channel":
        return team_id
    return str(activity.conversation.id).split(";")[0]


def conversation_type(activity: Any) -> str:
    return str(getattr(activity.conversation, "conversation_type", "") or "")


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return f"Teams answered HTTP {status}" if status else type(exc).__name__
