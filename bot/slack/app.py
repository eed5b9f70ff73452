"""The Slack front end: Bolt's ``AsyncApp`` verifies, this translates, the front door works.

Why async (``../shared/research/ack-anchor.md``): Bolt's sync ``App`` runs acks on the
same 5-thread pool as its lazy work, so a burst of slow commands misses Slack's 3 s ack
deadline. Here every listener acknowledges after one quick database step and no Slack or
Zoom call (``process_before_response=True``: Bolt awaits the ack inline instead of
polling for it every 10 ms); the front door (:mod:`bot.frontdoor`) does the rest in the
background and answers through the request's ``response_url``, ephemerally.

What this module does is translation only: a slash command or a button press becomes
an :class:`~bot.frontdoor.Inbound` (its de-duplication key from Slack's ``trigger_id``,
the requester, the command text or the command the button carries) and a
:class:`SlackConversation` (who the user is: :mod:`bot.slack.people`; how to answer:
:mod:`bot.slack.messenger`). Bolt checks every request's signature first (bad, missing
or older than five minutes → 401); its own INFO log of a refused request would carry
the whole body, so that logger is kept at WARNING.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackClientError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.frontdoor import FrontDoor, Inbound
from bot.pool import run_blocking
from bot.services import Services
from bot.slack import blocks
from bot.slack.home import LOOKBACK, home_view
from bot.slack.messenger import SlackMessenger, user_key
from bot.slack.people import SlackPeople
from commands import router
from commands.context import Requester
from commands.errors import UserError
from commands.reply import Reply

log = logging.getLogger("securemeet.slack")

COMMAND = re.compile(r"^/securemeet[\w-]*$")
ACTION = re.compile(r"^" + blocks.ACTION_PREFIX + r":")
WORKING = "⏳ Working on it…"
ANOTHER_WORKSPACE = ("This SecureMeet serves another Slack workspace. Ask your own "
                     "workspace's admin to install SecureMeet.")
REFRESHES_HOME = ("end", "cancel", "move")  # presses that change what the Home tab lists


class _OneToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused because we pass a
    client: one made with that very token. A warning at every start that asks for nothing
    would teach people to ignore our warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOG = logging.getLogger("slack_bolt")
BOLT_LOG.addFilter(_OneToken())
# Bolt logs a refused request's whole body at INFO (a response_url, a join link with its
# passcode): its loggers say only warnings and errors.
BOLT_LOG.setLevel(logging.WARNING)


class SlackFront:
    """The AsyncApp and its listeners."""

    def __init__(self, services: Services, messenger: SlackMessenger, door: FrontDoor) -> None:
        self.services = services
        self.messenger = messenger
        self.door = door
        self.people = SlackPeople(services, messenger)
        self.app = AsyncApp(client=messenger.client,
                            signing_secret=services.config.slack_signing_secret,
                            process_before_response=True, logger=BOLT_LOG)
        self.handler = AsyncSlackRequestHandler(self.app)
        self.app.command(COMMAND)(self.on_command)
        self.app.action(ACTION)(self.on_action)
        self.app.event("app_home_opened")(self.on_home_opened)

    async def endpoint(self, request: Request) -> Response:
        self.door.arrived()
        try:
            response = await self.handler.handle(request)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # Bolt parses the body before it checks the signature, and raises on a form
            # whose payload is not a JSON object (payload=null): anyone could get a 500.
            log.warning("unreadable Slack request refused (%s)", type(exc).__name__)
            return invalid_request()
        finally:
            self.door.acknowledged()
        if response.status_code >= 500:
            # Our listeners never raise, so a 500 from Bolt means it could not read a
            # (signed) body, e.g. block_actions without actions. Found by tests/reliability.
            log.warning("Slack request Bolt could not handle refused (HTTP %s)",
                        response.status_code)
            return invalid_request()
        return response

    # -- listeners: accept, acknowledge, answer in the background ------------------------
    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        team, user_id = str(body.get("team_id") or ""), str(body.get("user_id") or "")
        if router.split(text)[0] == "help":  # pure: answered in the ack itself
            stub = Requester(user=user_key(team, user_id), platform="slack", email="")
            await ack(**ephemeral_body(router.dispatch(self.services.ctx, stub, "help")))
            return
        if not await self.ours(team, str(body.get("enterprise_id") or "")):
            await ack(text=ANOTHER_WORKSPACE, response_type="ephemeral")
            return
        response_url, trigger = body.get("response_url"), body.get("trigger_id")
        if not response_url or not trigger:  # every real slash command carries both
            await ack(text="SecureMeet could not read this command.",
                      response_type="ephemeral")
            return
        inbound = Inbound("slack", f"slack:command:{trigger}", user_key(team, user_id), text)
        if not await self.door.accept(inbound):
            await ack()
            return
        await ack(text=WORKING, response_type="ephemeral")
        self.door.answer(inbound, SlackConversation(self, team, user_id, str(response_url)))

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body.get("user") or {}
        team = str(user.get("team_id") or (body.get("team") or {}).get("id") or "")
        user_id = str(user.get("id") or "")
        enterprise = str((body.get("enterprise") or {}).get("id") or "")
        if not await self.ours(str((body.get("team") or {}).get("id") or team), enterprise):
            await ack()
            return
        command = blocks.command_of(str(action.get("action_id") or ""),
                                    str(action.get("value") or ""))
        press = body.get("trigger_id") or f"{user_id}:{action.get('action_ts')}"
        inbound = Inbound("slack", f"slack:action:{press}", user_key(team, user_id),
                          command or "", button=True)
        if not await self.door.accept(inbound):
            await ack()
            return
        await ack()
        response_url = body.get("response_url")
        verb = inbound.text.split(" ", 1)[0].lower()
        self.door.answer(inbound, SlackConversation(
            self, team, user_id, str(response_url or ""),
            replace_original=verb == "end" or (verb == "cancel" and inbound.text.endswith(
                " confirm")),  # the meeting's message is replaced by what became of it
            refresh_home=not response_url and verb in REFRESHES_HOME))

    async def on_home_opened(self, ack: Any, body: dict[str, Any],
                             event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home" and await self.ours(
                str(body.get("team_id") or ""), str(body.get("enterprise_id") or "")):
            self.door.spawn(self.publish(str(body.get("team_id") or ""),
                                         str(event.get("user"))))

    async def ours(self, team_id: str, enterprise_id: str) -> bool:
        """Is this request from the workspace (or Enterprise Grid org) SecureMeet is
        installed in? A signed request from elsewhere (a Slack Connect partner's
        workspace) is not served; nor any while Slack cannot say where we are installed."""
        try:
            workspace = await self.messenger.workspace()
        except (SlackClientError, OSError, TimeoutError) as exc:
            log.warning("could not ask Slack which workspace this is (%s): request refused",
                        type(exc).__name__)
            return False
        if not workspace.covers(team_id, enterprise_id):
            log.warning("a request from another Slack workspace refused")
            return False
        return True

    async def publish(self, team: str, user_id: str) -> None:
        """The user's Home tab: their upcoming meetings (never a secret)."""
        now = datetime.now(UTC)
        try:
            who = await self.people.requester(team, user_id)
        except UserError as exc:
            view = {"type": "home", "blocks": [blocks.header("🔒 SecureMeet"),
                                               *blocks.sections(blocks.escape(exc.message))]}
        else:
            records = await run_blocking(self.services.store.meetings_for, who.email,
                                         since=now - LOOKBACK)
            view = home_view(records, tz=who.tz, now=now, sandbox=self.services.ctx.sandbox)
        await self.messenger.client.views_publish(user_id=user_id, view=view)


