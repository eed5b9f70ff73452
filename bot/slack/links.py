"""The leak guard on Slack: ``link_shared`` for Zoom links → a safe preview, a warning.

Slack sends ``link_shared`` (scope ``links:read``) when a message, or the composer,
holds a link on one of the manifest's ``unfurl_domains`` (Zoom's; Slack matches their
subdomains). The event is signed like every Slack request (Bolt checks it first),
claimed by its ``event_id`` so a retry or another replica does nothing twice, and
acknowledged at once; the work follows in the background:

1. keep the links that are join links (:mod:`commands.links`: Zoom's domains, or a
   host Zoom's API gave this account's meetings);
2. find out where they were posted (``conversations.info``: a direct message, a group
   DM, a private, public or Slack Connect channel) and who posted them;
3. :func:`commands.leaks.inspect_link` on the blocking pool, per link: nothing for a
   meeting this account cannot read;
4. ``chat.unfurl`` the previews (public copies: no passcode can be in them), the
   warning to the poster with ``chat.postEphemeral`` (in a direct message when the bot
   is not in that channel, or Slack refuses), and the host's notice through the front
   door, like any other notice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.frontdoor import FrontDoor
from bot.pool import run_blocking
from bot.services import Services
from bot.slack import blocks
from bot.slack.messenger import SlackMessenger, is_direct_message, user_key
from bot.slack.people import SlackPeople
from commands import leaks, links
from commands.context import Requester
from commands.errors import UserError
from commands.leaks import Place, Report

log = logging.getLogger("securemeet.slack.links")

COMPOSER = "composer"


class LinkGuard:
    """``ours(team_id, enterprise_id)``: is the event from the workspace SecureMeet is
    installed in (``SlackFront.ours``)."""

    def __init__(self, services: Services, messenger: SlackMessenger, people: SlackPeople,
                 door: FrontDoor, ours: Callable[[str, str], Awaitable[bool]]) -> None:
        self.services = services
        self.messenger = messenger
        self.people = people
        self.door = door
        self.ours = ours

    async def on_link_shared(self, ack: Any, body: dict[str, Any],
                             event: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        event_id = str(body.get("event_id") or "")
        door = self.door
        if not event_id or not await self.ours(team, str(body.get("enterprise_id") or "")):
            await ack()
            return
        if not await door.claim(f"slack:event:{event_id}"):
            await ack()
            return
        await ack()
        door.spawn(self.guard(team, dict(event)))

    async def guard(self, team: str, event: dict[str, Any]) -> None:
        """Everything after the acknowledgement; never raises."""
        try:
            await self._guard(team, event)
        except Exception:
            log.exception("the leak guard failed on a link_shared event")

    async def _guard(self, team: str, event: dict[str, Any]) -> None:
        services = self.services
        hosts = await run_blocking(services.store.join_hosts)
        found = list({link.url: link for link in (
            links.parse(str(item.get("url") or ""), hosts)
            for item in event.get("links") or [] if isinstance(item, dict)) if link}.values())
        if not found:
            return
        channel = str(event.get("channel") or "")
        user_id = str(event.get("user") or "")
        place = await self.place(channel, posted=event.get("source") != COMPOSER)
        poster = await self.poster(team, user_id) if user_id else None
        reports: list[Report] = []
        for link in found:
            report = await run_blocking(leaks.inspect_link, services.ctx, link, poster, place,
                                        platform="slack")
            if report is not None:
                reports.append(report)
        if not reports:
            return
        await self.unfurl(event, reports)
        for report in reports:
            if report.warning is not None and user_id:
                await self.warn(channel, user_id, report, in_channel=bool(
                    event.get("is_bot_user_member", True)))
            if report.notices:
                await self.door.send_notices(report.notices, prefer="slack")

    async def place(self, channel: str, *, posted: bool) -> Place:
        if not posted or channel == "COMPOSER":
            return Place("channel", posted=False)
        if is_direct_message(channel):
            return Place("dm", posted=posted)
        info = await self.messenger.channel_info(channel)
        if info.get("is_im"):
            return Place("dm", posted=posted)
        if info.get("is_mpim"):
            return Place("group_dm", posted=posted)
        name = f"#{info['name']}" if info.get("name") else ""
        if info.get("is_ext_shared") or info.get("is_shared"):
            return Place("shared", name, posted)
        if info.get("is_private"):
            return Place("private", name, posted)
        return Place("public" if info else "channel", name, posted)

    async def poster(self, team: str, user_id: str) -> Requester | None:
        try:
            return await self.people.requester(team, user_id)
        except UserError:
            return None  # no email, a bot: no Rotate button for them, the host is told

    async def unfurl(self, event: dict[str, Any], reports: list[Report]) -> None:
        unfurls = {r.link.url: {"blocks": blocks.render(r.preview, public=True)["blocks"]}
                   for r in reports}
        try:
            await self.messenger.unfurl(
                channel=str(event.get("channel") or ""), ts=str(event.get("message_ts") or ""),
                unfurl_id=str(event.get("unfurl_id") or ""),
                source=str(event.get("source") or ""), unfurls=unfurls)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("chat.unfurl failed (%s)", type(exc).__name__)

    async def warn(self, channel: str, user_id: str, report: Report, *,
                   in_channel: bool) -> None:
        """The poster alone: in the channel (ephemeral), else in a direct message."""
        assert report.warning is not None
        messenger = self.messenger
        if in_channel:
            try:
                await messenger.ephemeral(channel, user_id, report.warning)
                return
            except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
                log.info("chat.postEphemeral failed (%s): warning by DM instead",
                         type(exc).__name__)
        try:
            team = (await messenger.workspace()).team_id
            await messenger.notify(user_key(team, user_id), report.warning)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("could not warn the poster of a leaked link (%s)", type(exc).__name__)
