"""A process that opens a store, for tests of replicas starting at the same instant.
Kept apart from the tests so a spawned process imports only ``storage``."""

from __future__ import annotations

from typing import Any


def open_when_released(dsn: str, start: Any, results: Any) -> None:
    """Wait at ``start`` (a barrier), open (and so migrate) the store, report the
    schema version reached or the error."""
    from storage import open_store

    start.wait()
    try:
        store = open_store(dsn, pool_size=1)
        try:
            ok, why = store.ready()
            results.put(("ok", ok, why))
        finally:
            store.close()
    except Exception as exc:  # reported to the test
        results.put(("error", type(exc).__name__, str(exc)))
