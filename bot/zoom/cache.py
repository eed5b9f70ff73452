"""Brief caching of the Zoom reads that do not change per meeting.

A schedule reads the meeting back (Light) and what governs it from outside: the host's
user settings (Medium), the account's lock settings (two Medium requests: Zoom serves
``meeting_security`` apart) and the host's user record for the PMI (Light). Only the
meeting changes from one schedule to the next; the rest is the same for every meeting
of that host, and the account's locks for every meeting. :class:`CachedZoom` keeps those
three reads for ``ttl`` seconds (``SECUREMEET_ZOOM_CACHE_SECONDS``, default 120), so a
burst of commands pays for them once per host, and a schedule costs two requests (the
create and the read-back) instead of six.

What keeps it honest:

* Our own changes drop what they change: :meth:`CachedZoom.update_user_settings` (a
  host-wide ``fix``) forgets that host's entries, here and, given a store, on every
  replica: it writes a new *version* for the host (``put_shared``), and a cached entry of
  that host is used only while the version it was read under is still the current one
  (one small database read, against a Zoom round trip).
* A change made in Zoom's web portal shows after at most ``ttl`` seconds; the meeting
  itself is always read fresh, so what Zoom applied to it is never stale.
* Concurrent misses for one key make one request, the others wait for its answer
  (single flight): ten commands of one host arriving together read its settings once.
* Errors are not cached; every caller gets its own copy of a cached value.

Anything else (``check_token``, ``warm``, ``token_fetches``) reaches the wrapped client.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from commands.ports import Json, SharedStore, ZoomGateway
from commands.records import MeetingId

log = logging.getLogger("securemeet.zoom")

DEFAULT_TTL = 120.0
ACCOUNT = "account"  # the key of the account's lock settings


@dataclass(frozen=True)
class _Entry:
    value: Json
    until: float
    version: bytes | None  # the host's shared version when read
    generation: int  # this process' count of forgets of the key when read


class _Flight:
    """One read in progress; callers for the same key wait for its outcome."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Json | None = None
        self.error: BaseException | None = None


class CachedZoom:
    """A ``ZoomGateway`` in front of another, caching host and account reads briefly."""

    def __init__(self, zoom: ZoomGateway, *, ttl: float = DEFAULT_TTL,
                 versions: SharedStore | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._zoom = zoom
        self._ttl = ttl
        self._versions = versions
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._flights: dict[tuple[str, str], _Flight] = {}
        self._generations: dict[str, int] = {}

    # --- cached -----------------------------------------------------------------

    def get_user(self, user: str) -> Json:
        return self._cached("user", _host(user), lambda: self._zoom.get_user(user))

    def get_user_settings(self, user: str) -> Json:
        return self._cached("settings", _host(user), lambda: self._zoom.get_user_settings(user))

    def get_account_lock_settings(self) -> Json:
        return self._cached("locks", ACCOUNT, self._zoom.get_account_lock_settings)

    def update_user_settings(self, user: str, body: Mapping[str, Any]) -> None:
        try:
            self._zoom.update_user_settings(user, body)
        finally:  # even a failed PATCH may have changed something: read it again
            self.forget(user)

    def forget(self, user: str) -> None:
        """Drop ``user``'s cached reads here and, through the store, on every replica."""
        host = _host(user)
        with self._lock:
            for kind in ("user", "settings"):
                self._entries.pop((kind, host), None)
            # a read already under way began before the change: it must not be kept
            self._generations[host] = self._generations.get(host, 0) + 1
        if self._versions is not None and self._ttl > 0:
            try:
                self._versions.put_shared(
                    _version_name(host), secrets.token_bytes(8),
                    expires_at=datetime.now(UTC) + timedelta(seconds=self._ttl))
            except Exception as exc:
                log.warning("zoom cache: other replicas not told of a settings change (%s); "
                            "they see it within %.0fs", type(exc).__name__, self._ttl)

    # --- passed through -----------------------------------------------------------

    def create_meeting(self, user: str, body: Mapping[str, Any]) -> Json:
        return self._zoom.create_meeting(user, body)

    def get_meeting(self, meeting_id: MeetingId) -> Json:
        return self._zoom.get_meeting(meeting_id)

    def update_meeting(self, meeting_id: MeetingId, body: Mapping[str, Any], *,
                       occurrence_id: str | None = None) -> None:
        self._zoom.update_meeting(meeting_id, body, occurrence_id=occurrence_id)

    def delete_meeting(self, meeting_id: MeetingId, *, occurrence_id: str | None = None,
                       schedule_for_reminder: bool | None = None,
                       cancel_meeting_reminder: bool | None = None) -> None:
        self._zoom.delete_meeting(meeting_id, occurrence_id=occurrence_id,
                                  schedule_for_reminder=schedule_for_reminder,
                                  cancel_meeting_reminder=cancel_meeting_reminder)

    def end_meeting(self, meeting_id: MeetingId) -> None:
        self._zoom.end_meeting(meeting_id)

    def list_meetings(self, user: str, kind: str = "upcoming") -> list[Json]:
        return self._zoom.list_meetings(user, kind)

    def close(self) -> None:
        close = getattr(self._zoom, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._zoom, name)  # check_token, warm, token_fetches, ...

    # --- the cache ----------------------------------------------------------------

    def _cached(self, kind: str, key: str, read: Callable[[], Json]) -> Json:
        if self._ttl <= 0:
            return read()
        slot = (kind, key)
        version = self._version(key)
        with self._lock:
            generation = self._generations.get(key, 0)
            entry = self._entries.get(slot)
            if entry is not None and self._clock() < entry.until and \
                    entry.version == version and entry.generation == generation:
                return copy.deepcopy(entry.value)
            flight = self._flights.get(slot)
            leader = flight is None
            if flight is None:
                flight = self._flights[slot] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return copy.deepcopy(flight.value or {})
        try:
            value = read()
            flight.value = value
            with self._lock:
                if self._generations.get(key, 0) == generation:
                    self._entries[slot] = _Entry(copy.deepcopy(value),
                                                 self._clock() + self._ttl, version, generation)
            return value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                self._flights.pop(slot, None)
            flight.done.set()

    def _version(self, key: str) -> bytes | None:
        """The host's current settings version (None: never changed by us, or no store)."""
        if self._versions is None or key == ACCOUNT:
            return None
        try:
            row = self._versions.get_shared(_version_name(key))
        except Exception as exc:
            log.info("zoom cache: settings version unreadable (%s)", type(exc).__name__)
            return b"unknown:" + secrets.token_bytes(8)  # matches nothing: read Zoom
        return None if row is None else row[0]


def _host(user: str) -> str:
    return user.strip().lower()


def _version_name(host: str) -> str:
    return f"zoom-settings-version:{host}"
