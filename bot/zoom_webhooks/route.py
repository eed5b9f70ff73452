"""``POST /zoom/webhook``: Zoom's meeting events, for the host's live duties.

Answers, in order (docs/WEBHOOKS.md)::

    503  ZOOM_WEBHOOK_SECRET_TOKEN is not set: unsigned events are never accepted
    413  body over the server's limit (bot.guards.BodyLimit)
    400  a JSON body nobody can parse (bot.guards.ReadableBody), before the signature
    401  signature missing or wrong, or timestamp over 5 minutes off (nothing changes)
    400  signed, but not JSON, or not a Zoom event we can read (never a 500)
    200  endpoint.url_validation → {"plainToken": p, "encryptedToken": hex HMAC(p)}
    200  any other event: acknowledged at once; a meeting event is processed after,
         in the background (bot/zoom_webhooks/live_runner.py); events SecureMeet does not
         handle, and meetings it neither scheduled nor audited, are ignored

Zoom wants a 200 within 3 seconds and retries otherwise (after 5, 20 and 60 minutes),
so nothing slow happens before the answer: no database, no Zoom, no chat call.

Settings: ``SECUREMEET_LOCK_QUIET_SECONDS`` (default 120), the quiet period after the
last join before "lock the meeting"; ``SECUREMEET_WAITING_NUDGE_SECONDS`` (default 60),
the least time between two waiting-room nudges for a meeting;
``SECUREMEET_HOST_LEFT_SECONDS`` (default 30), how long the host must be gone, others
still in, before "end meeting for all" (read by :class:`bot.config.Config`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.frontdoor import FrontDoor
from bot.frontend import MAX_BODY, FrontEnd, unavailable
from bot.services import Services
from bot.zoom_webhooks import events as webhook_events
from bot.zoom_webhooks import signature
from bot.zoom_webhooks.live_runner import LiveRunner
from commands.live import LiveSettings

log = logging.getLogger("securemeet.zoom.webhook")

PATH = "/zoom/webhook"
NAME = "zoom_webhook"
OFF = ("Zoom webhooks are not configured: set ZOOM_WEBHOOK_SECRET_TOKEN to the Secret "
       "Token of your Zoom app's event subscription (see docs/WEBHOOKS.md). Unsigned "
       "events are never accepted.")

def front_end(services: Services, door: FrontDoor | None = None) -> FrontEnd:
    """Zoom webhooks for :mod:`bot.server`; off (503) without the secret token."""
    return build(services)[0]


def build(services: Services, *, settings: LiveSettings | None = None,
          clock: Callable[[], datetime] | None = None,
          wall_clock: Callable[[], float] = time.time) -> tuple[FrontEnd, LiveRunner | None]:
    """The front end and its runner (None when off). ``clock`` is the live logic's time,
    ``wall_clock`` the Unix time signatures are checked against; ``settings`` default to
    the configured timings."""
    secret = services.config.zoom_webhook_secret
    if not secret:
        return FrontEnd(NAME, "off", [unavailable(PATH, NAME, OFF)], reason=OFF), None
    runner = LiveRunner(services, settings=settings or services.config.live_settings,
                        clock=clock)
    hook = ZoomWebhook(secret, runner, wall_clock=wall_clock, now=clock or services.ctx.now)
    end = FrontEnd(NAME, "http", [Route(PATH, hook.endpoint, methods=["POST"])],
                   startup=runner.start, shutdown=runner.stop)
    return end, runner


class ZoomWebhook:
    def __init__(self, secret: str, runner: LiveRunner, *, wall_clock: Callable[[], float],
                 now: Callable[[], datetime]) -> None:
        self.secret = secret
        self.runner = runner
        self.wall_clock = wall_clock
        self.now = now

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(413, "request_too_large", f"Bodies are limited to {MAX_BODY} bytes.")
        verdict = signature.verify(self.secret, request.headers, body, now=self.wall_clock())
        if not verdict.ok:
            log.warning("zoom webhook refused: %s", verdict.error)
            return _error(401, verdict.error, verdict.message)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return _error(400, "invalid_json", "The body is not JSON.")
        try:
            if isinstance(data, dict) and data.get("event") == webhook_events.URL_VALIDATION:
                plain = webhook_events.plain_token(data)
                return JSONResponse({"plainToken": plain,
                                     "encryptedToken": signature.encrypted_token(self.secret,
                                                                                 plain)})
            event = webhook_events.parse(data, raw=body, now=self.now())
        except webhook_events.Malformed as exc:
            return _error(400, "invalid_event", str(exc))
        if event is None:
            return JSONResponse({"ok": True, "handled": False})
        self.runner.submit(event)
        return JSONResponse({"ok": True, "handled": True})


def _error(status: int, error: str, message: str) -> Response:
    return JSONResponse({"ok": False, "error": error, "message": message}, status_code=status)
