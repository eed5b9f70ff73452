"""What a front end is to the server: its routes, whether it is on, start and stop.

A leaf module: front ends (Slack, Teams, Zoom webhooks) and the server both import it,
and it imports none of them, so neither depends on the other through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

MAX_BODY = 64 * 1024  # Slack, Zoom and Teams send a few KiB at most


@dataclass
class FrontEnd:
    name: str  # slack | zoom_webhook | teams
    status: str  # "off", or how it is reached: "http", "socket mode"
    routes: list[BaseRoute] = field(default_factory=list)
    reason: str = ""  # when off: why, and how to turn it on
    startup: Callable[[], Awaitable[Any]] | None = None
    shutdown: Callable[[], Awaitable[Any]] | None = None

    @property
    def enabled(self) -> bool:
        return self.status != "off"


def unavailable(path: str, name: str, message: str) -> Route:
    """A route for a front end that is off: 503 with a JSON body that says why."""
    async def endpoint(request: Request) -> Response:
        return JSONResponse({"ok": False, "error": f"{name}_not_configured",
                             "message": message}, status_code=503)
    return Route(path, endpoint, methods=["POST"])
