"""Microsoft Teams: messages to the bot, its card buttons, installations.

:func:`front_end` plugs Teams into :mod:`bot.server` at ``POST /api/messages``. Without
``TEAMS_APP_ID``/``TEAMS_APP_PASSWORD`` Teams is off: the route answers 503 with a
JSON body saying how to turn it on, and the server logs one line. For local
development without an Azure bot, ``TEAMS_ALLOW_UNAUTHENTICATED=1`` serves the route
*without* checking tokens (refused together with an app id).
"""

from __future__ import annotations

from typing import Any

PATH = "/api/messages"
OFF = ("Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD (and "
       "TEAMS_TENANT_ID for a single-tenant bot); see README, 'Install the Teams app'.")


def front_end(services: Any, *, cloud: Any = None, token: Any = None) -> Any:
    """``cloud`` and ``token`` are test seams, see :class:`bot.teams.app.TeamsBot`."""
    from starlette.routing import Route

    from bot.frontend import FrontEnd, unavailable

    config = services.config
    if not config.teams_on:
        return FrontEnd("teams", "off", [unavailable(PATH, "teams", OFF)], reason=OFF)
    from bot.teams.app import TeamsBot

    bot = TeamsBot(services, cloud=cloud, token=token)
    status = "http" if config.teams_enabled else "http, unauthenticated (development)"
    end = FrontEnd("teams", status, [Route(PATH, bot.endpoint, methods=["POST"])],
                   startup=bot.start, shutdown=bot.stop)
    end.bot = bot  # type: ignore[attr-defined]  # for tests: is a reply in progress?
    return end
