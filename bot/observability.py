"""What the server did, for people and for Prometheus: one log line per request, metrics.

:class:`RequestLog` is a pure ASGI middleware, outermost on the app, so it sees every
request, including those refused before a route ran (401, 413). For each request it

* takes an id (``X-Request-Id`` when the caller sent a sane one, else a new one),
  puts it in :data:`request_id` — a context variable, so log lines from the request's
  later work (Bolt's lazy listeners are asyncio tasks started inside the request;
  :func:`bot.pool.run_blocking` copies the context into its threads) carry it — and
  echoes it in the response's ``x-request-id`` header;
* logs one line on ``securemeet.access``, logfmt (``key=value``)::

      request id=3f2a9c1d07e4 method=POST route=/slack/events command=schedule \
status=200 outcome=ok ms=11.8

  ``route`` is a route of the app (or ``other``), ``command`` what the body asked for
  (``schedule``, ``audit``, ``action:end``, ``event:app_home_opened`` …, only names from
  fixed lists), ``outcome`` follows from the status (``ok``, ``refused``,
  ``too_large``, ``error`` …). Never a body, a header value, a user id or a query string,
  so never a secret. The same fields are on the record as ``extra`` for JSON formatters;
* counts it in the metrics below.

:func:`metrics_route` serves ``GET /metrics`` in Prometheus' text format (the
``prometheus-client`` default registry: ours plus the process' CPU, memory and file
descriptors). Label values come from fixed sets, so a flood of odd requests cannot
grow the series. The metrics:

==========================================  =============================================
``securemeet_http_requests_total``           requests by route, method and status
``securemeet_http_request_seconds``          request latency by route (histogram)
``securemeet_http_errors_total``             5xx answers and unhandled exceptions, by route
``securemeet_slack_ack_seconds``             Slack's ack latency (limit 3 s), by kind
``securemeet_commands_total``                core commands by command and outcome
``securemeet_command_seconds``               core command latency (histogram)
``securemeet_zoom_calls_total``              Zoom API calls by route template and status
``securemeet_zoom_call_seconds``             Zoom API call latency (histogram)
==========================================  =============================================

Zoom calls are observed through the client's ``on_call`` hook (:func:`zoom_call`),
commands through :data:`commands.router.OBSERVERS` (:func:`command_done`).
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("securemeet.access")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

ROUTES = frozenset({"/healthz", "/livez", "/readyz", "/metrics", "/slack/events",
                    "/zoom/webhook", "/api/messages"})
PEEK_BYTES = 64 * 1024  # bodies over the server's limit are refused anyway
_INBOUND_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_WORD = re.compile(r"[a-z][a-z0-9_.-]{0,39}")

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter("securemeet_http_requests", "HTTP requests by route, method and status",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("securemeet_http_request_seconds", "HTTP request latency", ["route"],
                         buckets=_LATENCY)
HTTP_ERRORS = Counter("securemeet_http_errors", "5xx answers and unhandled exceptions",
                      ["route"])
SLACK_ACK_SECONDS = Histogram("securemeet_slack_ack_seconds",
                              "Slack ack latency: Slack gives up after 3 s", ["kind"],
                              buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0))
COMMANDS = Counter("securemeet_commands", "Core commands by command and outcome",
                   ["command", "outcome"])
COMMAND_SECONDS = Histogram("securemeet_command_seconds", "Core command latency", ["command"],
                            buckets=_LATENCY)
ZOOM_CALLS = Counter("securemeet_zoom_calls", "Zoom API calls by route and status",
                     ["route", "status"])
ZOOM_SECONDS = Histogram("securemeet_zoom_call_seconds", "Zoom API call latency", ["route"],
                         buckets=_LATENCY)

_ZOOM_ROUTE = re.compile(r"(GET|POST|PUT|PATCH|DELETE) /[A-Za-z0-9_/{}]{1,80}")
_COMMAND_WORDS: frozenset[str] | None = None


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return {401: "refused", 403: "refused", 404: "not_found", 405: "bad_method",
            413: "too_large", 429: "throttled", 503: "unavailable"}.get(
        status, "error" if status >= 500 else "bad_request")


def new_id() -> str:
    return secrets.token_hex(6)


class RequestLog:
    """Pure ASGI middleware: request id, one access line, metrics. Put it outermost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        inbound = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = inbound if _INBOUND_ID.fullmatch(inbound) else new_id()
        token = request_id.set(rid)
        route = scope["path"] if scope["path"] in ROUTES else "other"
        body = bytearray()
        status = 0

        async def peeking_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < PEEK_BYTES:
                body.extend(message.get("body", b"")[:PEEK_BYTES - len(body)])
            return message

        async def tagged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, peeking_receive, tagged_send)
        except Exception:
            status = status or 500  # Starlette's error middleware answers 500 after us
            raise
        finally:
            seconds = time.perf_counter() - started
            request_id.reset(token)
            try:  # the request log must never fail, whatever the body
                command = command_of(route, headers.get(b"content-type", b""), bytes(body))
            except Exception:
                command = "unreadable"
            self.record(rid, scope["method"], route, command, status, seconds)

    @staticmethod
    def record(rid: str, method: str, route: str, command: str, status: int,
               seconds: float) -> None:
        method = method if method in ("GET", "POST", "HEAD", "PUT", "DELETE") else "OTHER"
        outcome = outcome_of(status) if status else "no_response"  # the client went away
        HTTP_REQUESTS.labels(route, method, str(status)).inc()
        HTTP_SECONDS.labels(route).observe(seconds)
        if status == 0 or status >= 500:
            HTTP_ERRORS.labels(route).inc()
        if route == "/slack/events" and status and status < 400:
            SLACK_ACK_SECONDS.labels(command.split(":", 1)[0]).observe(seconds)
        ms = round(seconds * 1000, 1)
        log.info("request id=%s method=%s route=%s command=%s status=%s outcome=%s ms=%s",
                 rid, method, route, command, status, outcome, ms,
                 extra={"request_id": rid, "route": route, "command": command,
                        "status": status, "outcome": outcome, "latency_ms": ms})


