"""The one ASGI server: every front end's routes on one Starlette app, run by uvicorn.

Routes (the contract in ``../shared/DESIGN.md``)::

    GET  /healthz         200 JSON: status, mode (sandbox | live), version, front ends
    GET  /livez           200 while the process runs (bot/health.py)
    GET  /readyz          200 once warm and the database is ready, else 503 and why
    GET  /metrics         Prometheus text (bot/observability.py; a bearer token, or off
                          beyond loopback without one)
    POST /slack/events    Slack: slash command, buttons, events (bot/slack)
    POST /zoom/webhook    Zoom webhooks (bot/zoom_webhooks)
    POST /api/messages    Microsoft Teams (bot/teams)

The front ends come from :mod:`bot.platforms` (each platform's ``front_end(services,
door)``) and the Zoom webhooks; each is a :class:`bot.frontend.FrontEnd`: its routes,
whether it is on, and optional start-up and shutdown coroutines. A front end whose
secrets are missing is off: it logs one line saying how to turn it on, and its route
answers 503 with a JSON body saying the same, so the rest of the server still starts.

Every request body passes :mod:`bot.guards` first (at most 64 KiB → 413; a body nobody
can parse → 400). Blocking work runs on :mod:`bot.pool`, never on the loop.
``serve()`` runs one uvicorn worker; SIGTERM/SIGINT stop accepting, let requests in
flight finish, then let each front end finish the replies it has started.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import PackageNotFoundError, version

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import guards, observability, pool
from bot.frontdoor import FrontDoor
from bot.frontend import MAX_BODY, FrontEnd
from bot.health import Readiness
from bot.platforms import PLATFORMS
from bot.recovery import RecoveryLoop
from bot.services import Services
from bot.zoom_webhooks import route as webhooks

log = logging.getLogger("securemeet.server")

DEFAULT_PORT = 3000
LOOPBACK = ("127.0.0.1", "localhost", "::1")
GRACEFUL_SECONDS = 30


def front_ends(services: Services, door: FrontDoor, *,
               socket_mode: bool = False) -> list[FrontEnd]:
    """Every front end, in a fixed order: each chat platform (:mod:`bot.platforms`),
    then Zoom's webhooks."""
    found = []
    for name, platform in PLATFORMS.items():
        options = {"socket_mode": socket_mode} if name == "slack" else {}
        found.append(platform.front_end(services, door, **options))
    found.append(webhooks.front_end(services, door))  # POST /zoom/webhook
    return found


def package_version() -> str:
    try:
        return version("securemeet")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(services: Services, *, socket_mode: bool = False,
               door: FrontDoor | None = None, ends: list[FrontEnd] | None = None,
               max_body: int = MAX_BODY, public: bool = False) -> Starlette:
    """The ASGI app for ``services`` (built by :func:`bot.bootstrap.bootstrap`). Tests may
    give their own front ends (``ends``) and the door they share."""
    door = door or FrontDoor(services)
    ends = front_ends(services, door, socket_mode=socket_mode) if ends is None else ends
    config = services.config
    sweeper = RecoveryLoop(services)  # creates a crash interrupted (bot/recovery.py)
    readiness = Readiness(services)  # GET /livez, /readyz (bot/health.py)
    health = {
        "status": "ok",
        "mode": "sandbox" if config.sandbox else "live",
        "version": package_version(),
        "front_ends": {f.name: f.status for f in ends},
    }

    async def healthz(request: Request) -> Response:
        return JSONResponse(health)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for end in ends:
            if not end.enabled:
                log.warning("%s front end off: %s", end.name, end.reason or "not configured")
        for messenger in services.messengers.values():
            await messenger.start()
        for end in ends:
            if end.startup is not None:
                await end.startup()
        await sweeper.start()
        await readiness.warm_up()
        try:
            yield
        finally:
            await sweeper.stop()
            for end in reversed(ends):
                if end.shutdown is not None:
                    try:
                        await end.shutdown()
                    except Exception:
                        log.exception("%s front end did not shut down cleanly", end.name)
            await door.drain()
            for name, messenger in services.messengers.items():
                try:
                    await messenger.close()
                except Exception:  # closing is best effort
                    log.debug("closing the %s messenger failed", name, exc_info=True)
            pool.shutdown(wait=True)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]), *readiness.routes(),
        observability.metrics_route(token=config.metrics_token, public=public)]
    for end in ends:
        routes += end.routes
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(guards.ReadableBody)  # a body none can parse: 400, before any route
    app.add_middleware(guards.BodyLimit, max_bytes=max_body)
    app.add_middleware(observability.RequestLog)  # outermost: it sees 413s and 400s too
    observability.install_command_observer()
    app.state.services = services
    app.state.front_ends = ends
    app.state.door = door
    return app


def serve(services: Services, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          socket_mode: bool = False) -> None:
    """Run the server until SIGINT/SIGTERM (one uvicorn worker, graceful shutdown)."""
    public = host not in LOOPBACK
    if public and not services.config.metrics_token:
        log.warning(observability.METRICS_OFF)
    app = create_app(services, socket_mode=socket_mode, public=public)
    config = uvicorn.Config(app, host=host, port=port, workers=1, log_config=None,
                            lifespan="on", backlog=2048, proxy_headers=True,
                            timeout_graceful_shutdown=GRACEFUL_SECONDS, server_header=False)
    Server(config).run()


class Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would kill the
    process before the CLI closes the store and the emulator. We did shut down: exit 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                if self._captured_signals:
                    log.warning("stopped by signal %d after a graceful shutdown",
                                self._captured_signals[-1])
                self._captured_signals.clear()
