"""The front door: the one way a chat request is handled, whatever the platform.

Every chat front end (Slack, Teams) verifies its platform's signature or token with
the platform's own SDK, translates the request into an :class:`Inbound` (who, which
request, the command text — typed, or carried by the pressed button) and a
:class:`Conversation` (how to find out who the user is, and how to answer them there),
and hands both over. From then on it is the same for everyone::

    accept   claim the request's de-duplication key and record it as open, in one step,
             *before* the platform is acknowledged: a retry or a replayed signed body
             has no second effect, whichever replica it reaches, and a crash after the
             acknowledgement leaves a row the sweep finds (bot/recovery.py)
    answer   in the background, once the burst of acknowledgements is out
             (bot/ackfirst.py): resolve the requester (the platform's profile, cached)
             and the people a schedule invites (the conversation looks them up),
             dispatch the command on the blocking pool (commands/router.py), send its
             private notices (invitations, each into its person's 1:1 chat with the
             bot), deliver the reply (saying which of those could not be delivered),
             deliver its other notices (the host), close the request

A platform *event* that is not a request (Slack's ``link_shared``) has no requester to
answer and nothing for the sweep to apologise for: :meth:`FrontDoor.claim` takes its
de-duplication key alone, and the front end does its work with :meth:`FrontDoor.spawn`.

Unexpected errors become words in exactly one place, here (``reply.unexpected_error``,
the wording the router uses too): logged with a reference, and the user is told the
reference. A request whose platform cannot be answered any more is left to the sweep.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot import charts, notify, tasks
from bot.ackfirst import AckFirst
from bot.pool import run_before_ack, run_blocking
from bot.services import Services
from commands import invitees as inviting
from commands import router
from commands.context import Requester
from commands.errors import UserError
from commands.invitees import Invitee, Token
from commands.records import OpenRequest
from commands.reply import Notice, Reply, error_reply, unexpected_error

log = logging.getLogger("securemeet.frontdoor")

UNKNOWN_BUTTON = "That button is not one SecureMeet knows."
SHUTDOWN_GRACE = 25.0  # seconds to let started answers finish when the server stops


@dataclass(frozen=True)
class Inbound:
    """One chat request, platform-neutral."""

    platform: str  # slack | teams
    key: str  # de-duplication key, from the platform's own id for this request
    user: str  # the requester's id in the core: "slack:T1:U1", "teams:<aad id>"
    text: str  # the command: typed, or what the pressed button carries
    button: bool = False  # a press ("" text: not a button SecureMeet knows)

    @property
    def command(self) -> str:
        """The command word only (what is recorded; never the text)."""
        if self.button and not self.text:
            return "button"
        return router.split(self.text)[0]


class Conversation(Protocol):
    """Where a request came from: a platform's way to identify the user and answer."""

    async def requester(self) -> Requester:
        """Who asked (email, time zone, admin). Raises ``UserError`` to say what is
        missing (no email on the profile, the platform could not be reached)."""
        ...

    async def deliver(self, reply: Reply) -> None:
        """Answer there, privately when the reply holds a secret."""
        ...

    async def invitees(self, tokens: tuple[Token, ...],
                       who: Requester) -> tuple[Invitee, ...]:
        """Look up the people a command names (mentions, emails) on this platform: who
        each is and where an invitation reaches them, or why it cannot. Never raises:
        a token it cannot look up is simply left out (the core names it)."""
        ...


