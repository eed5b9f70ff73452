"""Zoom's per-second rate limits in the emulator, enforced only when asked.

``SECUREMEET_EMULATOR_LIMITS=pro`` (or ``business``; ``ZoomEmulator(limits=...)``,
``set_limits``, ``POST /_emulator/limits {"plan": ...}``, ``--limits``) makes the emulator
count the account's requests per category and refuse those over the plan's limit, as
Zoom does (https://developers.zoom.us/docs/api/rate-limits/, research/zoom.md §5):

* Pro: Light 30, Medium 20, Heavy 10 requests a second; Business+: 80, 60, 40. Limits
  are the account's, whoever sends (every client, every app).
* Each route's category is its "Rate Limit Label" in ``zoom-openapi-excerpt.json``
  (``GET /users/{userId}``, "Get a user", is not in it: Light, as Zoom labels it). The
  table is the emulator's own, apart from the client's, so a test can compare them.
* Over the limit: HTTP 429, ``{"code": 429, "message": "You have reached the maximum
  per-second rate limit for this API. Try again later."}`` (Zoom's words for the
  per-second limit, devforum.zoom.us/t/18928), with ``X-RateLimit-Category`` (the
  category), ``X-RateLimit-Type: QPS`` (the other value Zoom sends is ``Daily-limit``;
  devforum.zoom.us/t/14899), ``X-RateLimit-Limit``, ``X-RateLimit-Remaining: 0`` and
  ``Retry-After`` in whole seconds until the window lets one more through. Zoom
  documents ``Retry-After`` only for the daily limit, as a date; for the per-second
  one we send delta-seconds, which HTTP allows and the client reads either way.
* "Per second" is read strictly: at most *limit* requests in **any** one-second window
  (a sliding log of the accepted ones), which a client that passes here also passes
  under a fixed window. Refused requests do not count. The token endpoint is not
  limited. The daily limits (100 creates per host, 100 updates per meeting) are always
  on (:mod:`bot.zoom_emulator.state`).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable

from bot.zoom_emulator.meetings import ApiError

LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"
PLANS: dict[str, dict[str, int]] = {
    "pro": {LIGHT: 30, MEDIUM: 20, HEAVY: 10},
    "business": {LIGHT: 80, MEDIUM: 60, HEAVY: 40},
}
QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
WINDOW = 1.0

_ONE = "[^/]+"
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(f"^/v2{pattern}$"), label) for method, pattern, label in (
        ("GET", f"/users/{_ONE}", LIGHT),
        ("GET", f"/users/{_ONE}/meetings", MEDIUM),
        ("POST", f"/users/{_ONE}/meetings", MEDIUM),
        ("GET", f"/users/{_ONE}/settings", MEDIUM),
        ("PATCH", f"/users/{_ONE}/settings", MEDIUM),
        ("GET", f"/meetings/{_ONE}", LIGHT),
        ("PATCH", f"/meetings/{_ONE}", LIGHT),
        ("DELETE", f"/meetings/{_ONE}", LIGHT),
        ("PUT", f"/meetings/{_ONE}/status", LIGHT),
        ("PATCH", f"/live_meetings/{_ONE}/events", MEDIUM),
        ("GET", f"/accounts/{_ONE}/lock_settings", MEDIUM),
        ("PATCH", f"/accounts/{_ONE}/lock_settings", MEDIUM),
        ("GET", f"/accounts/{_ONE}/settings", MEDIUM),
        ("PATCH", f"/accounts/{_ONE}/settings", MEDIUM),
    ))


def category_of(method: str, path: str) -> str | None:
    """The rate-limit category of an API request, None for a route Zoom has no label for."""
    for verb, pattern, label in ROUTES:
        if verb == method.upper() and pattern.match(path):
            return label
    return None


class RateLimiter:
    """Sliding one-second windows per category for one account. Thread-safe."""

    def __init__(self, plan: str | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self._plan: str | None = None
        self.refused = 0
        self.set_plan(plan)

    @property
    def plan(self) -> str | None:
        return self._plan

    def set_plan(self, plan: str | None) -> None:
        """Enforce ``plan``'s limits from now on (None: no limits)."""
        if plan is not None and plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}: use one of {', '.join(PLANS)}")
        with self._lock:
            self._plan = plan
            self._windows = {label: deque() for label in (LIGHT, MEDIUM, HEAVY)}
            self.refused = 0

    def admit(self, method: str, path: str) -> ApiError | None:
        """Count the request, or the 429 Zoom would answer instead."""
        label = category_of(method, path)
        with self._lock:
            if self._plan is None or label is None:
                return None
            limit = PLANS[self._plan][label]
            window = self._windows[label]
            now = self._clock()
            while window and window[0] <= now - WINDOW:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return None
            self.refused += 1
            free_in = window[0] + WINDOW - now
        return ApiError(429, 429, QPS_MESSAGE, headers={
            "X-RateLimit-Category": label, "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
            "Retry-After": str(max(1, math.ceil(free_in)))})
