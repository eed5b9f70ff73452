"""The Zoom REST API client: the one object that talks to Zoom (``commands.ports.ZoomGateway``).

One pooled ``requests.Session``, a Server-to-Server OAuth token shared by all threads
(:mod:`bot.zoom.oauth`) and, given a store, by all replicas (:mod:`bot.zoom.shared_token`),
a turn in the account's rate budget before every request (:mod:`bot.zoom.budget`, given
one), a timeout on every call, and one small retry loop:

* GET, PATCH, PUT and DELETE are idempotent: retried on 429, 500/502/503/504,
  connection errors and time-outs, with exponential backoff and jitter
  (:mod:`bot.zoom.retry`), or exactly ``Retry-After`` when Zoom sends one.
* POST (create a meeting) is retried only when Zoom surely did not act on it: the
  connection was never made (refused, DNS, connect time-out), the token was refused
  before the request ran (401/124), or Zoom rate-limited it (429 is a rejection before
  processing). After a read time-out, a dropped connection or a 5xx the meeting may or
  may not exist, so we do not guess and do not create a second one: we raise
  ``ZoomUnavailable`` telling the user to check their Zoom meetings first.
* A ``Retry-After`` longer than ``max_retry_after`` (30 s) is not waited out: a chat
  user is waiting, so we give up at once with ``ZoomRateLimited``. Zoom's daily limit
  (100 creates per host per day) is never retried: ``ZoomDailyLimit``.
* A 401 with code 124 (token expired or revoked) drops the cached token, gets a new
  one (from the other replicas if one of them already did) and repeats the call once;
  it does not count as a retry.
* A request waits for its turn in the budget before each attempt, retries included, so
  a burst queues instead of earning 429s; a 429 that comes anyway (other apps share the
  account's limits) is still retried after exactly its ``Retry-After``.

Errors are mapped in :mod:`bot.zoom.errors`. Logs (``securemeet.zoom``) carry method,
path, status, latency and attempt, never a token, passcode, start URL or body.
``on_call(route, status, seconds)`` sees every attempt (status 0 = no answer), e.g. for
metrics; ``route`` is the template, ``"GET /meetings/{meetingId}"``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bot.zoom.budget import Budget
from bot.zoom.errors import NOT_CONFIRMED, UNAVAILABLE, error_for, zoom_code
from bot.zoom.oauth import Timeout, Token, TokenEndpoint, TokenOrigin, TokenSource
from bot.zoom.rates import category
from bot.zoom.retry import RETRYABLE_STATUSES, backoff_delay, parse_retry_after
from bot.zoom.shared_token import SharedTokens, TokenStore
from commands.errors import (
    ZoomDailyLimit,
    ZoomError,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomUnconfirmed,
)
from commands.ports import Json
from commands.records import MeetingId

log = logging.getLogger("securemeet.zoom")

OnCall = Callable[[str, int, float], None]
_PAGE_SIZE = 300  # Zoom's maximum for GET /users/{userId}/meetings
_MAX_PAGES = 100


@dataclass(frozen=True)
class _Failure:
    """One attempt that did not succeed, and what it allows us to do next."""

    error: ZoomError  # raised if we give up here
    retryable: bool = False
    acted: bool = False  # Zoom may have acted on the request (unsafe to repeat a POST)
    retry_after: float | None = None
    stale_token: Token | None = None  # 401/124: worth one more go with a new token


class ZoomClient:
    """Zoom's Meeting API over HTTPS, satisfying ``commands.ports.ZoomGateway``."""

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_url: str = "https://api.zoom.us/v2",
        oauth_url: str = "https://zoom.us/oauth/token",
        timeout: Timeout = (3.05, 10),
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        pool_size: int = 10,
        max_retry_after: float = 30.0,
        token_refresh_margin: float = 300.0,
        on_call: OnCall | None = None,
        token_store: TokenStore | None = None,
        secret_key: bytes = b"",
        budget: Budget | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``token_store`` and ``secret_key``: share one token per account between
        replicas, sealed with a key derived from ``secret_key``. ``budget``: wait for a
        turn in the account's rate budget before every request."""
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._clock = clock
        self._on_call = on_call
        self._budget = budget
        self._session = _session(pool_size)
        self._endpoint = TokenEndpoint(
            self._session, url=oauth_url, account_id=account_id, client_id=client_id,
            client_secret=client_secret, timeout=timeout, clock=clock, on_call=self._observe,
        )
        origin: TokenOrigin = self._endpoint
        if token_store is not None:
            origin = SharedTokens(token_store, self._endpoint, secret=secret_key,
                                  account_id=account_id, wall=wall, sleep=sleep,
                                  refresh_margin=token_refresh_margin)
        self._tokens = TokenSource(origin, clock=clock, refresh_margin=token_refresh_margin)

    # --- ZoomGateway -------------------------------------------------------------

    def create_meeting(self, user: str, body: Mapping[str, Any]) -> Json:
        response = self._call("POST", "/users/{userId}/meetings", {"userId": user}, json=body)
        return _json(response, unreadable=NOT_CONFIRMED)

    def get_meeting(self, meeting_id: MeetingId) -> Json:
        return _json(self._call("GET", "/meetings/{meetingId}", {"meetingId": meeting_id}))

    def update_meeting(self, meeting_id: MeetingId, body: Mapping[str, Any], *,
                       occurrence_id: str | None = None) -> None:
        """PATCH the meeting (Zoom answers 204), or only its occurrence ``occurrence_id``."""
        query = {"occurrence_id": occurrence_id} if occurrence_id else None
        self._call("PATCH", "/meetings/{meetingId}", {"meetingId": meeting_id}, json=body,
                   query=query)

    def delete_meeting(self, meeting_id: MeetingId, *, occurrence_id: str | None = None,
                       schedule_for_reminder: bool | None = None,
                       cancel_meeting_reminder: bool | None = None) -> None:
        """DELETE the meeting (204), or only its occurrence ``occurrence_id``. The two
        flags are Zoom's: email the host and alternative hosts / the registrants about
        the cancellation (left to Zoom's defaults when None)."""
        query: dict[str, str] = {}
        if occurrence_id:
            query["occurrence_id"] = occurrence_id
        for name, flag in (("schedule_for_reminder", schedule_for_reminder),
                           ("cancel_meeting_reminder", cancel_meeting_reminder)):
            if flag is not None:
                query[name] = "true" if flag else "false"
        self._call("DELETE", "/meetings/{meetingId}", {"meetingId": meeting_id},
                   query=query or None)

    def end_meeting(self, meeting_id: MeetingId) -> None:
        self._call("PUT", "/meetings/{meetingId}/status", {"meetingId": meeting_id},
                   json={"action": "end"})

    def list_meetings(self, user: str, kind: str = "upcoming") -> list[Json]:
        """All of ``user``'s meetings of ``kind`` (scheduled, live, upcoming, ...), every page."""
        meetings: list[Json] = []
        page_token = ""
        for _ in range(_MAX_PAGES):
            query: dict[str, Any] = {"type": kind, "page_size": _PAGE_SIZE}
            if page_token:
                query["next_page_token"] = page_token
            page = _json(self._call("GET", "/users/{userId}/meetings", {"userId": user},
                                    query=query))
            meetings.extend(page.get("meetings") or [])
            page_token = page.get("next_page_token") or ""
            if not page_token:
                break
        return meetings

    def get_user(self, user: str) -> Json:
        return _json(self._call("GET", "/users/{userId}", {"userId": user}))

    def get_user_settings(self, user: str) -> Json:
        return _json(self._call("GET", "/users/{userId}/settings", {"userId": user}))

    def update_user_settings(self, user: str, body: Mapping[str, Any]) -> None:
        self._call("PATCH", "/users/{userId}/settings", {"userId": user}, json=body)

    def get_account_lock_settings(self) -> Json:
        """The account's locks, ``meeting_security`` included (Zoom serves it apart)."""
        route = "/accounts/{accountId}/lock_settings"
        locks = _json(self._call("GET", route, {"accountId": "me"}))
        security = _json(self._call("GET", route, {"accountId": "me"},
                                    query={"option": "meeting_security"}))
        return {**locks, **security}

    # --- operations --------------------------------------------------------------

    def check_token(self) -> str:
        """Fetch a fresh token (for ``securemeet doctor``); returns the granted scopes.
        Straight from Zoom: the shared token is neither used nor replaced."""
        return self._endpoint.grant().scope or "(Zoom listed no scopes)"

    def warm(self) -> None:
        """Have a token in hand (the shared one, or a new one) before the first request
        needs it: for readiness, so a first command does not pay for the sign-in."""
        self._tokens.get()

    @property
    def token_fetches(self) -> int:
        """Token requests this process sent to Zoom."""
        return self._endpoint.fetches

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ZoomClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the loop ----------------------------------------------------------------

    def _call(self, method: str, route: str, parts: Mapping[str, Any], *,
              json: Mapping[str, Any] | None = None,
              query: Mapping[str, Any] | None = None) -> requests.Response:
        path = route.format(**{k: quote(str(v), safe="") for k, v in parts.items()})
        repeatable = method != "POST"
        reauthorised = False
        retries = 0
        while True:
            outcome = self._attempt(method, route, path, json, query, retries + 1)
            if isinstance(outcome, requests.Response):
                return outcome
            if outcome.stale_token is not None and not reauthorised:
                reauthorised = True
                log.info("zoom %s %s: token refused, fetching a new one", method, path)
                self._tokens.invalidate(outcome.stale_token)
                continue
            if not outcome.retryable:
                raise outcome.error
            if outcome.acted and not repeatable:
                log.warning("zoom %s %s: no confirmation (%s); not repeating a create",
                            method, path, outcome.error.status or "no answer")
                raise ZoomUnconfirmed(NOT_CONFIRMED, code=outcome.error.code,
                                      status=outcome.error.status)
            if retries >= self._max_retries:
                log.warning("zoom %s %s: giving up after %d attempts", method, path, retries + 1)
                raise outcome.error
            retries += 1
            wait = outcome.retry_after
            if wait is not None and wait > self._max_retry_after:
                log.warning("zoom %s %s: Retry-After %.0fs is too long to wait", method, path, wait)
                raise _too_long(outcome.error, wait)
            if wait is None:
                wait = backoff_delay(retries, base=self._backoff, cap=self._max_backoff)
            why = outcome.error.status or type(outcome.error.__cause__ or outcome.error).__name__
            log.info("zoom %s %s: %s, retry %d of %d in %.2fs", method, path, why,
                     retries, self._max_retries, wait)
            self._sleep(wait)

    def _attempt(self, method: str, route: str, path: str, json: Mapping[str, Any] | None,
                 query: Mapping[str, Any] | None, attempt: int) -> requests.Response | _Failure:
        if self._budget is not None:
            self._budget.acquire(category(f"{method} {route}"))  # ZoomRateLimited if hopeless
        try:
            token = self._tokens.get()
        except (ZoomUnavailable, ZoomRateLimited) as exc:
            return _Failure(exc, retryable=True)  # our request was never sent
        started = self._clock()
        status = 0
        try:
            response = self._session.request(
                method, self._api_url + path, params=query, json=json, timeout=self._timeout,
                headers={"Authorization": f"Bearer {token.value}"},
            )
            status = response.status_code
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:
            error = ZoomUnavailable(None if method == "POST" else UNAVAILABLE)
            error.__cause__ = exc
            return _Failure(error, retryable=True, acted=not _never_sent(exc))
        finally:
            elapsed = self._clock() - started
            log.debug("zoom %s %s -> %s in %.3fs (attempt %d)", method, path,
                      status or "no answer", elapsed, attempt)
            self._observe(f"{method} {route}", status, elapsed)
        if status < 400:
            return response
        payload = _payload(response)
        error = error_for(status, payload, response.headers)
        log.info("zoom %s %s -> %s code %s", method, path, status, zoom_code(payload))
        if status == 401 and zoom_code(payload) == 124:
            return _Failure(error, stale_token=token)
        if status in RETRYABLE_STATUSES and not isinstance(error, ZoomDailyLimit):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return _Failure(error, retryable=True, acted=status != 429, retry_after=retry_after)
        return _Failure(error)

    def _observe(self, route: str, status: int, seconds: float) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(route, status, seconds)
        except Exception:  # a metrics hook must never break a Zoom call
            log.exception("zoom on_call hook failed")


def _session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "SecureMeet/0.1"})
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # stateless
    return session


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the TCP connection was never made, so Zoom cannot have acted."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", None)
        return isinstance(exc.args[0], MaxRetryError) and isinstance(reason, NewConnectionError)
    return False


def _payload(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json(response: requests.Response, *, unreadable: str = UNAVAILABLE) -> Json:
    payload = _payload(response)
    if not isinstance(payload, dict):
        error = ZoomUnconfirmed if unreadable == NOT_CONFIRMED else ZoomUnavailable
        raise error(unreadable, status=response.status_code)
    return payload


def _too_long(error: ZoomError, wait: float) -> ZoomError:
    if not isinstance(error, ZoomRateLimited):
        return error
    minutes = max(1, round(wait / 60))
    return ZoomRateLimited(
        f"Zoom is rate limiting SecureMeet and asks to wait about {minutes} minute"
        f"{'s' if minutes != 1 else ''}. Please try again then.",
        code=error.code, status=error.status,
    )