@dataclass
class SlackConversation:
    """Where one Slack request came from, and how to answer it there."""

    front: SlackFront
    team: str
    user_id: str
    response_url: str  # "" for a press in the Home tab
    replace_original: bool = False  # an ended meeting's message is replaced by the result
    refresh_home: bool = False

    async def requester(self) -> Requester:
        return await self.front.people.requester(self.team, self.user_id)

    async def deliver(self, reply: Reply) -> None:
        """Ephemeral through ``response_url``; without one, a public copy to the user's DM."""
        messenger = self.front.messenger
        if reply.attachments:
            reply = await messenger.with_files(reply, self.user_id)
        if self.response_url:
            await messenger.respond(self.response_url, reply,
                                    replace_original=self.replace_original and not reply.error)
        else:
            await messenger.direct(self.user_id, reply)
        if self.refresh_home and not reply.error:
            await self.front.publish(self.team, self.user_id)


def invalid_request() -> Response:
    return JSONResponse({"ok": False, "error": "invalid_request",
                         "message": "SecureMeet could not read this Slack request."},
                        status_code=400)


def ephemeral_body(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for Bolt's ``ack()``: an ephemeral message."""
    message = blocks.render(reply)
    return {"text": message["text"], "blocks": message["blocks"], "response_type": "ephemeral"}
