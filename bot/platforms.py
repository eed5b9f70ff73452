"""The chat platforms SecureMeet speaks: one registry line each.

A platform is a package under ``bot/`` (``bot/slack``, ``bot/teams``) whose
``__init__.py`` offers two factories, imported here by name:

- ``make_messenger(config, store) -> Messenger | None``: its outbound half (direct messages,
  finding a user by email), or None when its settings are missing. Built once by the
  composition root and shared.
- ``front_end(services, door, **options) -> FrontEnd``: its inbound routes, which
  translate the platform's requests into the front door's (:mod:`bot.frontdoor`) and
  render its replies. Built by the server.

The packages import their SDKs only inside those factories, so a platform that is
not configured costs no memory. To add one, see "Add a platform" in
``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

from types import ModuleType

from bot import slack, teams
from bot.config import Config
from bot.services import Messenger
from commands.ports import Store

PLATFORMS: dict[str, ModuleType] = {
    "slack": slack,
    "teams": teams,
}


def messengers(config: Config, store: Store) -> dict[str, Messenger]:
    """A messenger for every platform whose settings are present."""
    made = {}
    for name, platform in PLATFORMS.items():
        messenger = platform.make_messenger(config, store)
        if messenger is not None:
            made[name] = messenger
    return made
