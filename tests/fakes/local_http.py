"""The lifecycle the HTTP fakes share: serve on 127.0.0.1 in a background thread.

A fake subclasses :class:`LocalHTTPFake`, sets ``handler`` to its request handler class
(which reaches the fake as ``self.owner``), and gets ``start``/``stop``, ``with`` and
``url``. The Zoom emulator runs on uvicorn instead (it is shipped, not a test fake).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # load tests connect in bursts
    allow_reuse_address = True


class LocalHTTPFake:
    handler: ClassVar[type[BaseHTTPRequestHandler]]

    _server: _Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        handler = type("Handler", (self.handler,), {"owner": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"
