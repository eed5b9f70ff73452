"""The Teams front end: the SDK verifies, this translates, the front door does the work.

``POST /api/messages`` is handed to the SDK's own handler (through
:class:`bot.teams.sdk.RouteAdapter`), which validates the Bot Framework JWT before any
of ours runs; failures answer 401. Then a handler only translates: a message, or a
card button (``Action.Execute``, or its ``Action.Submit`` fallback that arrives as a
message), becomes an :class:`~bot.frontdoor.Inbound` (its de-duplication key from the
activity id, the requester, the command text or the command the button carries) and a
:class:`TeamsConversation`, accepted by the front door before Teams gets its 200 (it
gives a bot 15 s, an invoke less), and answered in the background.

Privacy: a reply that carries a secret (``Reply.has_secret``: a passcode) is never
posted where others can read it. In a channel or group chat the conversation gets the
reply's public copy plus a note, and the full card goes to the requester's 1:1 chat
with the bot, which is created through the Bot Connector API when there is none yet.
Every conversation seen is remembered, for that and for the proactive messages
(:mod:`bot.teams.messenger`).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import warnings
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.frontdoor import FrontDoor, Inbound
from bot.pool import run_blocking
from bot.services import Services
from bot.teams import cards, sdk
from bot.teams.messenger import TeamsMessenger
from bot.teams.people import TeamsPeople, user_key
from commands.context import Requester
from commands.records import TeamsConversation
from commands.reply import Reply

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import (
        Account,
        AdaptiveCardActionMessageResponse,
        TypingActivityInput,
    )
    from microsoft_teams.api.activities.utils import StripMentionsTextOptions, strip_mentions_text
    from microsoft_teams.api.clients.conversation.params import CreateConversationParams
    from microsoft_teams.apps import ActivityContext

log = logging.getLogger("securemeet.teams")

WORKING = "⏳ Working on it…"
PRIVATE_NOTE = ("🔒 Details sent to you privately: the passcode is in your 1:1 chat with "
                "SecureMeet.")
PRIVATE_FAILED = ("🔒 This reply has a passcode, so it is not shown here, and SecureMeet "
                  "could not deliver it to a 1:1 chat with you (Teams did not accept it). "
                  "Send the same message to SecureMeet in a 1:1 chat.")
DEV_ONLY = ("TEAMS_ALLOW_UNAUTHENTICATED serves only a Teams emulator on this machine: "
            "serviceUrl must be on 127.0.0.1 or localhost.")
NOT_OURS = "activity from tenant %s ignored: SecureMeet serves tenant %s (TEAMS_TENANT_ID)"
_AT_TAG = re.compile(r"</?at>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def command_text(activity: Any) -> str:
    """The message text with the bot's @mention removed (others keep their names)."""
    bot_id = getattr(activity.recipient, "id", None)
    text = strip_mentions_text(activity, StripMentionsTextOptions(account_id=bot_id)) or ""
    text = _AT_TAG.sub("", text)
    text = _TAGS.sub(" ", text)  # Teams may wrap text in HTML (<p>, <br>)
    return " ".join(html.unescape(text).split())


def conversation_kind(activity: Any) -> str:
    conversation = activity.conversation
    kind = str(getattr(conversation, "conversation_type", "") or "")
    if kind:
        return kind
    return "groupChat" if getattr(conversation, "is_group", False) else "personal"


def tenant_of(activity: Any) -> str:
    tenant = getattr(activity.conversation, "tenant_id", None)
    if not tenant:
        channel_data = getattr(activity, "channel_data", None)
        tenant = getattr(getattr(channel_data, "tenant", None), "id", None)
    return str(tenant or "")


def sender_key(activity: Any) -> str:
    return user_key(str(getattr(activity.from_, "aad_object_id", "") or ""))