class FrontDoor:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.ack_first = AckFirst()
        self.tasks: set[asyncio.Task[Any]] = set()

    # -- the HTTP side: arrivals, and the step before the acknowledgement --------------
    def arrived(self) -> None:
        """A request came in (the platform waits for its acknowledgement)."""
        self.ack_first.arrived()

    def acknowledged(self) -> None:
        self.ack_first.answered()

    async def accept(self, inbound: Inbound) -> bool:
        """Claim ``inbound`` and record it as open, before acknowledging it. False when
        it was claimed before (a retry, a replay, a double press): do nothing more.

        Done here on the loop when the store can do it at once (SQLite with its write
        lock free: a fraction of a millisecond), else on the threads kept for it. Under
        a burst a thread waits for the GIL each time SQLite hands it back, about 20 ms
        per request in all (benchmarks/bench_slack.py)."""
        request = OpenRequest(inbound.key, inbound.user, inbound.platform, inbound.command,
                              datetime.now(UTC))
        accepted = self.services.store.accept_now(request)
        if accepted is None:
            accepted = await run_before_ack(self.services.store.accept, request)
        if not accepted:
            log.warning("ignored a %s request delivered again (%s)", inbound.platform,
                        inbound.command)
        return accepted

    async def claim(self, key: str) -> bool:
        """Claim a platform event's key (Slack's ``event_id``), with no request held open:
        False when it was claimed before (a retry, another replica): do nothing."""
        claimed = await run_before_ack(self.services.store.claim, key, at=datetime.now(UTC))
        if not claimed:
            log.info("ignored an event delivered again")
        return bool(claimed)

    # -- the work, in the background -----------------------------------------------------
    def answer(self, inbound: Inbound, conversation: Conversation) -> None:
        """Answer an accepted request in the background."""
        self.spawn(self.handle(inbound, conversation))

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._after_acks(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _after_acks(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await self.ack_first.quiet()
            await work
        finally:
            work.close()  # if cancelled before it started, no "never awaited" warning

    async def handle(self, inbound: Inbound, conversation: Conversation) -> None:
        """Resolve, dispatch, deliver; then close the request. Never raises."""
        try:
            reply, who = await self._reply(inbound, conversation)
            if reply.chart is not None:
                reply = await run_blocking(charts.with_png, reply)
            private = tuple(n for n in reply.notices if n.private) if who else ()
            if private:  # before the reply, which says who could not be reached
                reply = reply.undelivered(await self.send_private(private))
            await conversation.deliver(reply)
            public = tuple(n for n in reply.notices if not n.private)
            if public and who is not None:
                await self.send_notices(public, prefer=inbound.platform)
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("%s %s request failed (ref %s)", inbound.platform,
                          inbound.command, ref)
            try:
                await conversation.deliver(unexpected_error(ref, sandbox=self.sandbox))
            except Exception:  # the platform is unreachable: the sweep tells them later
                log.warning("could not tell the requester about ref %s", ref)
                return
        await self._close(inbound.key)

    async def _reply(self, inbound: Inbound,
                     conversation: Conversation) -> tuple[Reply, Requester | None]:
        if inbound.button and not inbound.text:
            return error_reply(UNKNOWN_BUTTON, sandbox=self.sandbox), None
        if inbound.command == "help":  # needs nobody's profile
            who = Requester(user=inbound.user, platform=inbound.platform, email="")
        else:
            try:
                who = await conversation.requester()
            except UserError as exc:
                return error_reply(exc.message, examples=exc.examples,
                                   sandbox=self.sandbox), None
        invitees: tuple[Invitee, ...] = ()
        tokens = inviting.find(inbound.text) if inbound.command == "schedule" else ()
        if tokens:
            invitees = await conversation.invitees(tokens, who)
        return await run_blocking(router.dispatch, self.services.ctx, who, inbound.text,
                                  invitees=invitees), who

    async def send_private(self, notices: tuple[Notice, ...]) -> tuple[str, ...]:
        """Each private notice, with its secrets, into its person's 1:1 chat with the
        bot (the platform of their chat id) and nowhere else; the names of those that
        could not be delivered. A delivered one's event is recorded."""
        failed: list[str] = []
        for notice in notices:
            user = notice.to
            platform = chat_platform(user)
            delivered = platform is not None and await notify.send(
                self.services.messengers, user=user, platform=platform, reply=notice.reply,
                private=True)
            if not delivered:
                failed.append(notice.name or "an invitee")
            elif notice.record is not None:
                try:
                    await run_blocking(self.services.store.add_event, notice.record)
                except Exception:  # the invitation went out: the count is what is lost
                    log.warning("could not record a delivered invitation", exc_info=True)
        return tuple(failed)

    async def send_notices(self, notices: tuple[Notice, ...], *, prefer: str) -> None:
        """Each notice privately to its person, on the platform they are known on (the
        requester's first); never raises: a notice is best effort."""
        for notice in notices:
            user = await self._chat_user(notice.to, prefer=prefer)
            if user is None:
                log.info("a notice had no chat user to go to")
                continue
            await notify.send(self.services.messengers, user=user,
                              platform=chat_platform(user) or "", reply=notice.reply)

    async def _chat_user(self, to: str, *, prefer: str) -> str | None:
        if chat_platform(to) is not None:
            return to  # already a chat user id
        messengers = self.services.messengers
        for name in sorted(messengers, key=lambda n: n != prefer):
            try:
                found = await messengers[name].user_for_email(to)
            except Exception as exc:
                log.info("looking a notice's person up in %s failed: %s", name,
                         type(exc).__name__)
                continue
            if found:
                return found
        return None

    async def _close(self, key: str) -> None:
        try:
            await run_blocking(self.services.store.close_request, key)
        except Exception:  # the sweep closes it later; the user was answered already
            log.warning("could not close an answered request", exc_info=True)

    # -- shutdown ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether an answer is in progress."""
        return any(not t.done() for t in list(self.tasks))

    async def drain(self, timeout: float = SHUTDOWN_GRACE) -> int:
        """Wait for answers in progress (the server is stopping); how many did not finish."""
        return await tasks.drain(self.tasks, timeout=timeout, what="chat answers")

    @property
    def sandbox(self) -> bool:
        return self.services.ctx.sandbox


def chat_platform(user: str) -> str | None:
    """The platform of a chat user id (``slack:T1:U1``, ``teams:<object id>``); None for
    an email, to be looked up on the platforms first."""
    platform, colon, _ = user.partition(":")
    return platform if colon and platform and "@" not in user else None
