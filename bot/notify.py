"""Delivering a direct message the bot starts itself, on whichever platform.

Live host duties, notices to a host and the sweep's apologies all reach a person the
same way: the :class:`bot.services.Messenger` of the platform they are known on
(``"slack:T1:U1"`` → Slack). Those messages are rendered in their *public* form
(secret facts dropped). The one exception is a private notice (an invitee's passcode):
``private=True`` hands the whole reply to the messenger's ``send_private``, which puts
it into that person's 1:1 chat with the bot or nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.services import Messenger
from commands.reply import Reply

log = logging.getLogger("securemeet.notify")


async def send(messengers: Mapping[str, Messenger], *, user: str, platform: str,
               reply: Reply, private: bool = False) -> bool:
    """Deliver ``reply``; False (logged) when the platform has no messenger or it failed.
    ``private``: the whole reply, secrets included, through the messenger's
    ``send_private`` (that user's 1:1 chat with the bot, or not at all)."""
    messenger = messengers.get(platform)
    if messenger is None:
        log.info("no %s messenger configured: a direct message was not delivered",
                 platform or "chat")
        return False
    try:
        if private:
            await messenger.send_private(user, reply)
        else:
            await messenger.notify(user, reply)
    except Exception as exc:  # best effort: never take a request or the webhook down
        log.warning("could not send a %s direct message: %s", platform, type(exc).__name__)
        return False
    return True