class TeamsFront:
    """The SDK ``App``'s handlers, on the process' one ``App`` (the messenger's)."""

    def __init__(self, services: Services, messenger: TeamsMessenger, door: FrontDoor) -> None:
        self.services = services
        self.messenger = messenger
        self.door = door
        self.people = TeamsPeople(services)
        app = messenger.app
        app.on_message(self.on_message)
        app.on_card_action_execute(self.on_card_action)
        app.on_conversation_update(self.on_conversation_update)
        app.on_installation_update(self.on_installation_update)

    # -- HTTP --------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        """``POST /api/messages``: hand the activity to the SDK (which checks the token)."""
        await self.messenger.start()
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return bad_request("Body is not JSON.")
        if not isinstance(body, dict):
            return bad_request("Body is not an object.")
        if self.services.config.teams_allow_unauthenticated and not loopback(
                body.get("serviceUrl")):
            # Unchecked tokens are for a Teams emulator on this machine: nobody else may
            # name where the bot posts its replies (and its outbound token).
            log.warning("development mode: an activity for a serviceUrl off this machine "
                        "refused")
            return JSONResponse({"error": "Forbidden", "message": DEV_ONLY}, status_code=403)
        self.door.arrived()
        try:
            handler = self.messenger.adapter.handlers[sdk.PATH]
            result = await handler({"body": body, "headers": dict(request.headers)})
        finally:
            self.door.acknowledged()
        if result.get("status", 200) >= 500:
            # The SDK answers 500 for an activity its models reject (an invoke without a
            # name, a wrong field type): a bad request, not our failure. tests/reliability.
            log.warning("Teams activity the SDK could not read refused (HTTP %s)",
                        result.get("status"))
            return bad_request("SecureMeet could not read this activity.")
        if result.get("body") is None:
            return Response(status_code=result["status"])
        return JSONResponse(result["body"], status_code=result["status"])

    # -- handlers: translate, accept, and leave the work to the front door -------------
    async def on_message(self, ctx: ActivityContext[Any]) -> None:
        if not self.ours(ctx.activity):
            return
        value = ctx.activity.value
        if value is not None:  # Action.Submit (the fallback) arrives as a message
            await self.take(ctx, cards.command_from(value) or "", button=True)
        else:
            await self.take(ctx, command_text(ctx.activity))

    async def on_card_action(self, ctx: ActivityContext[Any]) -> Any:
        """``Action.Execute``: Teams wants an invoke response; the reply follows."""
        if not self.ours(ctx.activity):
            return AdaptiveCardActionMessageResponse(value="Not available here.")
        action = getattr(ctx.activity.value, "action", None)
        await self.take(ctx, cards.command_from(getattr(action, "data", None)) or "",
                        button=True)
        return AdaptiveCardActionMessageResponse(value=WORKING)

    async def on_conversation_update(self, ctx: ActivityContext[Any]) -> None:
        """The bot was added to a team, a group chat or a user's personal scope."""
        if self.ours(ctx.activity):
            self.door.spawn(self.remember(ctx.activity))

    async def on_installation_update(self, ctx: ActivityContext[Any]) -> None:
        if self.ours(ctx.activity) and getattr(ctx.activity, "action", "") != "remove":
            self.door.spawn(self.remember(ctx.activity))

    def ours(self, activity: Any) -> bool:
        """With ``TEAMS_TENANT_ID`` set, only that tenant's activities are served."""
        expected = self.services.config.teams_tenant_id
        tenant = tenant_of(activity)
        if expected and tenant.lower() != expected.lower():
            log.warning(NOT_OURS, tenant, expected)
            return False
        return True

    async def take(self, ctx: ActivityContext[Any], text: str, *, button: bool = False) -> None:
        activity = ctx.activity
        key = f"teams:activity:{activity.conversation.id}:{activity.id}"
        inbound = Inbound("teams", key, sender_key(activity), text, button=button)
        if not activity.id or not await self.door.accept(inbound):
            return
        self.door.spawn(self.remember(activity))
        self.door.answer(inbound, TeamsChat(self, ctx))

    # -- conversation references -------------------------------------------------------
    async def remember(self, activity: Any) -> None:
        """Keep the conversation reference (for private replies and host duties)."""
        sender = activity.from_
        aad = str(getattr(sender, "aad_object_id", "") or "")
        ref = TeamsConversation(
            conversation_id=str(activity.conversation.id).split(";")[0],
            user=user_key(aad) if aad else "", kind=conversation_kind(activity),
            service_url=str(activity.service_url or ""), tenant_id=tenant_of(activity),
            member_id=str(getattr(sender, "id", "") or ""),
            bot_id=str(getattr(activity.recipient, "id", "") or ""))
        if ref.service_url:
            await run_blocking(self.services.store.save_teams_conversation, ref)

    async def personal_conversation(self, ctx: ActivityContext[Any]) -> str:
        """The sender's 1:1 conversation with the bot: remembered, or created now."""
        activity = ctx.activity
        aad = str(getattr(activity.from_, "aad_object_id", "") or "")
        service_url = str(activity.service_url or "").rstrip("/")
        if aad:
            known = await run_blocking(self.services.store.teams_conversations, user_key(aad))
            for ref in known:
                if ref.kind == "personal" and ref.service_url.rstrip("/") == service_url:
                    return ref.conversation_id
        tenant = tenant_of(activity)
        params = CreateConversationParams(
            members=[Account(id=activity.from_.id)], tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
            bot={"id": activity.recipient.id}, isGroup=False)
        created = await ctx.api.conversations.create(params)
        if aad:
            await run_blocking(self.services.store.save_teams_conversation, TeamsConversation(
                conversation_id=created.id, user=user_key(aad), kind="personal",
                service_url=service_url, tenant_id=tenant, member_id=activity.from_.id,
                bot_id=activity.recipient.id))
        return created.id


