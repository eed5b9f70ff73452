"""Who is asking: a Slack user id → the core's ``Requester`` (email, time zone, admin).

``users.info`` gives the time zone, the email (only with the ``users:read.email``
scope) and the workspace admin/owner flags. The answer is cached, shared and refreshed
by :mod:`bot.profiles` (once per 12 hours, one call for a burst).

The user id is ``slack:{team_id}:{user_id}``. Admin = ``SECUREMEET_ADMINS`` (Slack
user id, qualified id or email); a Slack workspace admin/owner only when trusted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError

from bot.profiles import ProfileUnavailable
from bot.services import Services
from bot.slack.messenger import SlackMessenger, user_key
from commands.context import Requester
from commands.errors import UserError
from commands.invitees import Invitee, Token
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


class SlackPeople:
    """Resolve Slack users through the shared profile cache (:mod:`bot.profiles`)."""

    def __init__(self, services: Services, messenger: SlackMessenger) -> None:
        self.services = services
        self.messenger = messenger
        self.client = messenger.client

    async def requester(self, team_id: str, user_id: str) -> Requester:
        """The requester, or a ``UserError`` that explains what is missing.

        Admins are the people in ``SECUREMEET_ADMINS``. A Slack workspace admin or owner
        is one too only with ``SECUREMEET_TRUST_SLACK_ADMINS=1`` (they would then manage
        every meeting of the Zoom account), and never a guest or a Slack Connect user
        from another organisation (:func:`person_from`)."""
        key = user_key(team_id, user_id)
        person = await self.services.profiles.get(key, lambda _: self.fetch(key, user_id))
        if not person.email:
            raise UserError(NO_EMAIL)
        trusted = self.services.config.trust_slack_admins and person.is_admin
        return self.services.requester(user=person.user, platform="slack", email=person.email,
                                       tz=person.tz or None, name=person.name,
                                       platform_admin=trusted)

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
        workspace = await self.messenger.workspace()  # its own members only are admins
        return person_from(key, user, default_tz=self.services.config.default_tz,
                           now=datetime.now(UTC), home_team=workspace.team_id)


    async def invitees(self, team_id: str, tokens: tuple[Token, ...]) -> tuple[Invitee, ...]:
        """Each mention or email looked up: a member of this workspace can be sent an
        invitation (a DM); a bot, a deactivated account, someone from another
        organisation (Slack Connect) or an unknown user cannot, and the reason says so.
        A token Slack could not be asked about is left out (the core names it)."""
        try:
            workspace = await self.messenger.workspace()
        except (SlackApiError, OSError, TimeoutError):
            return ()
        found = []
        for token in tokens:
            invitee = await self._invitee(token, workspace.team_id or team_id)
            if invitee is not None:
                found.append(invitee)
        return tuple(found)

    async def _invitee(self, token: Token, home_team: str) -> Invitee | None:
        try:
            if token.kind == "mention":
                response = await self.client.users_info(user=token.value)
            elif token.kind == "email":
                response = await self.client.users_lookupByEmail(email=token.value)
            else:
                return None
        except SlackApiError as exc:
            error = str(exc.response.get("error") if exc.response is not None else "")
            if error in ("user_not_found", "users_not_found"):
                if token.kind == "email":  # Zoom may still know them: the email stays
                    return Invitee(token, token.value, email=token.value,
                                   reason="not in this Slack workspace")
                return Invitee(token, token.shown, reason="unknown user")
            log.info("looking an invitee up failed (%s)", error or "error")
            return None
        return invitee_from(token, dict(response.get("user") or {}), home_team=home_team,
                            default_tz=self.services.config.default_tz)


def invitee_from(token: Token, user: dict[str, Any], *, home_team: str,
                 default_tz: str) -> Invitee:
    """An ``Invitee`` from a ``users.info`` user object."""
    person = person_from("", user, default_tz=default_tz, now=datetime.now(UTC),
                         home_team=home_team)
    name = person.name or token.shown
    if user.get("is_bot") or user.get("is_app_user") or user.get("id") == "USLACKBOT":
        return Invitee(token, name, reason="a bot")
    if user.get("deleted"):
        return Invitee(token, name, reason="deactivated")
    if is_outsider(user, home_team):
        return Invitee(token, name, email=person.email,
                       reason="outside this workspace (Slack Connect)")
    return Invitee(token, name, user=user_key(str(user.get("team_id") or home_team),
                                              str(user.get("id") or "")),
                   email=person.email, tz=person.tz)


def is_outsider(user: dict[str, Any], home_team: str) -> bool:
    """A Slack Connect user of another organisation (``is_stranger``, another team)."""
    return bool(user.get("is_stranger") or (home_team and user.get("team_id") != home_team))


def person_from(key: str, user: dict[str, Any], *, default_tz: str, now: datetime,
                home_team: str = "") -> Person:
    """A ``Person`` from a ``users.info`` user object. ``is_admin`` is Slack's admin or
    owner flag of a full member of ``home_team``: a guest (restricted) or a Slack Connect
    user of another organisation (``is_stranger``, another ``team_id``) is never one."""
    profile = user.get("profile") or {}
    tz = str(user.get("tz") or "")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        tz = default_tz
    guest = user.get("is_restricted") or user.get("is_ultra_restricted")
    member = not (guest or is_outsider(user, home_team))
    is_admin = member and bool(user.get("is_admin") or user.get("is_owner")
                               or user.get("is_primary_owner"))
    name = str(profile.get("real_name") or user.get("real_name") or user.get("name") or "")
    return Person(user=key, email=str(profile.get("email") or "").strip().lower(), tz=tz,
                  is_admin=is_admin, name=name, fetched_at=now)
