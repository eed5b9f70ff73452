"""The store, as the Zoom client uses it: every call made on one long-lived thread.

The Zoom client touches the store on every request (the rate budget's ``take_rate``,
the cache's settings version, now and then the shared token). Zoom requests are made
from short-lived threads: ``commands.meeting_view.gather`` starts a small pool per
command. ``SqliteStore`` opens a connection per thread and keeps it until the store
closes, so each of those threads would leave a connection (and its page cache) behind:
measured, a 200-command burst left some 600 and the server's peak RSS went from 81 MB to
218 MB. Handing the calls to one thread keeps it to one connection, whatever thread
calls Zoom; the calls are short (under 2 ms on PostgreSQL) and already serialised by
the rows they lock.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol

from commands.ports import LeaseStore, RateStore, SharedStore


class ZoomStore(LeaseStore, SharedStore, RateStore, Protocol):
    """What the Zoom client keeps in the store: the token, its lease, budgets, versions."""


class OneThreadStore:
    """A :class:`ZoomStore` that runs each call of ``store`` on one dedicated thread."""

    def __init__(self, store: ZoomStore) -> None:
        self._store = store
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zoom-store")

    def _run(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        return self._thread.submit(method, *args, **kwargs).result()

    def take_rate(self, bucket: str, *, rate: float, burst: int, now: datetime) -> float:
        return float(self._run(self._store.take_rate, bucket, rate=rate, burst=burst, now=now))

    def try_lease(self, name: str, *, owner: str, now: datetime, seconds: float) -> bool:
        return bool(self._run(self._store.try_lease, name, owner=owner, now=now,
                              seconds=seconds))

    def release_lease(self, name: str, owner: str) -> bool:
        return bool(self._run(self._store.release_lease, name, owner))

    def put_shared(self, name: str, value: bytes, *, expires_at: datetime) -> None:
        self._run(self._store.put_shared, name, value, expires_at=expires_at)

    def get_shared(self, name: str) -> tuple[bytes, datetime] | None:
        result: tuple[bytes, datetime] | None = self._run(self._store.get_shared, name)
        return result

    def close(self) -> None:
        """Stop the thread (the store itself is closed by its owner)."""
        self._thread.shutdown(wait=True)
