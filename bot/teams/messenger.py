"""Teams' outbound half: the process' one SDK ``App``, and messages the bot starts itself.

A host who scheduled from Teams gets the nudges of a live meeting ("5 in, 2 waiting —
lock the meeting once everyone is in"), notices and the sweep's apologies in their 1:1
chat with the bot. The chat is found from the conversation references the bot keeps
(:class:`commands.records.TeamsConversation`): the user's 1:1 chat if the bot has one,
else one is created through the Bot Connector API (``POST {serviceUrl}/v3/
conversations``) from a conversation the user was seen in, and remembered. With no
reference at all the user never wrote to the bot or installed it, and
:meth:`TeamsMessenger.notify` raises :class:`NoConversation`.

Only the public form of a reply is ever sent this way (secret facts dropped). The same
``App`` serves the Teams front end (``bot/teams/app.py``), which registers its handlers
on it: one set of credentials, one token cache, one set of HTTP clients per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from typing import Any

from bot.config import Config
from bot.pool import run_blocking
from bot.teams import cards, sdk
from commands.ports import ConversationStore
from commands.records import TeamsConversation
from commands.reply import Reply

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import Account, ConversationAccount
    from microsoft_teams.api.clients.conversation.params import CreateConversationParams

log = logging.getLogger("securemeet.teams")

KEYS_REFRESH = 240.0  # seconds; the SDK's signing-key cache lives 300


class NoConversation(LookupError):
    """The bot has never seen this user, so it has nowhere to write to them."""


class TeamsMessenger:
    platform = "teams"

    def __init__(self, config: Config, store: ConversationStore, *, cloud: Any = None,
                 token: Any = None) -> None:
        """``cloud`` and ``token`` are test seams (see :func:`bot.teams.sdk.make_app`)."""
        self.app, self.adapter = sdk.make_app(config, cloud=cloud, token=token)
        self.store = store
        self._started = False
        self._keys_task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        await self.app.initialize()
        self._started = True
        if self._jwks_client() is not None:
            self._keys_task = asyncio.get_running_loop().create_task(self._fresh_keys())

    async def close(self) -> None:
        if self._keys_task is not None:
            self._keys_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keys_task
            self._keys_task = None
        await sdk.close(self.app)

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

    # -- the Messenger side ----------------------------------------------------------
    async def notify(self, user: str, reply: Reply) -> None:
        """Send ``reply`` (its public form) to ``user``'s 1:1 chat with the bot."""
        refs = await run_blocking(self.store.teams_conversations, user)
        if not refs:
            raise NoConversation(f"no Teams conversation known for {user}")
        personal = next((r for r in refs if r.kind == "personal"), None)
        ref = personal or next((r for r in refs if r.member_id and r.bot_id), None)
        if ref is None:
            raise NoConversation(f"no Teams address known for {user}")
        api = self.app.api.clone(service_url=ref.service_url)
        conversation_id = ref.conversation_id if personal else await self.open_personal(
            api, ref)
        await self.send(api, conversation_id, reply, public=True, bot_id=ref.bot_id)

    async def send_private(self, user: str, reply: Reply) -> None:
        """The whole ``reply`` into ``user``'s 1:1 chat with the bot, or nothing: only a
        remembered personal conversation will do (never a group chat or a channel, and
        none is opened on the user's behalf)."""
        refs = await run_blocking(self.store.teams_conversations, user)
        personal = next((r for r in refs if r.kind == "personal"), None)
        if personal is None:
            raise NoConversation(f"no 1:1 Teams chat known for {user}")
        api = self.app.api.clone(service_url=personal.service_url)
        await self.send(api, personal.conversation_id, reply, public=False,
                        bot_id=personal.bot_id)

    async def user_for_email(self, email: str) -> str | None:
        users = await run_blocking(self.store.teams_users_with_email, email)
        return users[0] if users else None

    # -- shared with the front end ---------------------------------------------------
    async def send(self, api: Any, conversation_id: str, reply: Reply, *, public: bool,
                   bot_id: str = "") -> None:
        """Post ``reply`` as a card into a conversation, through ``api`` (the SDK's client
        for that conversation's service URL)."""
        outgoing = sdk.message_input(cards.message(reply, public=public))
        outgoing.from_ = Account(id=bot_id) if bot_id else None
        outgoing.conversation = ConversationAccount(id=conversation_id)
        await api.conversations.create_activity(conversation_id, outgoing)

    async def open_personal(self, api: Any, ref: TeamsConversation) -> str:
        """Create the user's 1:1 chat with the bot (from where they were seen) and
        remember it."""
        tenant = ref.tenant_id
        params = CreateConversationParams(
            members=[Account(id=ref.member_id)], tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
            bot={"id": ref.bot_id}, isGroup=False)
        created = await api.conversations.create(params)
        if ref.user:
            await run_blocking(self.store.save_teams_conversation, TeamsConversation(
                conversation_id=created.id, user=ref.user, kind="personal",
                service_url=ref.service_url, tenant_id=tenant, member_id=ref.member_id,
                bot_id=ref.bot_id))
        return created.id
