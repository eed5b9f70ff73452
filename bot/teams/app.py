"""The Teams front end: Microsoft's Teams SDK (``microsoft-teams-apps``) inside our server.

Why this SDK: it is Microsoft's current, supported way to build Teams bots in Python
(``microsoft/teams.py``, generally available, 2.x); the Bot Framework SDK (BotBuilder)
it replaces is archived and unsupported since the end of 2025.

How it is mounted: the SDK owns a web framework only through an ``HttpServerAdapter``
protocol. :class:`RouteAdapter` is ours: the SDK registers its handler for
``POST /api/messages`` with it, and our Starlette route (:meth:`TeamsBot.endpoint`)
calls that handler. So the request's Bot Framework JWT is validated by the SDK's own
code (issuer, audience = our app id, signature against Microsoft's published keys,
expiry, and the ``serviceurl`` claim against the activity's ``serviceUrl``) before any
of ours runs; failures answer 401. Without credentials the front end is off (see
``bot/teams/__init__.py``), unless ``TEAMS_ALLOW_UNAUTHENTICATED`` asks for local
development.

Work: a handler only parses the activity and starts a task, so Teams gets its 200 at
once (it gives a bot 15 s, an ``Action.Execute`` invoke less); the task shows "typing",
looks the user up, runs the core command on the blocking pool (:mod:`bot.pool`) and
posts the reply card through the Bot Connector API at the activity's ``serviceUrl``.
An activity id is claimed in the store first, so a redelivered activity does nothing.

Privacy: a reply that carries a secret (``Reply.has_secret``: a passcode) is never
posted where others can read it. In a channel or group chat the conversation gets the
reply's public copy plus a note, and the full card goes to the requester's 1:1 chat
with the bot, which is created through the Bot Connector API when there is none yet.
Every conversation seen is remembered (``storage/teams.py``) for that and for the
proactive host-duty messages (:mod:`bot.teams.notify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import re
import secrets
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot import tasks
from bot.inflight import answering
from bot.pool import run_blocking
from bot.teams import cards
from bot.teams.people import People, user_key
from commands import router
from commands.context import Requester
from commands.errors import UserError
from commands.records import TeamsConversation
from commands.reply import Reply, error_reply

with warnings.catch_warnings():
    # microsoft_teams.apps builds a default policy for its HTML widgets (a preview
    # feature SecureMeet does not use) at import time, which warns that it is a preview.
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import (
        Account,
        AdaptiveCardActionMessageResponse,
        Attachment,
        ConversationAccount,
        MessageActivityInput,
        TypingActivityInput,
    )
    from microsoft_teams.api.activities.utils import StripMentionsTextOptions, strip_mentions_text
    from microsoft_teams.api.clients.conversation.params import CreateConversationParams
    from microsoft_teams.apps import ActivityContext, App
    from microsoft_teams.common import ClientOptions

log = logging.getLogger("securemeet.teams")

PATH = "/api/messages"
TIMEOUT = 15.0  # seconds, for every Bot Connector call
SHUTDOWN_GRACE = 25.0
KEYS_REFRESH = 240.0  # seconds; the SDK's key cache lives 300
WORKING = "⏳ Working on it…"
PRIVATE_NOTE = ("🔒 Details sent to you privately: the passcode is in your 1:1 chat with "
                "SecureMeet.")
PRIVATE_FAILED = ("🔒 This reply has a passcode, so it is not shown here, and SecureMeet "
                  "could not open a 1:1 chat with you. Send the same message to SecureMeet "
                  "in a 1:1 chat.")
NOT_OURS = "activity from tenant %s ignored: SecureMeet serves tenant %s (TEAMS_TENANT_ID)"
_AT_TAG = re.compile(r"</?at>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


class RouteAdapter:
    """The SDK's ``HttpServerAdapter`` for a server we run: it only records the handler
    the SDK registers, and :meth:`TeamsBot.endpoint` calls it."""

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def register_route(self, method: str, path: str, handler: Any) -> None:
        if method != "POST":
            raise ValueError(f"unsupported method {method}")
        self.handlers[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("SecureMeet serves no static files for Teams")

    async def start(self, port: int) -> None:
        raise RuntimeError("Teams is served by `securemeet serve`, not by the SDK")

    async def stop(self) -> None:
        return None


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


class TeamsBot:
    """The SDK ``App``, its handlers, and the delivery of replies."""

    def __init__(self, services: Any, *, cloud: Any = None, token: Any = None) -> None:
        """``cloud`` (a ``CloudEnvironment``) and ``token`` (an outbound token provider)
        are for tests: a local OpenID/JWKS endpoint, and no calls to Entra ID."""
        config = services.config
        self.services = services
        self.adapter = RouteAdapter()
        options: dict[str, Any] = {
            "client_id": config.teams_app_id or None,
            "client_secret": (config.teams_app_password or None) if token is None else None,
            "tenant_id": config.teams_tenant_id or None,
            "token": token,
            "cloud": cloud,
            "dangerously_allow_unauthenticated_requests": config.teams_allow_unauthenticated,
            "http_server_adapter": self.adapter,
            "messaging_endpoint": PATH,
            "state": False,
            "client": ClientOptions(timeout=TIMEOUT),
        }
        self.app = App(**{k: v for k, v in options.items() if v is not None})
        self.app.on_message(self.on_message)
        self.app.on_card_action_execute(self.on_card_action)
        self.app.on_conversation_update(self.on_conversation_update)
        self.app.on_installation_update(self.on_installation_update)
        self.people = People(services)
        self.tasks: set[asyncio.Task[Any]] = set()
        self._started = False
        self._keys_task: asyncio.Task[None] | None = None

    @property
    def ctx(self) -> Any:
        return self.services.ctx

    # lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if not self._started:
            await self.app.initialize()
            self._started = True
            if self._jwks_client() is not None:
                self._keys_task = asyncio.get_running_loop().create_task(self._fresh_keys())

    async def stop(self) -> None:
        if self._keys_task is not None:
            self._keys_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keys_task
            self._keys_task = None
        await self.drain()
        for client in (self.app.http_client, self.app.api.http):  # the SDK never closes them
            with contextlib.suppress(Exception):
                await client.http.aclose()

    def _jwks_client(self) -> Any:
        """The SDK validator's key client (``jwt.PyJWKClient``), when tokens are checked.

        It fetches Microsoft's signing keys with a blocking HTTP call whenever its
        5-minute cache has expired, on the event loop. :meth:`_fresh_keys` refetches them
        on the blocking pool before that, so a request never waits on the fetch (or
        holds up everything else while it does). Private SDK attributes: if they move,
        this does nothing and the SDK still fetches by itself.
        """
        validator = getattr(self.app.server, "_token_validator", None)
        service = getattr(validator, "_service_validator", None)
        client = getattr(service, "_jwks_client", None)
        return client if callable(getattr(client, "get_jwk_set", None)) else None

    async def _fresh_keys(self) -> None:
        client = self._jwks_client()
        while True:
            try:
                await run_blocking(client.get_jwk_set, True)
            except Exception as exc:  # the SDK fetches again itself when it must
                log.warning("could not refresh the Bot Framework signing keys: %s",
                            type(exc).__name__)
            await asyncio.sleep(KEYS_REFRESH)

    async def drain(self, timeout: float = SHUTDOWN_GRACE) -> int:
        """Wait for replies in progress (the server is stopping); returns how many did not
        finish in time."""
        return await tasks.drain(self.tasks, timeout=timeout, what="Teams replies")

    @property
    def busy(self) -> bool:
        """Whether a reply is in progress."""
        return any(not t.done() for t in list(self.tasks))

    # HTTP ----------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        """``POST /api/messages``: hand the activity to the SDK (which checks the token)."""
        await self.start()
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "Bad Request", "message": "Body is not JSON."},
                                status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "Bad Request", "message": "Body is not an object."},
                                status_code=400)
        handler = self.adapter.handlers[PATH]
        result = await handler({"body": body, "headers": dict(request.headers)})
        if result.get("status", 200) >= 500:
            # The SDK answers 500 for an activity its models reject (an invoke without a
            # name, a wrong field type): a bad request, not our failure. tests/reliability.
            log.warning("Teams activity the SDK could not read refused (HTTP %s)",
                        result.get("status"))
            return JSONResponse({"error": "Bad Request",
                                 "message": "SecureMeet could not read this activity."},
                                status_code=400)
        if result.get("body") is None:
            return Response(status_code=result["status"])
        return JSONResponse(result["body"], status_code=result["status"])

    # handlers: quick, no I/O but starting a task ---------------------------------------
    async def on_message(self, ctx: ActivityContext[Any]) -> None:
        if not self.ours(ctx.activity):
            return
        pressed = cards.command_from(ctx.activity.value)
        if pressed is not None:  # Action.Submit (the fallback) arrives as a message
            self.spawn(self._action(ctx, pressed))
        else:
            self.spawn(self._command(ctx, command_text(ctx.activity)))

    async def on_card_action(self, ctx: ActivityContext[Any]) -> Any:
        """``Action.Execute``: Teams wants an invoke response; the reply follows."""
        if not self.ours(ctx.activity):
            return AdaptiveCardActionMessageResponse(value="Not available here.")
        value = ctx.activity.value
        action = getattr(value, "action", None)
        pressed = cards.command_from(getattr(action, "data", None))
        self.spawn(self._action(ctx, pressed or ""))
        return AdaptiveCardActionMessageResponse(value=WORKING)

    async def on_conversation_update(self, ctx: ActivityContext[Any]) -> None:
        """The bot was added to a team, a group chat or a user's personal scope."""
        if self.ours(ctx.activity):
            self.spawn(self.remember(ctx.activity))

    async def on_installation_update(self, ctx: ActivityContext[Any]) -> None:
        if self.ours(ctx.activity) and getattr(ctx.activity, "action", "") != "remove":
            self.spawn(self.remember(ctx.activity))

    def ours(self, activity: Any) -> bool:
        """With ``TEAMS_TENANT_ID`` set, only that tenant's activities are served."""
        expected = self.services.config.teams_tenant_id
        tenant = tenant_of(activity)
        if expected and tenant.lower() != expected.lower():
            log.warning(NOT_OURS, tenant, expected)
            return False
        return True

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("Teams work failed (ref %s)", secrets.token_hex(4))

    # the work --------------------------------------------------------------------------
    async def _command(self, ctx: ActivityContext[Any], text: str) -> None:
        activity = ctx.activity
        if not await self.first_time(activity):
            log.warning("ignored a redelivered Teams activity %s", activity.id)
            return
        await self.remember(activity)
        if router.split(text)[0] == "help":  # needs nobody's profile
            stub = Requester(user=user_key(str(activity.from_.aad_object_id or "")),
                             platform="teams", email="")
            await self.deliver(ctx, router.dispatch(self.ctx, stub, "help"))
            return
        await self.typing(ctx)
        await self._answer(ctx, router.split(text)[0],
                           lambda who: router.dispatch(self.ctx, who, text))

    async def _action(self, ctx: ActivityContext[Any], command: str) -> None:
        activity = ctx.activity
        if not await self.first_time(activity):
            return
        await self.remember(activity)
        await self._answer(ctx, command.split(" ", 1)[0] or "button",
                           lambda who: router.dispatch(self.ctx, who, command) if command
                           else error_reply("That button is not one SecureMeet knows.",
                                            sandbox=self.ctx.sandbox))

    async def _answer(self, ctx: ActivityContext[Any], command: str,
                      work: Callable[[Requester], Reply]) -> None:
        """Resolve the sender, run ``work`` on the pool and deliver its reply, holding the
        request open meanwhile (a crash's sweep then tells the sender)."""
        activity = ctx.activity
        async with answering(self.services.store, self.request_key(activity),
                             requester=user_key(str(activity.from_.aad_object_id or "")),
                             platform="teams", command=command):
            try:
                who = await self.people.requester(activity, ctx.api)
            except UserError as exc:
                await self.deliver(ctx, error_reply(exc.message, sandbox=self.ctx.sandbox))
                return
            await self.deliver(ctx, await run_blocking(work, who), who=who)

    @staticmethod
    def request_key(activity: Any) -> str:
        return f"teams:activity:{activity.conversation.id}:{activity.id or secrets.token_hex(8)}"

    async def first_time(self, activity: Any) -> bool:
        """Claim the activity once: Teams may deliver the same activity again."""
        if not activity.id:
            return True
        return await run_blocking(self.services.store.claim, self.request_key(activity),
                                  at=datetime.now(UTC))

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

    # delivery ------------------------------------------------------------------------
    async def typing(self, ctx: ActivityContext[Any]) -> None:
        with contextlib.suppress(Exception):  # a nicety: never let it stop the reply
            await ctx.send(TypingActivityInput())

    async def deliver(self, ctx: ActivityContext[Any], reply: Reply, *,
                      who: Requester | None = None) -> None:
        """Into the conversation; a reply with a secret only into the user's 1:1 chat."""
        activity = ctx.activity
        if conversation_kind(activity) == "personal" or not reply.has_secret:
            await ctx.send(message_input(reply))
            return
        sent = await self.send_private(ctx, reply)
        note = PRIVATE_NOTE if sent else PRIVATE_FAILED
        public = reply.public_copy()
        public = replace(public, notes=(note, *public.notes))
        await ctx.send(message_input(public, public=True))

    async def send_private(self, ctx: ActivityContext[Any], reply: Reply) -> bool:
        """The full reply into the sender's 1:1 chat with the bot; False if impossible."""
        activity = ctx.activity
        try:
            conversation_id = await self.personal_conversation(ctx)
            outgoing = message_input(reply)
            outgoing.from_ = activity.recipient
            outgoing.conversation = ConversationAccount(id=conversation_id)
            await ctx.api.conversations.create_activity(conversation_id, outgoing)
            return True
        except Exception as exc:
            log.warning("could not send a private Teams reply: %s", type(exc).__name__)
            return False

    async def personal_conversation(self, ctx: ActivityContext[Any]) -> str:
        """The user's 1:1 conversation with the bot: remembered, or created now."""
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


def message_input(reply: Reply, *, public: bool = False) -> MessageActivityInput:
    """The SDK's outgoing message for ``reply`` (the card as rendered, untouched)."""
    payload = cards.message(reply, public=public)
    attachments = [Attachment(content_type=a["contentType"], content=a.get("content"),
                              content_url=a.get("contentUrl"), name=a.get("name"))
                   for a in payload["attachments"]]
    return MessageActivityInput(summary=payload["summary"], attachments=attachments)