def command_of(route: str, content_type: bytes, body: bytes) -> str:
    """What a request asked for, as one word from a fixed vocabulary (never user text)."""
    if route != "/slack/events" or not body:
        return "-"
    try:
        if b"json" in content_type:
            payload = json.loads(body)
            kind = str(payload.get("type") or "") if isinstance(payload, dict) else ""
            if kind == "event_callback":
                event = payload.get("event")
                name = str(event.get("type") or "") if isinstance(event, dict) else ""
                return "event:" + _word(name)
            return "event:" + _word(kind)
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
        if "payload" in form:
            return _action(json.loads(form["payload"][-1]))
        if "command" in form:
            return slash_command(form.get("text", [""])[-1])
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return "unreadable"
    return "unknown"


def slash_command(text: str) -> str:
    from commands import router

    name, _ = router.split(text)
    return name if name in _command_words() else "unknown"


def _action(payload: Any) -> str:
    if not isinstance(payload, dict):
        return "unreadable"
    if payload.get("type") != "block_actions":
        return "interaction:" + _word(str(payload.get("type") or ""))
    actions = payload.get("actions") or [{}]
    action_id = str(actions[0].get("action_id") or "") if isinstance(actions[0], dict) else ""
    parts = action_id.split(":")
    name = parts[1] if len(parts) == 3 and parts[0] == "securemeet" else ""
    return "action:" + (name if name in _command_words() | {"calendar"} else "unknown")


def _command_words() -> frozenset[str]:
    global _COMMAND_WORDS
    if _COMMAND_WORDS is None:
        from commands import router

        _COMMAND_WORDS = frozenset({*router.COMMANDS, "schedule", "help"})
    return _COMMAND_WORDS


def _word(text: str) -> str:
    return text if _WORD.fullmatch(text) else "unknown"


# --- hooks -----------------------------------------------------------------------------

def zoom_call(route: str, status: int, seconds: float) -> None:
    """The Zoom client's ``on_call`` hook: every attempt (status 0 = no answer)."""
    route = route if _ZOOM_ROUTE.fullmatch(route) else "other"
    ZOOM_CALLS.labels(route, str(status)).inc()
    ZOOM_SECONDS.labels(route).observe(seconds)


def command_done(command: str, outcome: str, seconds: float) -> None:
    """A :data:`commands.router.OBSERVERS` hook: one finished core command."""
    command = command if command in _command_words() else "unknown"
    COMMANDS.labels(command, outcome).inc()
    COMMAND_SECONDS.labels(command).observe(seconds)


def install_command_observer() -> None:
    from commands import router

    if command_done not in router.OBSERVERS:
        router.OBSERVERS.append(command_done)


# --- GET /metrics ----------------------------------------------------------------------

METRICS_OFF = ("/metrics is off on a server that listens beyond this machine: set "
               "SECUREMEET_METRICS_TOKEN and scrape it with that bearer token.")


def metrics_route(*, token: str = "", public: bool = False) -> Route:
    """``GET /metrics``. With ``SECUREMEET_METRICS_TOKEN`` it needs ``Authorization:
    Bearer <token>`` (401 otherwise); without one it is served only when the server
    listens on loopback alone (``public``: it does not; then 404 that says why)."""
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse({"error": "unauthorized",
                                     "message": "GET /metrics needs its bearer token."},
                                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
        elif public:
            return JSONResponse({"error": "metrics_off", "message": METRICS_OFF},
                                status_code=404)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record as ``request_id`` (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True
