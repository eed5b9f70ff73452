"""Slack's outbound half: every message SecureMeet sends into Slack goes through here.

- :meth:`SlackMessenger.respond` answers a request through its ``response_url``,
  ephemerally (only the requester sees it). A ``response_url`` comes inside the request
  body, so it is only ever posted to on Slack's own hooks hosts (``hooks.slack.com``,
  ``hooks.slack-gov.com``), or on the host and port of ``SLACK_API_URL`` when that is
  set (local testing): a signed request cannot make the bot post a reply (a passcode)
  anywhere else.
- :meth:`SlackMessenger.direct` posts into the user's direct message with the bot, for
  a request without a ``response_url`` (a button in the Home tab): only the reply's
  public copy, with a note where secrets were left out.
- :meth:`SlackMessenger.notify` is the :class:`bot.services.Messenger` side (live
  duties, notices, the sweep): a DM with the reply's public copy.
- :meth:`SlackMessenger.send_private` posts a whole reply, secrets included (an
  invitee's passcode), into one person's direct message with the bot: the channel
  ``conversations.open`` gives for that one user, which must be a direct message
  (``D…``), or nothing is posted.
- :meth:`SlackMessenger.ephemeral` shows a message to one person in a channel
  (``chat.postEphemeral``: the leak guard's warning); :meth:`SlackMessenger.unfurl`
  attaches a link preview (``chat.unfurl``).
- Attachments (an ``.ics``, the stats CSV and chart) are uploaded into the user's DM.

One ``AsyncWebClient`` per process, with one pooled aiohttp session opened in the
server's event loop (:meth:`start`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Config
from bot.slack import blocks
from bot.slack.client import TIMEOUT, http_log, retry_handlers, web_client
from commands.reply import Reply

log = logging.getLogger("securemeet.slack")

HOOK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
DEFAULT_API_URL = "https://slack.com/api/"
NO_SECRETS_HERE = ("Secrets are not sent here: run the command in a channel for the "
                   "private reply.")


def user_key(team_id: str, user_id: str) -> str:
    """The core's id of a Slack user."""
    return f"slack:{team_id}:{user_id}"


def ephemeral_message(reply: Reply, *, replace_original: bool = False) -> dict[str, Any]:
    """The response_url body: only the requester sees it."""
    message = blocks.render(reply)
    message["response_type"] = "ephemeral"
    message["replace_original"] = replace_original
    return message


def is_direct_message(channel: str) -> bool:
    """A one-to-one direct message's id starts with ``D`` (channels ``C``, group
    conversations ``G``)."""
    return channel.startswith("D") and len(channel) > 1


def channel_message(reply: Reply) -> dict[str, Any]:
    """A body for anywhere others could see it: never a secret fact."""
    return blocks.render(reply, public=True)


@dataclass(frozen=True)
class Workspace:
    team_id: str
    enterprise_id: str = ""

    def covers(self, team_id: str, enterprise_id: str = "") -> bool:
        """A request from ``team_id`` (or this Enterprise Grid org) is for this install."""
        if self.enterprise_id and enterprise_id:
            return enterprise_id == self.enterprise_id
        return bool(team_id) and team_id == self.team_id


