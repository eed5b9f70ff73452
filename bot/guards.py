"""What every request body must pass before any route sees it.

- :class:`BodyLimit`: at most ``MAX_BODY`` bytes (64 KiB; Slack, Zoom and Teams send a few
  KiB), whatever the headers say → 413.
- :class:`ReadableBody`: a JSON body (or Slack's form field ``payload``, which is JSON)
  that cannot be parsed → 400, before a signature is checked or a framework parses it.
  Deep nesting included: 30,000 ``[`` once reached Bolt's and the access log's
  ``json.loads`` as a ``RecursionError``, a 500 with a traceback and a request missing
  from the access log and the metrics.

Both are pure ASGI middleware, so they answer before Starlette, Bolt or the Teams SDK
read anything.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.frontend import MAX_BODY


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: a body over ``max_bytes`` gets 413, whatever its headers say."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await self.too_large(send)

    async def too_large(self, send: Send) -> None:
        body = json.dumps({"ok": False, "error": "request_too_large",
                           "message": f"Request bodies are limited to {self.max_bytes} bytes."})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})


class ReadableBody:
    """Pure ASGI middleware: a JSON body that cannot be parsed gets 400 at once. The body
    (already capped by :class:`BodyLimit`) is read once and handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], receive, first=message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        ctype = dict(scope.get("headers") or []).get(b"content-type", b"").lower()
        if not readable(body, ctype):
            await _answer(send, 400, {"ok": False, "error": "invalid_body",
                                      "message": "The request body could not be read."})
            return
        await self.app(scope, _replay([body], receive), send)


def readable(body: bytes, content_type: bytes) -> bool:
    """Can this body be parsed as its content type says (JSON, or a form whose
    ``payload`` field is JSON)? Other content types, and no body at all, are the route's
    business."""
    if not body:
        return True
    try:
        if b"json" in content_type:
            json.loads(body)
        elif b"x-www-form-urlencoded" in content_type:
            form = parse_qs(body.decode("utf-8"), max_num_fields=200, strict_parsing=False)
            for payload in form.get("payload", []):
                json.loads(payload)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return False
    return True


def _replay(chunks: list[bytes], receive: Receive, *, first: Message | None = None
            ) -> Receive:
    """A ``receive`` that gives the body already read, then waits on the client's."""
    pending: list[Message] = [first] if first is not None else [
        {"type": "http.request", "body": c, "more_body": False} for c in chunks]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()
    return replay


async def _answer(send: Send, status: int, data: dict[str, object]) -> None:
    body = json.dumps(data).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
