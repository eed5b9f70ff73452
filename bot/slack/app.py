"""The Slack front end: a Bolt ``AsyncApp`` that acknowledges at once and answers privately.

Why async (``../shared/research/ack-anchor.md``): Bolt's sync ``App`` runs acks on the
same 5-thread pool as its lazy work, so a burst of slow commands misses Slack's 3 s ack
deadline. Here every listener acks without any I/O (``process_before_response=True``:
Bolt awaits the ack inline instead of polling for it every 10 ms) and then starts the
work as an asyncio task, the equivalent of Bolt's lazy listeners without their deep
copy of each request. The task waits until the burst of acks in flight has been
answered (:mod:`bot.slack.ackfirst`), looks the user up (``users.info``, cached), runs
the core command on the bounded blocking pool (:mod:`bot.pool`: the Zoom client and
SQLite block) and answers through the request's ``response_url`` as an *ephemeral*
message.

Privacy: a reply is only ever delivered ephemerally through ``response_url`` (only the
requester sees it), or as a public copy (secret facts removed) into the user's direct
message with the bot when there is no ``response_url`` (buttons in the Home tab).
Nothing here calls ``chat.postMessage`` with a passcode. The slack_sdk clients log whole
request bodies at DEBUG, so they get a logger pinned at INFO (:data:`http_log`).

Replays: a slash command's ``trigger_id`` is claimed in the store before any work, so a
replayed (validly signed, within 5 minutes) request cannot create a second meeting.
Shutdown: :meth:`SlackBot.stop` lets started work finish (up to 25 s) before closing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot import tasks
from bot.inflight import answering
from bot.pool import run_blocking
from bot.slack import blocks
from bot.slack.ackfirst import AckFirst
from bot.slack.home import LOOKBACK, home_view
from bot.slack.people import People, user_key
from commands import router
from commands.context import Requester
from commands.errors import UserError
from commands.reply import Reply, error_reply

log = logging.getLogger("securemeet.slack")
http_log = logging.getLogger("securemeet.slack.http")
http_log.setLevel(logging.INFO)  # slack_sdk logs request bodies (a passcode) at DEBUG

COMMAND = re.compile(r"^/securemeet[\w-]*$")
ACTION = re.compile(r"^" + blocks.ACTION_PREFIX + r":")
WORKING = "⏳ Working on it…"
TIMEOUT = 15  # seconds, for every Slack Web API and response_url call
SHUTDOWN_GRACE = 25.0  # seconds to let started work finish when the server stops


def retry_handlers() -> list[Any]:
    """429s honour Retry-After; resets and 5xx are retried with backoff."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2)]


def web_client(token: str, base_url: str) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT, logger=http_log,
                          retry_handlers=retry_handlers())


def ephemeral_message(reply: Reply, *, replace_original: bool = False) -> dict[str, Any]:
    """The response_url body: only the requester sees it."""
    message = blocks.render(reply)
    message["response_type"] = "ephemeral"
    message["replace_original"] = replace_original
    return message


def channel_message(reply: Reply) -> dict[str, Any]:
    """A body for anywhere others could see it: never a secret fact."""
    return blocks.render(reply, public=True)


class _OneToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused because we pass a
    client: one made with that very token. A warning at every start that asks for nothing
    would teach people to ignore our warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOG = logging.getLogger("slack_bolt")
BOLT_LOG.addFilter(_OneToken())


