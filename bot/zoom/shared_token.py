"""One Zoom token per account for every replica, kept sealed in the shared store.

N replicas each fetching their own token means N token requests an hour and, on
accounts where Zoom still invalidates a token when it issues the next one, replicas
knocking each other's tokens out (``{"code": 124}``; research/scale.md §5). So the token
lives in the database (``put_shared``), sealed (:mod:`bot.zoom.sealed`): never in clear.

:meth:`SharedTokens.grant`, called by a process whose own copy is stale:

1. read the shared token; if it is not the one Zoom just refused and is not due for
   renewal (``refresh_margin`` before expiry), use it: no request to Zoom.
2. else try to take the refresh lease (``try_lease``, one holder across replicas). The
   holder reads again (another replica may have just renewed it), and only if it is
   still stale asks Zoom, seals the new token, stores it and gives the lease up.
3. a replica without the lease keeps using the current token while it is still valid
   (renewal starts minutes before expiry, so nobody waits), or, when there is none or
   it was refused, polls for the holder's new one. A holder that died loses its lease
   after ``lease_seconds``, and the next replica takes over.

So a burst on N replicas costs one token request, and a 401 seen by all of them at
once causes exactly one refresh. If the store cannot be reached, the process asks Zoom
for its own token (as a single process would) rather than fail the call.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.zoom.oauth import Grant, TokenOrigin, refresh_margin
from bot.zoom.sealed import Sealer
from commands.errors import ZoomError, ZoomUnavailable
from commands.ports import LeaseStore, SharedStore

log = logging.getLogger("securemeet.zoom")

EXPIRY_GUARD = 5.0  # seconds: a token this close to expiry is not handed out
SLOW_SIGN_IN = ("Zoom's sign-in is taking longer than it should. Please try again in a "
                "minute.")


class TokenStore(LeaseStore, SharedStore, Protocol):
    """What sharing a token needs from the store: a lease and a shared value."""


@dataclass(frozen=True)
class _Held:
    """The shared token as read back: wall-clock expiry (epoch seconds)."""

    value: str = field(repr=False)
    expires: float
    lifetime: float
    scope: str

    def grant(self, now: float) -> Grant:
        return Grant(self.value, self.expires - now, self.lifetime, self.scope)


def default_owner() -> str:
    """A name for this process in the lease table: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class SharedTokens:
    """A :class:`bot.zoom.oauth.TokenOrigin` that shares one token through the store."""

    def __init__(
        self,
        store: TokenStore,
        endpoint: TokenOrigin,
        *,
        secret: bytes,
        account_id: str,
        owner: str | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = time.sleep,
        refresh_margin: float = 300.0,
        lease_seconds: float = 20.0,
        poll: float = 0.1,
    ) -> None:
        self._store = store
        self._endpoint = endpoint
        self._sealer = Sealer(secret, purpose="zoom-token")
        self._name = f"zoom-token:{account_id}"
        self._lease = f"zoom-token-refresh:{account_id}"
        self._owner = owner or default_owner()
        self._wall = wall
        self._sleep = sleep
        self._margin = refresh_margin
        self._lease_seconds = lease_seconds
        self._poll = poll
        self._warned_unreadable = False

    def grant(self, *, refused: str | None = None) -> Grant:
        try:
            return self._shared(refused)
        except ZoomError:
            raise
        except Exception as exc:  # the store: one process' own token beats no Zoom at all
            log.warning("shared Zoom token unavailable (%s): fetching one for this process",
                        type(exc).__name__)
            return self._endpoint.grant(refused=refused)

    def _shared(self, refused: str | None) -> Grant:
        deadline = self._wall() + self._lease_seconds + 5 * self._poll + 1
        while True:
            held, now = self._read(), self._wall()
            if self._fresh(held, now, refused):
                assert held is not None
                return held.grant(now)
            if self._store.try_lease(self._lease, owner=self._owner, now=_utc(now),
                                     seconds=self._lease_seconds):
                try:
                    return self._renew(refused)
                finally:
                    self._store.release_lease(self._lease, self._owner)
            if self._usable(held, now, refused):
                assert held is not None
                return held.grant(now)  # being renewed elsewhere; this one still works
            if now >= deadline:
                raise ZoomUnavailable(SLOW_SIGN_IN)
            self._sleep(self._poll)

    def _renew(self, refused: str | None) -> Grant:
        held, now = self._read(), self._wall()
        if self._fresh(held, now, refused):  # another replica renewed it meanwhile
            assert held is not None
            return held.grant(now)
        grant = self._endpoint.grant(refused=refused)
        issued = self._wall()
        payload = {"token": grant.value, "expires": issued + grant.left,
                   "lifetime": grant.lifetime, "scope": grant.scope}
        try:
            self._store.put_shared(self._name, self._sealer.seal(json.dumps(payload).encode()),
                                   expires_at=_utc(issued + grant.left))
        except Exception as exc:  # this process has its token; the others will fetch theirs
            log.warning("the renewed Zoom token could not be shared (%s)", type(exc).__name__)
            return grant
        log.info("zoom token renewed for every replica (good for %.0fs)", grant.left)
        return grant

    def _read(self) -> _Held | None:
        row = self._store.get_shared(self._name)
        if row is None:
            return None
        opened = self._sealer.open(row[0])
        try:
            data = json.loads(opened) if opened is not None else None
            held = _Held(str(data["token"]), float(data["expires"]), float(data["lifetime"]),
                         str(data.get("scope", "")))
        except (TypeError, ValueError, KeyError):
            if not self._warned_unreadable:
                log.warning("the shared Zoom token cannot be opened: do all replicas have "
                            "the same SECUREMEET_SECRET_KEY? Fetching a new one.")
                self._warned_unreadable = True
            return None
        return held

    def _fresh(self, held: _Held | None, now: float, refused: str | None) -> bool:
        return self._usable(held, now, refused) and held is not None and \
            now < held.expires - refresh_margin(self._margin, held.lifetime)

    @staticmethod
    def _usable(held: _Held | None, now: float, refused: str | None) -> bool:
        return held is not None and held.value != refused and \
            now < held.expires - min(EXPIRY_GUARD, held.lifetime / 4)


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
