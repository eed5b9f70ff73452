"""Slack: ``/securemeet``, its buttons and the App Home tab, on a Bolt ``AsyncApp``.

The platform's two factories (:mod:`bot.platforms`): :func:`make_messenger`, its outbound
half (:mod:`bot.slack.messenger`), and :func:`front_end`, which plugs Slack into
:mod:`bot.server` over HTTP (``POST /slack/events``) or, with ``socket_mode``, over a
Socket Mode connection opened at server start-up. Without ``SLACK_BOT_TOKEN``/
``SLACK_SIGNING_SECRET`` Slack is off and the route answers 503 with a JSON body saying
how to turn it on. The SDKs are imported only when Slack is configured.
"""

from __future__ import annotations

import logging

from starlette.routing import Route

from bot.config import Config
from bot.frontdoor import FrontDoor
from bot.frontend import FrontEnd, unavailable
from bot.services import Messenger, Services
from commands.ports import Store

log = logging.getLogger("securemeet.slack")

PATH = "/slack/events"
OFF = ("Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
       "(see README, 'Install the Slack app').")
SOCKET = "Slack is connected through Socket Mode; this HTTP endpoint is not used."


class SocketModeUnavailable(ValueError):
    """``--socket-mode`` without the app-level token it needs."""


def check_socket_mode(config: Config, *, timeout: float = 15) -> None:
    """Before serving: can this app-level token open a Socket Mode connection?

    Once connected, the SDK rightly retries forever through network trouble; at start-up
    that would hang the server with a traceback per attempt. One ``apps.connections.open``
    here turns a wrong token or an unreachable Slack into one clear line instead.
    """
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    quiet = logging.getLogger("securemeet.slack.precheck")  # our one line says it all
    quiet.propagate = False
    quiet.addHandler(logging.NullHandler())
    client = WebClient(base_url=config.slack_api_url, timeout=int(timeout), logger=quiet)
    try:
        client.apps_connections_open(app_token=config.slack_app_token)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "unknown"
        raise SocketModeUnavailable(
            f"Slack refused SLACK_APP_TOKEN for Socket Mode ({error}): it must be the app's "
            "app-level token (xapp-…) with the connections:write scope, and Socket Mode "
            "must be on in the app's settings.") from exc
    except (OSError, TimeoutError) as exc:  # URLError, DNS, refused, timed out
        raise SocketModeUnavailable(
            f"Could not reach Slack at {config.slack_api_url} to open a Socket Mode "
            f"connection ({type(exc).__name__}). Check the network, or run `securemeet "
            "serve` without --socket-mode behind a public URL.") from exc


def make_messenger(config: Config, store: Store) -> Messenger | None:
    """Slack's outbound messages, when Slack is configured."""
    if not config.slack_enabled:
        return None
    from bot.slack.messenger import SlackMessenger

    return SlackMessenger(config)


def front_end(services: Services, door: FrontDoor, *, socket_mode: bool = False) -> FrontEnd:
    config = services.config
    sender = services.messengers.get("slack")
    if not config.slack_enabled or sender is None:
        return FrontEnd("slack", "off", [unavailable(PATH, "slack", OFF)], reason=OFF)
    if socket_mode and not config.slack_app_token:
        raise SocketModeUnavailable(
            "Socket Mode needs SLACK_APP_TOKEN: an app-level token (xapp-…) with the "
            "connections:write scope, made under the app's Basic Information → App-Level "
            "Tokens. Or run `securemeet serve` without --socket-mode behind a public URL.")
    from bot.slack.app import SlackFront
    from bot.slack.messenger import SlackMessenger

    assert isinstance(sender, SlackMessenger)
    front = SlackFront(services, sender, door)
    if not socket_mode:
        return FrontEnd("slack", "http", [Route(PATH, front.endpoint, methods=["POST"])])
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handlers: list[AsyncSocketModeHandler] = []

    async def start() -> None:
        # Made here, in the server's event loop: its aiohttp session needs a running loop
        # (made in create_app, it crashed `serve --socket-mode` before it could start).
        handler = AsyncSocketModeHandler(front.app, config.slack_app_token)
        handlers.append(handler)
        await handler.connect_async()
        log.warning("Slack: connected through Socket Mode")

    async def stop() -> None:
        while handlers:
            await handlers.pop().close_async()

    return FrontEnd("slack", "socket mode", [unavailable(PATH, "slack", SOCKET)],
                    startup=start, shutdown=stop)
