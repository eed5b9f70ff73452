"""Proactive Teams messages (live host duties): the ``Notifier`` for ``teams:`` users.

A host who scheduled from Teams gets the nudges of a live meeting ("5 in, 2 waiting —
lock the meeting once everyone is in") in their 1:1 chat with the bot. The chat is
found from the conversation references the bot keeps (``storage/teams.py``): the
user's 1:1 chat if the bot has one, else one is created through the Bot Connector API
(``POST {serviceUrl}/v3/conversations``) from a conversation the user was seen in,
and remembered. With no reference at all the user never wrote to the bot or installed
it, and :meth:`TeamsNotifier.notify` raises :class:`NoConversation`.

Only the public form of a reply is ever sent (secret facts dropped), as for every
proactive message. The SDK ``App`` used here has no handlers and serves no route: it
only holds the credentials and the token cache for outbound calls.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from bot.pool import run_blocking
from commands.records import TeamsConversation
from commands.reply import Reply

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import Account, ConversationAccount
    from microsoft_teams.api.clients.conversation.params import CreateConversationParams

log = logging.getLogger("securemeet.teams")


class NoConversation(LookupError):
    """The bot has never seen this user, so it has nowhere to write to them."""


class TeamsNotifier:
    def __init__(self, services: Any, *, cloud: Any = None, token: Any = None) -> None:
        self.services = services
        self._options = {"cloud": cloud, "token": token}
        self._app: Any = None

    @property
    def app(self) -> Any:
        if self._app is None:
            from bot.teams.app import TeamsBot

            self._app = TeamsBot(self.services, **self._options).app
        return self._app

    async def notify(self, user: str, reply: Reply) -> None:
        """Send ``reply`` (its public form) to ``user``'s 1:1 chat with the bot."""
        refs: list[TeamsConversation] = await run_blocking(
            self.services.store.teams_conversations, user)
        if not refs:
            raise NoConversation(f"no Teams conversation known for {user}")
        personal = next((r for r in refs if r.kind == "personal"), None)
        ref = personal or next((r for r in refs if r.member_id and r.bot_id), None)
        if ref is None:
            raise NoConversation(f"no Teams address known for {user}")
        api = self.app.api.clone(service_url=ref.service_url)
        conversation_id = ref.conversation_id if personal else await self._open(api, ref)
        from bot.teams.app import message_input

        outgoing = message_input(reply, public=True)
        outgoing.from_ = Account(id=ref.bot_id) if ref.bot_id else None
        outgoing.conversation = ConversationAccount(id=conversation_id)
        await api.conversations.create_activity(conversation_id, outgoing)

    async def _open(self, api: Any, ref: TeamsConversation) -> str:
        """Create the user's 1:1 chat with the bot and remember it."""
        tenant = ref.tenant_id
        params = CreateConversationParams(
            members=[Account(id=ref.member_id)], tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
            bot={"id": ref.bot_id}, isGroup=False)
        created = await api.conversations.create(params)
        await run_blocking(self.services.store.save_teams_conversation, TeamsConversation(
            conversation_id=created.id, user=ref.user, kind="personal",
            service_url=ref.service_url, tenant_id=tenant, member_id=ref.member_id,
            bot_id=ref.bot_id))
        return created.id

    async def close(self) -> None:
        if self._app is not None:
            for client in (self._app.http_client, self._app.api.http):
                await client.http.aclose()


def teams_notifier(services: Any) -> TeamsNotifier | None:
    """The factory for ``bot.notify``: a sender when Teams is configured."""
    return TeamsNotifier(services) if services.config.teams_on else None
