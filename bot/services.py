"""What the composition root builds, typed by what each piece may do.

:class:`Services` is handed to the server, the front ends, the CLI and the tests. Its
fields are protocols (:mod:`commands.ports`, :class:`Messenger`), never concrete
classes, so a front end cannot reach past them into a backend. It is built once per
process by :func:`bot.bootstrap.bootstrap`; nothing else constructs clients.

A :class:`Messenger` is a platform's outbound half: it sends a direct message to one of
its users (live nudges, notices, the sweep's apologies; an invitation with its passcode,
privately) and can find a user by email.
One per configured platform, shared by that platform's front end and everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.config import Config
from bot.profiles import Profiles
from commands.context import Context, Requester
from commands.ports import Store, ZoomGateway
from commands.reply import Reply

log = logging.getLogger("securemeet")


class Messenger(Protocol):
    """A platform's outbound messages."""

    platform: str

    async def start(self) -> None:
        """Open connection pools in the server's event loop."""
        ...

    async def close(self) -> None: ...

    async def notify(self, user: str, reply: Reply) -> None:
        """Send ``reply`` (its public form) to ``user`` directly, in a 1:1 chat. ``user``
        is the core's id (``slack:T1:U1``, ``teams:<aad>``). May raise on failure."""
        ...

    async def send_private(self, user: str, reply: Reply) -> None:
        """Send the whole ``reply``, secrets included (an invitee's passcode), into
        ``user``'s 1:1 chat with the bot, and nowhere else: raise rather than post it
        anywhere another person could read it (a channel, a group chat), or when the
        bot has no 1:1 chat with them."""
        ...

    async def user_for_email(self, email: str) -> str | None:
        """This platform's user with ``email`` (the core's id), or None."""
        ...


class Sandbox(Protocol):
    """The built-in Zoom emulator, as the rest of the process sees it (sandbox mode)."""

    api_url: str


@dataclass
class Services:
    config: Config
    store: Store
    zoom: ZoomGateway
    ctx: Context
    profiles: Profiles
    messengers: dict[str, Messenger] = field(default_factory=dict)
    emulator: Sandbox | None = None
    _closers: list[Callable[[], object]] = field(default_factory=list, repr=False)

    def requester(self, *, user: str, platform: str, email: str, tz: str | None = None,
                  name: str = "", admin_by_email: bool = True,
                  platform_admin: bool = False) -> Requester:
        """A requester, an admin exactly when ``SECUREMEET_ADMINS`` names them: by their
        chat id (``slack:T1:U1`` or ``U1``; ``teams:<oid>`` or the Entra object id), or by
        email where the platform's email can be trusted for it (``admin_by_email``).
        ``platform_admin``: the platform's own admin flag, where the front end was told
        to trust it (``SECUREMEET_TRUST_SLACK_ADMINS``)."""
        ids = [user, user.split(":")[-1]] + ([email] if admin_by_email else [])
        is_admin = platform_admin or self.config.is_admin(*ids)
        return Requester(user=user, platform=platform, email=email.lower(),
                         tz=tz or self.config.default_tz, is_admin=is_admin, name=name)

    def close(self) -> None:
        """Close what was built, in reverse order; best effort."""
        for close in reversed(self._closers):
            try:
                close()
            except Exception:
                log.debug("close failed", exc_info=True)
        self._closers.clear()
