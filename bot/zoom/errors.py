"""Zoom's error replies, mapped in one place onto :mod:`commands.errors`.

Zoom answers errors with ``{"code": int, "message": str}`` (research/zoom.md §5b). The
typed errors carry their own user-facing text; only a request Zoom rejected as invalid
(:class:`ZoomBadRequest`) keeps Zoom's message, because that is the one the user or a
developer must read. Nothing here ever sees the request body, so none can leak.

=====================================  ==========================
Zoom says                              we raise
=====================================  ==========================
401, or code 124 / 4700 / 4711, 403    ZoomAuthError
code 3001, or 404 without a code       ZoomNotFound
code 1001 / 1010                       ZoomUserNotFound
code 3161                              ZoomNoSchedulingRights
code 3003                              ZoomNotHost
code 3002                              ZoomInProgress
429 "daily" or X-RateLimit-Type daily  ZoomDailyLimit
code 300 "... in one day"              ZoomDailyLimit
other 429                              ZoomRateLimited
5xx                                    ZoomUnavailable
anything else (400, 300, ...)          ZoomBadRequest
=====================================  ==========================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.errors import (
    ZoomAuthError,
    ZoomBadRequest,
    ZoomDailyLimit,
    ZoomError,
    ZoomInProgress,
    ZoomNoSchedulingRights,
    ZoomNotFound,
    ZoomNotHost,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomUserNotFound,
)

AUTH_CODES = frozenset({124, 4700, 4711})
_BY_CODE: dict[int, type[ZoomError]] = {
    3001: ZoomNotFound,
    1001: ZoomUserNotFound,
    1010: ZoomUserNotFound,
    3161: ZoomNoSchedulingRights,
    3003: ZoomNotHost,
    3002: ZoomInProgress,
}
_MAX_MESSAGE = 300


def zoom_code(payload: Any) -> int | None:
    code = payload.get("code") if isinstance(payload, Mapping) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def zoom_message(payload: Any) -> str:
    message = payload.get("message") if isinstance(payload, Mapping) else None
    return message[:_MAX_MESSAGE] if isinstance(message, str) else ""


def is_daily_limit(status: int, payload: Any, headers: Mapping[str, str]) -> bool:
    message = zoom_message(payload).lower()
    if status == 429:
        kind = str(headers.get("X-RateLimit-Type") or headers.get("x-ratelimit-type") or "")
        return "daily" in message or kind.lower() == "daily-limit"
    return zoom_code(payload) == 300 and ("in one day" in message or "daily" in message)


def error_for(status: int, payload: Any, headers: Mapping[str, str]) -> ZoomError:
    """The typed error for an HTTP error reply from Zoom's API."""
    code = zoom_code(payload)
    if is_daily_limit(status, payload, headers):
        return ZoomDailyLimit(code=code, status=status)
    if status == 429:
        return ZoomRateLimited(code=code, status=status)
    if status in (401, 403) or code in AUTH_CODES:
        return ZoomAuthError(code=code, status=status)
    if code in _BY_CODE:
        return _BY_CODE[code](code=code, status=status)
    if status >= 500:
        return ZoomUnavailable(UNAVAILABLE, code=code, status=status)
    if status == 404:
        return ZoomNotFound(code=code, status=status)
    return ZoomBadRequest(bad_request_text(payload), code=code, status=status)


def bad_request_text(payload: Any) -> str:
    """Zoom's own words for a rejected request, with field names but no values."""
    text = zoom_message(payload) or "no reason given"
    fields = []
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("field"), str):
            fields.append(item["field"][:60])
    if fields:
        text += f" (fields: {', '.join(fields[:5])})"
    code = zoom_code(payload)
    return f"Zoom rejected the request: {text}" + (f" [code {code}]" if code else "")


UNAVAILABLE = "Zoom is not answering right now. Please try again in a minute."
NOT_CONFIRMED = (
    "Zoom did not confirm whether the meeting was created. If one shows up in Zoom, "
    "don't use it: SecureMeet checks again within a few minutes, removes it and tells "
    "you. Then ask again."
)