class SlackBot:
    """The AsyncApp, its listeners, and the delivery of replies."""

    def __init__(self, services: Any) -> None:
        config = services.config
        self.services = services
        self.client = web_client(config.slack_bot_token, config.slack_api_url)
        self.app = AsyncApp(client=self.client, signing_secret=config.slack_signing_secret,
                            process_before_response=True, logger=BOLT_LOG)
        self.people = People(services, self.client)
        self.handler = AsyncSlackRequestHandler(self.app)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.session: aiohttp.ClientSession | None = None
        self.ack_first = AckFirst()
        self.app.command(COMMAND)(self.on_command)
        self.app.action(ACTION)(self.on_action)
        self.app.event("app_home_opened")(self.on_home_opened)

    async def start(self) -> None:
        """One pooled HTTP session for every Slack call (made in the server's loop)."""
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=TIMEOUT))
            self.client.session = self.session

    async def stop(self) -> None:
        await self.drain()
        if self.session is not None:
            self.client.session = None
            await self.session.close()
            self.session = None

    @property
    def ctx(self) -> Any:
        return self.services.ctx

    async def endpoint(self, request: Request) -> Response:
        self.ack_first.arrived()
        try:
            response = await self.handler.handle(request)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # Bolt parses the body before it checks the signature, and raises on a form
            # whose payload is not a JSON object (payload=null): anyone could get a 500.
            log.warning("unreadable Slack request refused (%s)", type(exc).__name__)
            return invalid_request()
        finally:
            self.ack_first.answered()
        if response.status_code >= 500:
            # Our acks do no I/O and never raise, so a 500 from Bolt means it could not read
            # a (signed) body, e.g. block_actions without actions. Found by tests/reliability.
            log.warning("Slack request Bolt could not handle refused (HTTP %s)",
                        response.status_code)
            return invalid_request()
        return response

    # listeners: ack at once (no I/O), then start the work as a task ---------------------
    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        name, _ = router.split(str(body.get("text") or ""))
        if name == "help":  # pure: answer in the ack itself
            stub = Requester(user=user_key(body.get("team_id", ""), body.get("user_id", "")),
                             platform="slack", email="")
            await ack(**ephemeral_body(router.dispatch(self.ctx, stub, "help")))
            return
        await ack(text=WORKING, response_type="ephemeral")
        self.spawn(self._command(body), body.get("response_url"))

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        self.spawn(self._action(body, action), body.get("response_url"))

    async def on_home_opened(self, ack: Any, body: dict[str, Any],
                             event: dict[str, Any]) -> None:
        await ack()
        self.spawn(self._home(body, event), None)

    def spawn(self, work: Coroutine[Any, Any, None], response_url: str | None) -> None:
        task = asyncio.create_task(self._guarded(work, response_url))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None], response_url: str | None) -> None:
        try:
            await self.ack_first.quiet()
            await work
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("slack work failed (ref %s)", ref)
            if response_url:
                await self.respond(response_url, error_reply(
                    f"Something went wrong on our side (ref {ref}). Please try again, and "
                    "quote the ref if it persists.", sandbox=self.ctx.sandbox))
        finally:
            work.close()  # if cancelled before it started, no "never awaited" warning

    async def _command(self, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        response_url = str(body.get("response_url") or "")
        command = router.split(text)[0]
        if command == "help" or not response_url:
            return
        trigger = body.get("trigger_id")
        key = f"slack:command:{trigger or secrets.token_hex(8)}"
        if trigger and not await self.first_time(key):
            log.warning("ignored a replayed slash command (trigger %s)", trigger)
            return
        team, user_id = str(body.get("team_id")), str(body.get("user_id"))
        async with answering(self.services.store, key, requester=user_key(team, user_id),
                             platform="slack", command=command):
            try:
                who = await self.people.requester(team, user_id)
            except UserError as exc:
                await self.respond(response_url, error_reply(exc.message,
                                                             sandbox=self.ctx.sandbox))
                return
            reply = await run_blocking(router.dispatch, self.ctx, who, text)
            await self.deliver(reply, who=who, user_id=user_id, response_url=response_url)

    async def _action(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body.get("user") or {}
        team = user.get("team_id") or (body.get("team") or {}).get("id") or ""
        response_url = body.get("response_url")
        command = blocks.command_of(str(action.get("action_id") or ""),
                                    str(action.get("value") or ""))
        name = command.split(" ", 1)[0] if command else ""
        user_id = str(user.get("id"))
        async with answering(self.services.store, f"slack:action:{secrets.token_hex(8)}",
                             requester=user_key(str(team), user_id), platform="slack",
                             command=name or "button"):
            try:
                who = await self.people.requester(str(team), user_id)
            except UserError as exc:
                await self.deliver(error_reply(exc.message), who=None, user_id=user_id,
                                   response_url=response_url)
                return
            reply = await run_blocking(self.act, who, command)
            ended = name == "end" and not reply.error
            await self.deliver(reply, who=who, user_id=user_id, response_url=response_url,
                               replace_original=ended)
        if ended and not response_url:  # clicked in the Home tab: refresh it
            await self._publish(str(team), user_id)

    def act(self, who: Requester, command: str | None) -> Reply:
        """Run a button's command (blocking: called on the pool). Never raises."""
        if not command:
            return error_reply("That button is not one SecureMeet knows.",
                               sandbox=self.ctx.sandbox)
        return router.dispatch(self.ctx, who, command)

    async def _home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await self._publish(str(body.get("team_id") or ""), str(event.get("user")))

    async def _publish(self, team: str, user_id: str) -> None:
        now = datetime.now(UTC)
        try:
            who = await self.people.requester(team, user_id)
        except UserError as exc:
            view = {"type": "home", "blocks": [blocks.header("🔒 SecureMeet"),
                                               *blocks.sections(blocks.escape(exc.message))]}
        else:
            records = await run_blocking(self.services.store.meetings_for, who.email,
                                         since=now - LOOKBACK)
            view = home_view(records, tz=who.tz, now=now, sandbox=self.ctx.sandbox)
        await self.client.views_publish(user_id=user_id, view=view)

    # delivery -----------------------------------------------------------------------------
    async def deliver(self, reply: Reply, *, who: Requester | None, user_id: str,
                      response_url: str | None, replace_original: bool = False) -> None:
        """Ephemeral through ``response_url``; without one, a public copy to the user's DM."""
        if reply.attachments:
            reply = await self.send_attachments(reply, user_id)
        if response_url:
            await self.respond(response_url, reply, replace_original=replace_original)
            return
        note = ("Secrets are not sent here: run the command in a channel for the private "
                "reply." if reply.has_secret else "")
        public = reply.public_copy()
        if note:
            public = replace(public, notes=(*public.notes, note))
        channel = await self.open_dm(user_id)
        await self.client.chat_postMessage(channel=channel, **channel_message(public))

    async def respond(self, response_url: str, reply: Reply, *,
                      replace_original: bool = False) -> None:
        hook = AsyncWebhookClient(response_url, timeout=TIMEOUT, logger=http_log,
                                  retry_handlers=retry_handlers(), session=self.session)
        try:
            result = await hook.send_dict(ephemeral_message(reply,
                                                            replace_original=replace_original))
        except (TimeoutError, SlackClientError, OSError, aiohttp.ClientError) as exc:
            log.warning("could not answer through response_url: %s", type(exc).__name__)
            return
        if result.status_code != 200:
            log.warning("response_url answered HTTP %s (%s)", result.status_code,
                        (result.body or "")[:100])

    async def open_dm(self, user_id: str) -> str:
        opened = await self.client.conversations_open(users=user_id)
        return str((opened.get("channel") or {}).get("id"))

    async def send_attachments(self, reply: Reply, user_id: str) -> Reply:
        """Upload each attachment into the user's DM; say so, or inline it if that fails."""
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

    # de-duplication and shutdown ----------------------------------------------------------
    async def first_time(self, key: str) -> bool:
        return await run_blocking(self.services.store.claim, key, at=datetime.now(UTC))

    async def drain(self, timeout: float = SHUTDOWN_GRACE) -> int:
        """Wait for started work (the server is stopping); returns how many did not finish."""
        return await tasks.drain(self.tasks, timeout=timeout, what="Slack replies")


def invalid_request() -> Response:
    return JSONResponse({"ok": False, "error": "invalid_request",
                         "message": "SecureMeet could not read this Slack request."},
                        status_code=400)


def ephemeral_body(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for Bolt's ``ack()``: an ephemeral message."""
    message = blocks.render(reply)
    return {"text": message["text"], "blocks": message["blocks"], "response_type": "ephemeral"}