@dataclass
class TeamsChat:
    """Where one Teams activity came from, and how to answer it there (the front door's
    ``Conversation``; a stored ``TeamsConversation`` is only an address)."""

    front: TeamsFront
    ctx: ActivityContext[Any]

    async def requester(self) -> Requester:
        with contextlib.suppress(Exception):  # a nicety: never let it stop the reply
            await self.ctx.send(TypingActivityInput())
        return await self.front.people.requester(self.ctx.activity, self.ctx.api)

    async def deliver(self, reply: Reply) -> None:
        """Into the conversation; a reply with a secret only into the user's 1:1 chat."""
        activity = self.ctx.activity
        if conversation_kind(activity) == "personal" or not reply.has_secret:
            await self.send(reply)
            return
        sent = await self.send_private(reply)
        public = reply.public_copy()
        await self.send(replace(public, notes=(PRIVATE_NOTE if sent else PRIVATE_FAILED,
                                               *public.notes)), public=True)

    async def send(self, reply: Reply, *, public: bool = False) -> None:
        await self.ctx.send(sdk.message_input(cards.message(reply, public=public)))

    async def send_private(self, reply: Reply) -> bool:
        """The full reply into the sender's 1:1 chat with the bot; False if impossible."""
        try:
            conversation_id = await self.front.personal_conversation(self.ctx)
            await self.front.messenger.send(self.ctx.api, conversation_id, reply,
                                            public=False,
                                            bot_id=str(self.ctx.activity.recipient.id))
            return True
        except Exception as exc:
            log.warning("could not send a private Teams reply: %s", type(exc).__name__)
            return False


def loopback(service_url: Any) -> bool:
    """Is ``service_url`` on this machine (127.0.0.1, ::1 or localhost)?"""
    try:
        host = urlsplit(str(service_url or "")).hostname
    except ValueError:
        return False
    return host in ("127.0.0.1", "localhost", "::1")


def bad_request(message: str) -> Response:
    return JSONResponse({"error": "Bad Request", "message": message}, status_code=400)
