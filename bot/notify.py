"""Direct messages the bot starts itself (live host duties), one sender per platform.

A :class:`Notifier` delivers a core ``Reply`` to one chat user, identified as the core
identifies requesters (``"slack:T1:U1"``, ``"teams:<aad id>"``). It is only ever given
replies without secrets, and renders the *public* form anyway (secret facts dropped).

Senders are made per platform by a factory in :data:`FACTORIES` (an explicit registry:
``platform → factory(services) → Notifier | None``; None when that front end is not
configured): Slack's is here, Teams' is ``bot/teams/notify.py``. Another platform adds
its own with ``notify.register("name", factory)``. A sender may have an ``async close()``,
called when the server stops (:func:`close_all`).

:func:`notifiers` builds every configured one, and :func:`send` delivers to the
platform a meeting was scheduled from, logging (never raising) when it cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from commands.reply import Reply

log = logging.getLogger("securemeet.notify")


class Notifier(Protocol):
    async def notify(self, user: str, reply: Reply) -> None:
        """Send ``reply`` to ``user`` directly (a 1:1 chat). May raise on failure."""
        ...


Factory = Callable[[Any], Notifier | None]


class SlackNotifier:
    """A Slack DM: ``conversations.open`` with the user, then ``chat.postMessage``."""

    def __init__(self, token: str, api_url: str) -> None:
        from bot.slack.app import web_client

        self.client = web_client(token, api_url)
        self._channels: dict[str, str] = {}  # user id → DM channel id

    async def notify(self, user: str, reply: Reply) -> None:
        from bot.slack import blocks

        user_id = user.rsplit(":", 1)[-1]
        channel = self._channels.get(user_id)
        if channel is None:
            opened = await self.client.conversations_open(users=user_id)
            channel = str((opened.get("channel") or {}).get("id") or "")
            if not channel:
                raise RuntimeError("conversations.open gave no channel")
            self._channels[user_id] = channel
        await self.client.chat_postMessage(channel=channel, **blocks.render(reply, public=True))


def slack_notifier(services: Any) -> Notifier | None:
    config = services.config
    if not config.slack_enabled:
        return None
    return SlackNotifier(config.slack_bot_token, config.slack_api_url)


def teams_notifier(services: Any) -> Notifier | None:
    """Teams' sender (``bot/teams/notify.py``): the user's 1:1 chat with the bot."""
    from bot.teams.notify import teams_notifier as make

    return make(services)


FACTORIES: dict[str, Factory] = {"slack": slack_notifier, "teams": teams_notifier}


def register(platform: str, factory: Factory) -> None:
    """Add (or replace) the sender factory for ``platform``."""
    FACTORIES[platform] = factory


def notifiers(services: Any) -> dict[str, Notifier]:
    """A sender for every platform whose front end is configured."""
    made: dict[str, Notifier] = {}
    for platform, factory in FACTORIES.items():
        notifier = factory(services)
        if notifier is not None:
            made[platform] = notifier
    return made


async def send(senders: Mapping[str, Notifier], *, user: str, platform: str,
               reply: Reply) -> bool:
    """Deliver ``reply``; False (logged) when the platform has no sender or it failed."""
    sender = senders.get(platform)
    if sender is None:
        log.info("no %s sender configured: a nudge was not delivered", platform or "chat")
        return False
    try:
        await sender.notify(user, reply)
    except Exception as exc:  # a nudge is best effort: never take the webhook down
        log.warning("could not send a %s direct message: %s", platform, type(exc).__name__)
        return False
    return True


async def close_all(senders: Mapping[str, Notifier]) -> None:
    for platform, sender in senders.items():
        close = getattr(sender, "close", None)
        if close is None:
            continue
        try:
            await close()
        except Exception:  # closing is best effort
            log.debug("closing the %s sender failed", platform, exc_info=True)
