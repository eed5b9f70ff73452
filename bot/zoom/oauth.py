"""Server-to-Server OAuth: one access token, shared by all threads, fetched one at a time.

Zoom's S2S tokens last an hour and come without a refresh token; asking again is the
refresh (research/zoom.md §1). :class:`TokenSource` keeps the current token until
``refresh_margin`` seconds before it expires; callers hitting a stale token queue on a
lock so that a burst of requests causes exactly one fetch. When Zoom rejects a token
anyway (401, code 124), the client calls :meth:`TokenSource.invalidate` and asks again.

A token is a secret: it is never logged, and ``Token.__repr__`` hides it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from commands.errors import ZoomAuthError, ZoomRateLimited, ZoomUnavailable

log = logging.getLogger("securemeet.zoom")

Timeout = float | tuple[float, float]


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # on the source's clock
    refresh_at: float
    scope: str = ""


class TokenSource:
    """Fetches and caches an account-credentials token. Thread-safe."""

    def __init__(
        self,
        session: requests.Session,
        *,
        url: str,
        account_id: str,
        client_id: str,
        client_secret: str,
        timeout: Timeout,
        clock: Callable[[], float],
        refresh_margin: float = 300.0,
        on_call: Callable[[str, int, float], None] | None = None,  # must not raise
    ) -> None:
        self._session = session
        self._url = url
        self._account_id = account_id
        self._auth = (client_id, client_secret)
        self._timeout = timeout
        self._clock = clock
        self._margin = refresh_margin
        self._on_call = on_call
        self._lock = threading.Lock()
        self._token: Token | None = None
        self.fetches = 0

    def get(self, *, force: bool = False) -> Token:
        """A token that is good for a while yet; fetches one if needed."""
        seen = self._token
        if seen is not None and not force and self._clock() < seen.refresh_at:
            return seen
        with self._lock:
            token = self._token
            if token is not None and token is not seen and self._clock() < token.refresh_at:
                return token  # another thread fetched one while we waited for the lock
            if force or token is None or self._clock() >= token.refresh_at:
                token = self._token = self._fetch()
            return token

    def invalidate(self, token: Token) -> None:
        """Forget ``token`` (Zoom refused it), unless another thread already replaced it."""
        with self._lock:
            if self._token is token:
                self._token = None

    def _fetch(self) -> Token:
        started = self._clock()
        status = 0
        try:
            response = self._session.post(
                self._url,
                auth=self._auth,
                data={"grant_type": "account_credentials", "account_id": self._account_id},
                timeout=self._timeout,
            )
            status = response.status_code
        except requests.RequestException as exc:
            log.info("zoom token request failed: %s", type(exc).__name__)
            raise ZoomUnavailable("Zoom's sign-in service is not answering right now.") from exc
        finally:
            elapsed = self._clock() - started
            self.fetches += 1
            log.debug("zoom POST /oauth/token -> %s in %.3fs", status or "no answer", elapsed)
            if self._on_call is not None:
                self._on_call("POST /oauth/token", status, elapsed)
        return self._token_from(response)

    def _token_from(self, response: requests.Response) -> Token:
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if status == 429:
            raise ZoomRateLimited(status=status)
        if status >= 500:
            raise ZoomUnavailable("Zoom's sign-in service is not answering right now.",
                                  status=status)
        token = payload.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            reason = payload.get("reason") or payload.get("error") or f"HTTP {status}"
            raise ZoomAuthError(
                f"Zoom refused SecureMeet's credentials ({str(reason)[:120]}). An admin should "
                "check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET "
                "(`securemeet doctor`).",
                status=status,
            )
        try:
            lifetime = float(payload.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        now = self._clock()
        # A short-lived token (tests, odd servers) is still used for half its life.
        margin = min(self._margin, lifetime / 2)
        return Token(token, now + lifetime, now + lifetime - margin, str(payload.get("scope", "")))