def hook_allowed(url: str, api_url: str) -> bool:
    """May a reply be posted to this ``response_url``? Slack's hooks hosts over HTTPS,
    or the host and port of a non-default ``SLACK_API_URL`` (a local fake)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname in HOOK_HOSTS and port in (None, 443):
        return True
    if api_url.rstrip("/") == DEFAULT_API_URL.rstrip("/"):
        return False
    api = urlsplit(api_url)
    return (parts.scheme, parts.hostname, port) == (api.scheme, api.hostname, api.port)


class SlackMessenger:
    platform = "slack"

    def __init__(self, config: Config) -> None:
        self.api_url = config.slack_api_url
        self.client = web_client(config.slack_bot_token, config.slack_api_url)
        self.session: aiohttp.ClientSession | None = None
        self._dms: dict[str, str] = {}  # user id → DM channel id
        self._workspace: Workspace | None = None

    async def start(self) -> None:
        """One pooled HTTP session for every Slack call (made in the server's loop), and
        which workspace this is, asked before the first request needs it."""
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=TIMEOUT))
            self.client.session = self.session
        try:
            await self.workspace()
        except (SlackClientError, OSError, TimeoutError) as exc:  # asked again per request
            log.warning("Slack auth.test failed at start-up (%s)", type(exc).__name__)

    async def workspace(self) -> Workspace:
        """The workspace (and Enterprise Grid org) SecureMeet is installed in, from
        ``auth.test``; asked once. Raises ``SlackClientError`` when Slack cannot say."""
        if self._workspace is None:
            found = await self.client.auth_test()
            self._workspace = Workspace(str(found.get("team_id") or ""),
                                        str(found.get("enterprise_id") or ""))
        return self._workspace

    async def close(self) -> None:
        if self.session is not None:
            self.client.session = None
            await self.session.close()
            self.session = None

    # -- the Messenger side ----------------------------------------------------------
    async def notify(self, user: str, reply: Reply) -> None:
        channel = await self.open_dm(user.rsplit(":", 1)[-1])
        await self.client.chat_postMessage(channel=channel, **channel_message(reply))

    async def send_private(self, user: str, reply: Reply) -> None:
        """The whole reply into ``user``'s direct message with the bot, or nothing."""
        channel = await self.open_dm(user.rsplit(":", 1)[-1])
        if not is_direct_message(channel):
            raise SlackClientError("conversations.open did not give a direct message: "
                                   "a private message was not sent")
        await self.client.chat_postMessage(channel=channel, **blocks.render(reply))

    async def ephemeral(self, channel: str, user_id: str, reply: Reply) -> None:
        """Show ``reply`` (its public copy: others could be shown it over a shoulder)
        to ``user_id`` alone, in ``channel``."""
        await self.client.chat_postEphemeral(channel=channel, user=user_id,
                                             **channel_message(reply))

    async def unfurl(self, *, channel: str, ts: str, unfurl_id: str, source: str,
                     unfurls: dict[str, Any]) -> None:
        """Attach previews (``{url: {"blocks": [...]}}``) to a posted message (channel and
        ts), or to a link in the composer (unfurl_id and source)."""
        if source == "composer" and unfurl_id:
            await self.client.chat_unfurl(unfurl_id=unfurl_id, source=source, unfurls=unfurls)
        else:
            await self.client.chat_unfurl(channel=channel, ts=ts, unfurls=unfurls)

    async def channel_info(self, channel: str) -> dict[str, Any]:
        """``conversations.info``'s channel object; ``{}`` when Slack would not say."""
        try:
            found = await self.client.conversations_info(channel=channel)
        except (SlackApiError, SlackClientError) as exc:
            log.info("conversations.info failed (%s)", type(exc).__name__)
            return {}
        return dict(found.get("channel") or {})

    async def user_for_email(self, email: str) -> str | None:
        try:
            found = await self.client.users_lookupByEmail(email=email)
        except SlackApiError:
            return None  # users_not_found, or no permission: nobody to tell here
        user = found.get("user") or {}
        if not user.get("id") or user.get("deleted") or user.get("is_bot"):
            return None
        return user_key(str(user.get("team_id") or ""), str(user["id"]))

    # -- answering a request -----------------------------------------------------------
    async def respond(self, response_url: str, reply: Reply, *,
                      replace_original: bool = False) -> bool:
        """Answer through ``response_url``; False (logged) when it was refused or failed."""
        if not hook_allowed(response_url, self.api_url):
            log.warning("refused to post to a response_url outside Slack's hooks hosts")
            return False
        hook = AsyncWebhookClient(response_url, timeout=TIMEOUT, logger=http_log,
                                  retry_handlers=retry_handlers(), session=self.session)
        try:
            result = await hook.send_dict(ephemeral_message(reply,
                                                            replace_original=replace_original))
        except (TimeoutError, SlackClientError, OSError, aiohttp.ClientError) as exc:
            log.warning("could not answer through response_url: %s", type(exc).__name__)
            return False
        if result.status_code != 200:
            log.warning("response_url answered HTTP %s", result.status_code)
            return False
        return True

    async def direct(self, user_id: str, reply: Reply) -> None:
        """The reply's public copy into the user's DM with the bot (no response_url)."""
        public = reply.public_copy()
        if reply.has_secret:
            public = replace(public, notes=(*public.notes, NO_SECRETS_HERE))
        channel = await self.open_dm(user_id)
        await self.client.chat_postMessage(channel=channel, **channel_message(public))

    async def open_dm(self, user_id: str) -> str:
        channel = self._dms.get(user_id)
        if channel is None:
            opened = await self.client.conversations_open(users=user_id)
            channel = str((opened.get("channel") or {}).get("id") or "")
            if not channel:
                raise SlackClientError("conversations.open gave no channel")
            self._dms[user_id] = channel
        return channel

    async def with_files(self, reply: Reply, user_id: str) -> Reply:
        """Upload each attachment into the user's DM and say so, or inline a text one
        that could not be uploaded."""
        notes = list(reply.notes)
        text = reply.text
        for filename, _mime, content in reply.attachments:
            try:
                channel = await self.open_dm(user_id)
                await self.client.files_upload_v2(channel=channel, filename=filename,
                                                  title=filename, content=content)
                notes.insert(0, f"📎 Sent `{filename}` to you in a direct message from SecureMeet.")
            except (SlackApiError, SlackClientError) as exc:
                log.warning("file upload failed (%s); sending %s inline",
                            type(exc).__name__, filename)
                text += (f"\n\nSave this as `{filename}` and open it:\n```"
                         f"{content.decode(errors='replace')}```")
        return replace(reply, text=text, notes=tuple(notes), attachments=())
