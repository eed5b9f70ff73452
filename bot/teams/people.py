"""Who is asking in Teams: an activity's sender → the core's ``Requester``.

- Identity: ``from.aadObjectId`` (the Entra object id), so the user id is
  ``teams:{aadObjectId}``; the Teams id (``29:…``) changes per bot and is only an address.
- Email (the Zoom host identity): the Teams member API, ``GET {serviceUrl}/v3/
  conversations/{id}/members/{29:…}`` → ``email``, else ``userPrincipalName``.
  Cached, shared and refreshed by :mod:`bot.profiles`.
- Time zone: the ``clientInfo`` entity Teams clients attach to messages (IANA name);
  without one, the activity's ``localTimezone`` (IANA, Bot Framework's field), else the
  single zone of the user's country (``clientInfo.country``, or the region of the
  activity's ``locale``, ``en-IN`` → India) when that country has only one, else the
  cached zone, else ``SECUREMEET_DEFAULT_TZ``.
- Invitees: an @mention (the front end writes it ``<@29:…|Name>``) is looked up with the
  member API; an invitation reaches them only in their 1:1 chat with SecureMeet, so
  without one (they never installed the app or wrote to it) they are named unreachable.
- Admin: ``SECUREMEET_ADMINS`` by Entra object id (or ``teams:…`` id) only: the email
  comes from the user's tenant, whose admin controls it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.pool import run_blocking
from bot.profiles import ProfileUnavailable
from bot.services import Services
from commands.context import Requester
from commands.errors import UserError
from commands.invitees import Invitee, Token
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


NO_PERSONAL_CHAT = "no 1:1 chat with SecureMeet: they can add the app in Teams"


def client_timezone(activity: Any) -> str:
    """The user's IANA zone as the client tells it: the ``clientInfo`` entity's, else
    the activity's ``localTimezone``, else the one zone of their country; or ``""``."""
    country = ""
    for entity in getattr(activity, "entities", None) or []:
        if _field(entity, "type") == "clientInfo":
            tz = str(_field(entity, "timezone") or "")
            if valid_tz(tz):
                return tz
            country = str(_field(entity, "country") or "")
    extra = getattr(activity, "model_extra", None) or {}
    local = str(getattr(activity, "local_timezone", None) or extra.get("localTimezone") or "")
    if valid_tz(local):
        return local
    locale = str(getattr(activity, "locale", None) or extra.get("locale") or "")
    region = locale.replace("_", "-").split("-")[-1] if "-" in locale.replace("_", "-") else ""
    return country_zone(country) or country_zone(region)


def country_zone(country: str) -> str:
    """The IANA zone of a country that has exactly one (``IN`` → Asia/Kolkata), from the
    tz database's ``zone1970.tab`` shipped with ``tzdata``; ``""`` for several or none."""
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        return ""
    zones = _country_zones().get(country, [])
    return zones[0] if len(zones) == 1 else ""


_ZONES: dict[str, list[str]] = {}


def _country_zones() -> dict[str, list[str]]:
    if not _ZONES:
        from importlib import resources

        try:
            text = (resources.files("tzdata") / "zoneinfo" / "zone1970.tab").read_text()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            return {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _coords, zone = line.split("\t")[:3]
            for code in codes.split(","):
                _ZONES.setdefault(code, []).append(zone)
    return _ZONES


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


    async def invitees(self, activity: Any, api: Any,
                       tokens: tuple[Token, ...]) -> tuple[Invitee, ...]:
        """Each @mention (a ``29:…`` member id) or email looked up: reachable when the
        person has a 1:1 chat with SecureMeet (an invitation goes nowhere else)."""
        found = []
        for token in tokens:
            try:
                invitee = await self._invitee(activity, api, token)
            except Exception as exc:  # the SDK raises httpx errors of several kinds
                log.info("looking a Teams invitee up failed: %s", _describe(exc))
                continue
            if invitee is not None:
                found.append(invitee)
        return tuple(found)

    async def _invitee(self, activity: Any, api: Any, token: Token) -> Invitee | None:
        store = self.services.store
        if token.kind == "email":
            users = await run_blocking(store.teams_users_with_email, token.value)
            for user in users:
                invitee = await self._reach(token, user, token.label, token.value)
                if invitee.reachable:
                    return invitee
            return Invitee(token, token.value, email=token.value, reason=NO_PERSONAL_CHAT)
        if token.kind != "mention":
            return None
        name = token.label or token.value
        if token.value.startswith("28:"):
            return Invitee(token, name, reason="a bot")
        try:
            member = await api.conversations.get_member_by_id(roster_of(activity), token.value)
        except Exception as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status == 404:
                return Invitee(token, name, reason="not a member here")
            raise
        aad = str(getattr(member, "aad_object_id", "") or "")
        email = str(getattr(member, "email", "") or getattr(member, "user_principal_name", "")
                    or "").strip().lower()
        name = str(getattr(member, "name", "") or name)
        if not aad:
            return Invitee(token, name, email=email, reason="unknown user")
        return await self._reach(token, user_key(aad), name, email if "@" in email else "")

    async def _reach(self, token: Token, user: str, name: str, email: str) -> Invitee:
        refs = await run_blocking(self.services.store.teams_conversations, user)
        person = await run_blocking(self.services.store.get_person, user)
        tz = (person.tz if person and person.tz else "") or self.services.config.default_tz
        name = (person.name if person and person.name else "") or name
        if not any(r.kind == "personal" for r in refs):
            return Invitee(token, name, email=email, reason=NO_PERSONAL_CHAT)
        return Invitee(token, name, user=user, email=email, tz=tz)


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
