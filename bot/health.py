"""Health routes for load balancers and orchestrators, and the warm-up that gates them.

==============  ======================================================================
``/livez``      200 while the process runs and its event loop answers. Nothing else is
                checked: a container that fails this is restarted.
``/readyz``     200 once the server is *warm* and the database answers with the schema
                this build needs; 503 with a JSON reason otherwise (warming up, the
                database down, a migration missing). A replica that is not ready gets
                no traffic, so a deploy or a restart loses nothing.
``/healthz``    the mode, the version and which front ends are on (kept as it was).
==============  ======================================================================

Warm means whatever a first request would pay for is paid: the platform SDKs imported
and their clients started (Slack's ``auth.test``, the Teams SDK's keys), the blocking
pool's threads started, the database connection opened and checked, the Zoom access
token fetched. A Zoom that cannot be reached does not keep a replica out of rotation
(acknowledging Slack needs no Zoom); it is retried by the first call and reported here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import pool
from bot.pool import run_before_ack, run_blocking
from bot.services import Services

log = logging.getLogger("securemeet.server")

WARM_THREADS = 4  # pool threads started before the first request


class Readiness:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.warm = False
        self.zoom = "not tried"

    async def warm_up(self) -> None:
        """Pay now what the first request would pay; then the replica may be ready."""
        await asyncio.gather(  # threads started, each with its database connection
            *(run_blocking(self.services.store.ready) for _ in range(WARM_THREADS)),
            *(run_before_ack(self.services.store.ready) for _ in range(pool.BEFORE_ACK_SIZE)))
        try:
            await run_blocking(self.services.zoom.warm)
            self.zoom = "token ready"
        except Exception as exc:  # the first Zoom call tries again
            self.zoom = f"could not get a token yet ({type(exc).__name__})"
            log.warning("Zoom warm-up failed (%s); the first call will try again",
                        type(exc).__name__)
        self.warm = True

    async def livez(self, request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(self, request: Request) -> Response:
        if not self.warm:
            return not_ready("warming up")
        try:
            ok, why = await asyncio.wait_for(run_blocking(self.services.store.ready), 5)
        except Exception as exc:  # the pool is gone (stopping) or the check hung
            ok, why = False, f"the database check failed ({type(exc).__name__})"
        if not ok:
            return not_ready(why)
        return JSONResponse({"ready": True, "database": why, "zoom": self.zoom,
                             "threads": pool.size()})

    def routes(self) -> list[BaseRoute]:
        return [Route("/livez", self.livez, methods=["GET"]),
                Route("/readyz", self.readyz, methods=["GET"])]


def not_ready(reason: str) -> Response:
    body: dict[str, Any] = {"ready": False, "reason": reason}
    return JSONResponse(body, status_code=503)
