"""Slack's Socket Mode side on 127.0.0.1: a WebSocket that sends envelopes, collects acks.

Slack's protocol (api.slack.com/apis/socket-mode): the app calls
``apps.connections.open`` with its app-level token (the fake Slack Web API answers with
:attr:`FakeSocketMode.url`), connects, receives ``hello``, then gets each request as an
envelope ``{"envelope_id", "type", "payload", "accepts_response_payload"}`` and
acknowledges it by sending ``{"envelope_id", "payload"?}`` back on the socket.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._cond = threading.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        self.port = self._call(self._serve())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    # the test's side --------------------------------------------------------------------
    def wait_connected(self, timeout: float = 10) -> None:
        self._wait(lambda: self._ws is not None, timeout, "no Socket Mode connection")

    def send(self, envelope: dict[str, Any]) -> None:
        assert self._ws is not None, "wait_connected() first"
        self._call(self._ws.send_str(json.dumps(envelope)))

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        return self._wait(lambda: next((a for a in self.acks
                                        if a.get("envelope_id") == envelope_id), None),
                          timeout, f"no ack for envelope {envelope_id}")

    # the server -------------------------------------------------------------------------
    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A0SECUREMEET"}}))
        with self._cond:
            self._ws = ws
            self.connections += 1
            self._cond.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self._cond:
                    self.acks.append(json.loads(message.data))
                    self._cond.notify_all()
        return ws

    async def _shutdown(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def _wait(self, check: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (value := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(what)
                self._cond.wait(min(left, 0.05))
            return value
