"""Server-to-Server OAuth: one access token, shared by all threads, fetched one at a time.

Zoom's S2S tokens last an hour and come without a refresh token; asking again is the
refresh (research/zoom.md §1). Two layers:

* :class:`TokenEndpoint` asks Zoom (``POST /oauth/token``) and maps its refusals.
* :class:`TokenSource` keeps the current token in the process until ``refresh_margin``
  seconds before it expires; callers hitting a stale token queue on a lock so that a
  burst of requests causes exactly one request to its *origin*. The origin is the
  endpoint itself (one process), or :class:`bot.zoom.shared_token.SharedTokens`, which
  shares one token per account between replicas through the database.

When Zoom rejects a token anyway (401, code 124), the client calls
:meth:`TokenSource.invalidate`; the next :meth:`TokenSource.get` asks the origin for a
token other than the refused one. If a refresh fails while the current token has not
expired yet, that token is used a while longer: refreshing early is a courtesy.

A token is a secret: it is never logged, and ``Token.__repr__`` and ``Grant.__repr__``
hide it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import requests

from commands.errors import ZoomAuthError, ZoomError, ZoomRateLimited, ZoomUnavailable

log = logging.getLogger("securemeet.zoom")

Timeout = float | tuple[float, float]
SIGN_IN_DOWN = "Zoom's sign-in service is not answering right now."


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # on the source's clock
    refresh_at: float
    scope: str = ""


@dataclass(frozen=True)
class Grant:
    """A token as an origin hands it over: good for ``left`` more seconds, of ``lifetime``."""

    value: str = field(repr=False)
    left: float
    lifetime: float
    scope: str = ""


class TokenOrigin(Protocol):
    def grant(self, *, refused: str | None = None) -> Grant:
        """A token that is not ``refused`` (a value Zoom answered 401/124 to)."""
        ...


def refresh_margin(margin: float, lifetime: float) -> float:
    """How long before expiry a token is renewed: ``margin``, but a short-lived token
    (tests, odd servers) is still used for half its life."""
    return min(margin, lifetime / 2)


class TokenSource:
    """Caches the origin's token for the process. Thread-safe."""

    def __init__(self, origin: TokenOrigin, *, clock: Callable[[], float],
                 refresh_margin: float = 300.0) -> None:
        self._origin = origin
        self._clock = clock
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._refused: str | None = None

    def get(self) -> Token:
        """A token that is good for a while yet; asks the origin if needed."""
        seen = self._token
        if seen is not None and self._clock() < seen.refresh_at:
            return seen
        with self._lock:
            token = self._token
            if token is not None and token is not seen and self._clock() < token.refresh_at:
                return token  # another thread renewed it while we waited for the lock
            if token is None or self._clock() >= token.refresh_at:
                try:
                    token = self._token = self._issue(self._origin.grant(refused=self._refused))
                except ZoomError:
                    if token is None or self._clock() >= token.expires_at:
                        raise
                    log.info("zoom token renewal failed; the current one is good for %.0fs",
                             token.expires_at - self._clock())
                    return token
                self._refused = None
            return token

    def invalidate(self, token: Token) -> None:
        """Forget ``token`` (Zoom refused it), unless another thread already replaced it."""
        with self._lock:
            if self._token is token:
                self._token = None
                self._refused = token.value

    def _issue(self, grant: Grant) -> Token:
        now = self._clock()
        expires = now + grant.left
        return Token(grant.value, expires,
                     expires - refresh_margin(self._margin, grant.lifetime), grant.scope)


class TokenEndpoint:
    """Zoom's token endpoint: every :meth:`grant` is one ``POST /oauth/token``."""

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
        on_call: Callable[[str, int, float], None] | None = None,  # must not raise
    ) -> None:
        self._session = session
        self._url = url
        self._account_id = account_id
        self._auth = (client_id, client_secret)
        self._timeout = timeout
        self._clock = clock
        self._on_call = on_call
        self._count_lock = threading.Lock()
        self.fetches = 0

    def grant(self, *, refused: str | None = None) -> Grant:
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
            raise ZoomUnavailable(SIGN_IN_DOWN) from exc
        finally:
            elapsed = self._clock() - started
            with self._count_lock:
                self.fetches += 1
            log.debug("zoom POST /oauth/token -> %s in %.3fs", status or "no answer", elapsed)
            if self._on_call is not None:
                self._on_call("POST /oauth/token", status, elapsed)
        return _grant_from(response)


def _grant_from(response: requests.Response) -> Grant:
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
        raise ZoomUnavailable(SIGN_IN_DOWN, status=status)
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
    if not 0 < lifetime < 86400 * 365:  # NaN, negative or absurd: Zoom's documented hour
        lifetime = 3600.0
    return Grant(token, lifetime, lifetime, str(payload.get("scope", "")))
