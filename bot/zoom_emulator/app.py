"""The emulator's HTTP face: a Starlette app speaking Zoom's REST API, plus test controls.

``/oauth/token`` and ``/v2/...`` follow ``zoom-openapi-excerpt.json``; ``/_emulator/...``
lets a test in another process steer the emulator (inject failures, latency, users,
locks) and read what it holds. Every API request goes through :func:`_api`: latency,
then an injected failure if one matches, then the bearer-token check, then the rate
limits when they are on (:mod:`bot.zoom_emulator.limits`), then the handler.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.zoom_emulator.meetings import ApiError
from bot.zoom_emulator.state import Delay, Failure, ZoomState

Handler = Callable[[ZoomState, Request, Any], tuple[int, Any]]


def build_app(state: ZoomState, stopping: threading.Event) -> ASGIApp:
    def api(handler: Handler, *, body: bool = False, auth: bool = True) -> Callable[
            [Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await _api(state, stopping, request, handler, body=body, auth=auth)
        return endpoint

    u, m = "/v2/users/{user}", "/v2/meetings/{meeting_id}"
    routes = [
        Route("/oauth/token", api(_token, auth=False), methods=["POST"]),
        Route(u, api(lambda s, r, b: (200, s.get_user(_p(r, "user")))), methods=["GET"]),
        Route(u + "/meetings", api(lambda s, r, b: (200, s.list_meetings(
            _p(r, "user"), r.query_params))), methods=["GET"]),
        Route(u + "/meetings", api(lambda s, r, b: (201, s.create_meeting(_p(r, "user"), b)),
                                   body=True), methods=["POST"]),
        Route(u + "/settings", api(lambda s, r, b: (200, s.user_settings(
            _p(r, "user"), r.query_params.get("option")))), methods=["GET"]),
        Route(u + "/settings", api(lambda s, r, b: (204, s.patch_user_settings(
            _p(r, "user"), b)), body=True), methods=["PATCH"]),
        Route(m, api(lambda s, r, b: (200, s.get_meeting(_p(r, "meeting_id")))),
              methods=["GET"]),
        Route(m, api(lambda s, r, b: (204, s.update_meeting(
            _p(r, "meeting_id"), b, r.query_params.get("occurrence_id"))), body=True),
              methods=["PATCH"]),
        Route(m, api(lambda s, r, b: (204, s.delete_meeting(
            _p(r, "meeting_id"), r.query_params.get("occurrence_id"), r.query_params))),
              methods=["DELETE"]),
        Route(m + "/status", api(lambda s, r, b: (204, s.meeting_status(
            _p(r, "meeting_id"), b)), body=True), methods=["PUT"]),
        Route("/v2/accounts/{account}/lock_settings", api(lambda s, r, b: (200, s.lock_settings(
            _p(r, "account"), r.query_params.get("option")))), methods=["GET"]),
        *_control_routes(state),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return _Recorder(app, state)


async def _api(state: ZoomState, stopping: threading.Event, request: Request,
               handler: Handler, *, body: bool, auth: bool) -> Response:
    epoch = state.epoch
    try:
        raw = await request.body()  # read first, as a server does, then take its time
    except ClientDisconnect:
        return Response(status_code=400)
    await _pause(state.latency + state.take_delay(request.method, request.url.path), stopping)
    if stopping.is_set() or epoch != state.epoch:
        return _error(ApiError(503, 503, "The emulator was reset or is stopping."))
    failure = state.take_failure(request.method, request.url.path)
    if failure is not None and not failure.after:
        return _error(failure.error())
    try:
        if auth:
            state.check_token(request.headers.get("authorization"))
            refused = state.limiter.admit(request.method, request.url.path)
            if refused is not None:
                raise refused
        status, result = handler(state, request, _json(raw) if body else raw)
    except ApiError as exc:
        response = _error(exc)
    else:
        response = Response(status_code=204) if status == 204 else JSONResponse(
            result, status_code=status)
    return _error(failure.error()) if failure is not None else response


def _token(state: ZoomState, request: Request, raw: bytes) -> tuple[int, Any]:
    form = dict(parse_qsl(raw.decode("utf-8", "replace")))
    form.update((k, v) for k, v in request.query_params.items() if k not in form)
    return 200, state.issue_token(request.headers.get("authorization"), form)


async def _pause(seconds: float, stopping: threading.Event) -> None:
    """Sleep ``seconds`` without delaying a shutdown."""
    deadline = time.monotonic() + seconds
    while not stopping.is_set() and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.05))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None  # handlers answer 300 "Request Body should be a valid JSON object."


def _p(request: Request, name: str) -> str:
    return str(request.path_params[name])


def _error(exc: ApiError) -> Response:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    return JSONResponse({"code": status, "message": str(getattr(exc, "detail", "Error"))},
                        status_code=status)


class _Recorder:
    """ASGI wrapper that logs (method, path, status) of every Zoom-facing request."""

    def __init__(self, app: ASGIApp, state: ZoomState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_emulator"):
            await self.app(scope, receive, send)
            return
        recorded = False

        async def recording_send(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                # Before the reply leaves: a client that saw it must find it in the log.
                recorded = True
                self.state.record(scope["method"], scope["path"], message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            if not recorded:
                self.state.record(scope["method"], scope["path"], 0)


# --- /_emulator controls -----------------------------------------------------------


def _control_routes(state: ZoomState) -> list[Route]:
    def control(action: Callable[[dict[str, Any], Request], Any]) -> Callable[
            [Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            try:
                args = json.loads(raw) if raw else {}
                if not isinstance(args, dict):
                    raise ValueError("send a JSON object")
                result = action(args, request)
            except (ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
            except ApiError as exc:
                return _error(exc)
            return JSONResponse({"ok": True} if result is None else result)
        return endpoint

    def fail_next(a: dict[str, Any], _: Request) -> None:
        state.add_failure(Failure(
            remaining=int(a.get("n", 1)), status=int(a.get("status", 503)),
            retry_after=None if a.get("retry_after") is None else str(a["retry_after"]),
            code=a.get("code"), message=a.get("message"), path_contains=a.get("path_contains"),
            method=a.get("method"), after=bool(a.get("after", False)),
            headers={str(k): str(v) for k, v in (a.get("headers") or {}).items()}))

    def delay_next(a: dict[str, Any], _: Request) -> None:
        state.add_delay(Delay(remaining=int(a.get("n", 1)), seconds=float(a["seconds"]),
                              path_contains=a.get("path_contains"), method=a.get("method")))

    def add_user(a: dict[str, Any], _: Request) -> Any:
        email = a.pop("email")
        return state.add_user(email, **a)

    def set_latency(a: dict[str, Any], _: Request) -> None:
        state.latency = float(a["seconds"])

    def set_limits(a: dict[str, Any], _: Request) -> dict[str, Any]:
        state.limiter.set_plan(a.get("plan") or None)
        return {"plan": state.limiter.plan}

    return [
        Route("/_emulator/fail_next", control(fail_next), methods=["POST"]),
        Route("/_emulator/latency", control(set_latency), methods=["POST"]),
        Route("/_emulator/limits", control(set_limits), methods=["POST"]),
        Route("/_emulator/delay_next", control(delay_next), methods=["POST"]),
        Route("/_emulator/users", control(add_user), methods=["POST"]),
        Route("/_emulator/lock", control(
            lambda a, _: state.lock_setting(a["path"], a["value"])), methods=["POST"]),
        Route("/_emulator/unlock", control(
            lambda a, _: state.unlock_setting(a["path"])), methods=["POST"]),
        Route("/_emulator/user_settings", control(
            lambda a, _: state.patch_user_settings(a["email"], a["patch"], force=True)),
            methods=["POST"]),
        Route("/_emulator/start_meeting", control(
            lambda a, _: state.start_meeting(int(a["id"]))), methods=["POST"]),
        Route("/_emulator/expire_tokens", control(lambda a, _: state.expire_tokens()),
              methods=["POST"]),
        Route("/_emulator/reset", control(lambda a, _: state.reset()), methods=["POST"]),
        Route("/_emulator/meetings", control(
            lambda a, _: {str(k): v for k, v in state.meetings_view().items()}),
            methods=["GET"]),
        Route("/_emulator/requests", control(
            lambda a, _: [list(entry) for entry in state.request_log()]), methods=["GET"]),
        Route("/_emulator/create_count", control(
            lambda a, r: {"count": state.create_count(r.query_params["email"])}),
            methods=["GET"]),
    ]
