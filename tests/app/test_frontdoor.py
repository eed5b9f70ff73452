"""The front door's step before an acknowledgement never queues behind Zoom work."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from bot import pool
from bot.bootstrap import bootstrap
from bot.config import Config
from bot.frontdoor import FrontDoor, Inbound

HELD = 5.0  # seconds the work below would hold every pool thread


@pytest.mark.parametrize("writer", [None, "another writer for 0.2 s"])
def test_accept_does_not_wait_for_the_work_of_requests_acknowledged_before(
        tmp_path, small_pool, writer):
    """Under a burst, the requests acknowledged first start their Zoom work on the pool
    while later ones still wait for their acknowledgement. On the shared pool their
    claim waited behind that work: 300 commands at once took seconds to acknowledge
    (benchmarks/bench_replicas.py). Done at once on the loop (the write lock free), or
    on threads of its own (the lock held a moment elsewhere), it takes milliseconds."""
    db = str(tmp_path / "securemeet.db")
    services = bootstrap(Config(db_path=db))
    door, release = FrontDoor(services), threading.Event()
    if writer:
        hold_the_write_lock(db, seconds=0.2)

    async def main() -> tuple[bool, bool, float]:
        work = [asyncio.ensure_future(pool.run_blocking(release.wait, HELD))
                for _ in range(2 * pool.size())]  # every thread busy, as many queued
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        inbound = Inbound("slack", "slack:command:t1", "slack:T1:U1", "tomorrow 3pm Sync")
        first = await door.accept(inbound)
        took = time.perf_counter() - started
        again = await door.accept(inbound)  # a retry: claimed already
        release.set()
        await asyncio.gather(*work)
        return first, again, took

    try:
        first, again, took = asyncio.run(main())
    finally:
        services.close()
    assert (first, again) == (True, False)
    assert took < 1.0, f"accept waited {took:.1f} s behind the work on the pool"


def hold_the_write_lock(db: str, *, seconds: float) -> None:
    """Another connection takes SQLite's write lock now and lets it go in ``seconds``."""
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def let_go() -> None:
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    threading.Thread(target=let_go, daemon=True).start()
