"""Microsoft's Teams SDK (``microsoft-teams-apps``), made once, told everything explicitly.

Why this SDK: it is Microsoft's current, supported way to build Teams bots in Python
(``microsoft/teams.py``, generally available, 2.x); the Bot Framework SDK (BotBuilder)
it replaces is archived and unsupported since the end of 2025.

Why so careful: left alone, the SDK reads its credentials from the environment
(``CLIENT_ID``, ``CLIENT_SECRET``, ``TENANT_ID``, ``MANAGED_IDENTITY_CLIENT_ID``,
``DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS``, ``CLOUD``, ``SERVICE_URL``) and loads a
``.env`` file from the working directory into it when imported. Credentials that
SecureMeet's own settings never saw could then switch token checking on or off behind
its back. So the SDK is imported with ``.env`` loading disabled, and :func:`make_app`
builds the one ``App`` of a process with every option given from ``Config`` while those
variables are hidden from it.

How it is mounted: the SDK owns a web framework only through an ``HttpServerAdapter``
protocol. :class:`RouteAdapter` is ours: the SDK registers its handler for
``POST /api/messages`` with it, and our Starlette route calls that handler, so the
request's Bot Framework JWT is validated by the SDK's own code (issuer, audience = our
app id, signature against Microsoft's published keys, expiry, and the ``serviceurl``
claim against the activity's ``serviceUrl``) before any of ours runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from typing import Any

from bot.config import SDK_CREDENTIALS, Config
from bot.teams.retry import Retrying

# The SDK logs every activity it receives, whole, at DEBUG: a Zoom link pasted for a
# preview (composeExtension/queryLink) may carry its passcode. Its INFO lines stay.
logging.getLogger("microsoft_teams.apps.app_process").setLevel(logging.INFO)

PATH = "/api/messages"
TIMEOUT = 15.0  # seconds, for every Bot Connector call

# What the SDK would read from the environment if we let it.
SDK_ENV = (*SDK_CREDENTIALS,  # what Config refuses beside live credentials, and more
           "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "CLOUD", "SERVICE_URL", "PORT")

os.environ.setdefault("PYTHON_DOTENV_DISABLED", "1")  # the SDK loads .env when imported
with warnings.catch_warnings():
    # microsoft_teams.apps builds a default policy for its HTML widgets (a preview
    # feature SecureMeet does not use) at import time, which warns that it is a preview.
    warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
    from microsoft_teams.api import Attachment, MessageActivityInput
    from microsoft_teams.apps import App
    from microsoft_teams.common import ClientOptions


class RouteAdapter:
    """The SDK's ``HttpServerAdapter`` for a server we run: it only records the handler
    the SDK registers, and the Teams front end calls it."""

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def register_route(self, method: str, path: str, handler: Any) -> None:
        if method != "POST":
            raise ValueError(f"unsupported method {method}")
        self.handlers[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("SecureMeet serves no static files for Teams")

    async def start(self, port: int) -> None:
        raise RuntimeError("Teams is served by `securemeet serve`, not by the SDK")

    async def stop(self) -> None:
        return None


@contextlib.contextmanager
def _hidden_sdk_env() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in SDK_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def make_app(config: Config, *, cloud: Any = None, token: Any = None) -> tuple[App, RouteAdapter]:
    """The process' one Teams ``App``, from ``config`` only. ``cloud`` (a
    ``CloudEnvironment``) and ``token`` (an outbound token provider) are test seams: a
    local OpenID/JWKS endpoint, and no calls to Entra ID."""
    adapter = RouteAdapter()
    options: dict[str, Any] = {
        "client_id": config.teams_app_id or None,
        "client_secret": (config.teams_app_password or None) if token is None else None,
        "tenant_id": config.teams_tenant_id or None,
        "token": token,
        "cloud": cloud,
        "dangerously_allow_unauthenticated_requests": config.teams_allow_unauthenticated,
        "http_server_adapter": adapter,
        "messaging_endpoint": PATH,
        "state": False,
        "client": ClientOptions(timeout=TIMEOUT),
    }
    with _hidden_sdk_env():
        app = App(**{k: v for k, v in options.items() if v is not None})
    for client in (app.http_client, app.api.http):  # every activity's client is made from
        client.use(Retrying())                      # the first, so each one retries
    return app, adapter


def message_input(payload: dict[str, Any]) -> MessageActivityInput:
    """The SDK's outgoing message for a rendered card message (:func:`cards.message`)."""
    attachments = [Attachment(content_type=a["contentType"], content=a.get("content"),
                              content_url=a.get("contentUrl"), name=a.get("name"))
                   for a in payload["attachments"]]
    return MessageActivityInput(summary=payload["summary"], attachments=attachments)


async def close(app: App) -> None:
    """Close the SDK's HTTP clients (it never does)."""
    for client in (app.http_client, app.api.http):
        with contextlib.suppress(Exception):
            await client.http.aclose()
