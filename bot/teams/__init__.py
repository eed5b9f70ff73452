"""Microsoft Teams: messages to the bot, its card buttons, installations.

The platform's two factories (:mod:`bot.platforms`): :func:`make_messenger` builds the
process' one SDK ``App`` and its outbound messages (:mod:`bot.teams.messenger`);
:func:`front_end` plugs Teams into :mod:`bot.server` at ``POST /api/messages`` on that
same ``App``. Without ``TEAMS_APP_ID``/``TEAMS_APP_PASSWORD`` Teams is off: the route
answers 503 with a JSON body saying how to turn it on, and the server logs one line.
For local development without an Azure bot, ``TEAMS_ALLOW_UNAUTHENTICATED=1`` serves
the route *without* checking tokens (refused together with an app id). The SDK is
imported only when Teams is on.
"""

from __future__ import annotations

from starlette.routing import Route

from bot.config import Config
from bot.frontdoor import FrontDoor
from bot.frontend import FrontEnd, unavailable
from bot.services import Messenger, Services
from commands.ports import Store

PATH = "/api/messages"
OFF = ("Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD (and "
       "TEAMS_TENANT_ID for a single-tenant bot); see README, 'Install the Teams app'.")


def make_messenger(config: Config, store: Store) -> Messenger | None:
    """The one Teams ``App`` and its outbound messages, when Teams is on."""
    if not config.teams_on:
        return None
    from bot.teams.messenger import TeamsMessenger

    return TeamsMessenger(config, store)


def front_end(services: Services, door: FrontDoor) -> FrontEnd:
    sender = services.messengers.get("teams")
    if not services.config.teams_on or sender is None:
        return FrontEnd("teams", "off", [unavailable(PATH, "teams", OFF)], reason=OFF)
    from bot.teams.app import TeamsFront
    from bot.teams.messenger import TeamsMessenger

    assert isinstance(sender, TeamsMessenger)
    front = TeamsFront(services, sender, door)
    status = "http" if services.config.teams_enabled else "http, unauthenticated (development)"
    return FrontEnd("teams", status, [Route(PATH, front.endpoint, methods=["POST"])])
