"""Schedule and audit latency when every Zoom call is slow: what the cache and reads at
once save, against the plain loop.

A schedule is a create, then a read-back of the meeting and three reads of what governs
it (the host's settings, the account's locks — two calls — and the host's PMI). An
audit is a read of the meeting, then the same host reads. Two things keep the user from
waiting for all of them: the host and account reads are cached for a while
(``bot/zoom/cache.py``, docs/ZOOM.md), and the reads that remain run at once
(:func:`commands.meeting_view.gather`). This script runs the same commands against the
built-in Zoom emulator answering every call in ``ZOOM_LATENCY`` seconds, in one run:

- as shipped: cache on, reads at once (a host already read in the last two minutes);
- cache off, reads at once (every command as a host's first);
- cache off, ``gather`` made sequential (the peer: the plain loop),

and prints each and the ratios against the plain loop.

    .venv/bin/python benchmarks/bench_schedule.py        # N=8 ZOOM_LATENCY=0.2
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bootstrap import bootstrap  # noqa: E402
from bot.config import Config  # noqa: E402
from commands import audit, meeting_view, router, schedule  # noqa: E402
from commands.context import Requester  # noqa: E402

N = int(os.environ.get("N", "8"))
ZOOM_LATENCY = float(os.environ.get("ZOOM_LATENCY", "0.2"))
WHO = Requester(user="bench:me", platform="console", email="bench@example.com", tz="UTC",
                is_admin=True)


def one_by_one(*calls: Callable[[], Any]) -> list[Any]:
    return [call() for call in calls]


def timed(services: Any, text: str) -> float:
    started = time.perf_counter()
    reply = router.dispatch(services.ctx, WHO, text)
    seconds = time.perf_counter() - started
    assert not reply.error, reply.plain_text()
    return seconds


def measure(services: Any) -> tuple[float, float]:
    """Mean seconds per schedule and per audit of the meeting just made."""
    made, audited = [], []
    for i in range(N):
        made.append(timed(services, f"tomorrow {1 + i % 5}pm for 30m Bench {i}"))
        audited.append(timed(services, f"audit {_last_id(services)}"))
    return statistics.mean(made), statistics.mean(audited)


def _last_id(services: Any) -> int:
    events = services.store.events(kinds=("schedule",))
    return int(events[-1].meeting_id)


def run(cache_seconds: float, sequential: bool) -> tuple[float, float]:
    """Mean seconds per schedule and per audit with one configuration."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(db_path=str(Path(tmp) / "bench.db"), zoom_cache_seconds=cache_seconds)
        services = bootstrap(config)
        shipped = meeting_view.gather
        try:
            services.emulator.set_latency(ZOOM_LATENCY)
            timed(services, "tomorrow 9am for 30m Warm-up")  # the token, and a warm cache
            if sequential:
                for module in (meeting_view, schedule, audit):
                    module.gather = one_by_one  # type: ignore[attr-defined]
            return measure(services)
        finally:
            for module in (meeting_view, schedule, audit):
                module.gather = shipped  # type: ignore[attr-defined]
            services.close()


def main() -> None:
    runs = {
        "shipped: cache, reads at once": run(120.0, sequential=False),
        "no cache, reads at once": run(0.0, sequential=False),
        "no cache, one by one (peer)": run(0.0, sequential=True),
    }
    peer = runs["no cache, one by one (peer)"]
    print(f"Zoom answering every call in {ZOOM_LATENCY * 1000:.0f} ms, {N} of each:")
    for name, (made, audited) in runs.items():
        print(f"  {name:<31} schedule {made * 1000:5.0f} ms ({made / ZOOM_LATENCY:.1f} round "
              f"trips)   audit {audited * 1000:5.0f} ms ({audited / ZOOM_LATENCY:.1f})")
    for name, (made, audited) in list(runs.items())[:2]:
        print(f"{name}: schedule {peer[0] / made:.1f}x, audit {peer[1] / audited:.1f}x "
              "faster than the plain loop")


if __name__ == "__main__":
    main()
