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
(:mod:`bot.teams.messenger`); an uninstall forgets it. Installed in a user's personal
scope, the bot says hello with the help card, once.

Invitees: the @mentions in a message to the bot (other than the bot's own) are written
into the command as ``<@29:…|Name>``, the form the core reads (:mod:`commands.invitees`).

Link unfurling: a Zoom join link pasted into a compose box arrives as a
``composeExtension/queryLink`` invoke (the manifest's ``messageHandlers``); it is
claimed by its activity id and answered at once with the same safe preview as on Slack
(:mod:`commands.leaks`), or with nothing for a meeting this account cannot read.
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
from commands import help as help_command
from commands import leaks, links, router
from commands.context import Requester
from commands.invitees import Invitee, Token
from commands.records import TeamsConversation
from commands.reply import Reply

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import (
        Account,
        AdaptiveCardActionMessageResponse,
        MessagingExtensionAttachment,
        MessagingExtensionInvokeResponse,
        MessagingExtensionResult,
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
WELCOME = ("👋 Thanks for adding SecureMeet. It schedules Zoom meetings that are locked "
           "down by default, and sends invitees the link and passcode privately. Here is "
           "what you can ask:")
NOT_OURS = "activity from tenant %s ignored: SecureMeet serves tenant %s (TEAMS_TENANT_ID)"
_AT_TAG = re.compile(r"</?at>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def command_text(activity: Any) -> str:
    """The message text with the bot's @mention removed; anyone else's @mention is
    written ``<@29:…|Name>`` (an invitee, :mod:`commands.invitees`)."""
    bot_id = getattr(activity.recipient, "id", None)
    text = strip_mentions_text(activity, StripMentionsTextOptions(account_id=bot_id)) or ""
    text = text.replace("\x01", "")
    mentions: list[str] = []
    for entity in getattr(activity, "entities", None) or []:
        if _field(entity, "type") != "mention":
            continue
        mentioned = _field(entity, "mentioned")
        member, name = str(_field(mentioned, "id") or ""), str(_field(mentioned, "name") or "")
        said = str(_field(entity, "text") or "")
        if member and member != bot_id and said and said in text:
            label = " ".join(name.replace("|", " ").replace(">", " ").replace("<", " ").split())
            text = text.replace(said, f" \x01{len(mentions)}\x01 ", 1)
            mentions.append(f"<@{member}|{label}>")
    text = _AT_TAG.sub("", text)
    text = _TAGS.sub(" ", text)  # Teams may wrap text in HTML (<p>, <br>)
    text = " ".join(html.unescape(text).split())
    return re.sub(r"\x01(\d+)\x01", lambda m: mentions[int(m.group(1))], text) if mentions \
        else text


def _field(item: Any, name: str) -> Any:
    if item is None:
        return None
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


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
        app.on_message_ext_query_link(self.on_query_link)

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
        if not self.ours(ctx.activity):
            return
        self.door.spawn(self.remember(ctx.activity))
        bot_id = str(getattr(ctx.activity.recipient, "id", "") or "")
        added = [str(_field(m, "id") or "") for m in
                 getattr(ctx.activity, "members_added", None) or []]
        if bot_id in added:
            await self.welcome(ctx)

    async def on_installation_update(self, ctx: ActivityContext[Any]) -> None:
        if not self.ours(ctx.activity):
            return
        action = str(getattr(ctx.activity, "action", "") or "")
        if action.startswith("remove"):
            conversation = str(ctx.activity.conversation.id)
            self.door.spawn(self.forget(conversation))
            return
        self.door.spawn(self.remember(ctx.activity))
        if action.startswith("add"):
            await self.welcome(ctx)

    async def welcome(self, ctx: ActivityContext[Any]) -> None:
        """Installed in a personal scope: the help, once per conversation (Teams sends
        both an installation and a conversation update, and may send either again)."""
        activity = ctx.activity
        if conversation_kind(activity) != "personal":
            return
        conversation = str(activity.conversation.id).split(";")[0]
        if not await self.door.claim(f"teams:welcome:{conversation}"):
            return
        stub = Requester(user=sender_key(activity), platform="teams", email="")
        reply = help_command.run(self.services.ctx, stub, registry=router.COMMANDS,
                                 intro=WELCOME)

        async def send() -> None:
            try:
                await ctx.send(sdk.message_input(cards.message(reply)))
            except Exception as exc:
                log.warning("could not send the welcome card: %s", type(exc).__name__)

        self.door.spawn(send())

    async def forget(self, conversation_id: str) -> None:
        """Uninstalled there: the conversation reference is dropped."""
        try:
            await run_blocking(self.services.store.forget_teams_conversation,
                               conversation_id)
        except Exception:
            log.warning("could not forget an uninstalled Teams conversation", exc_info=True)

    async def on_query_link(self, ctx: ActivityContext[Any]) -> Any:
        """A Zoom link pasted in a compose box: the safe preview, or nothing."""
        empty = MessagingExtensionInvokeResponse(compose_extension=MessagingExtensionResult(
            type="result", attachment_layout="list", attachments=[]))
        activity = ctx.activity
        url = str(getattr(activity.value, "url", "") or "")
        if not self.ours(activity) or not activity.id or not url:
            return empty
        key = f"teams:invoke:{activity.conversation.id}:{activity.id}"
        if not await self.door.claim(key):
            return empty
        hosts = await run_blocking(self.services.store.join_hosts)
        link = links.parse(url, hosts)
        if link is None:
            return empty
        try:
            report = await run_blocking(leaks.inspect_link, self.services.ctx, link, None,
                                        leaks.Place("channel", posted=False),
                                        platform="teams")
        except Exception:
            log.exception("a Teams link preview failed")
            return empty
        if report is None:
            return empty
        card = cards.attachment(report.preview, public=True)
        preview = {"contentType": "application/vnd.microsoft.card.thumbnail",
                   "content": {"title": report.preview.title,
                               "text": leaks.verdict_line(report.preview)}}
        return MessagingExtensionInvokeResponse(compose_extension=MessagingExtensionResult(
            type="result", attachment_layout="list",
            attachments=[MessagingExtensionAttachment(
                content_type=card["contentType"], content=card["content"],
                preview=preview)]))

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

    async def invitees(self, tokens: tuple[Token, ...], who: Requester) -> tuple[Invitee, ...]:
        return await self.front.people.invitees(self.ctx.activity, self.ctx.api, tokens)

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
