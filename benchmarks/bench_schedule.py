"""Schedule and audit latency when every Zoom call is slow: reads at once vs one by one.

A schedule is a create, then a read-back of the meeting and three reads of what governs
it (the host's settings, the account's locks — two calls — and the host's PMI). An
audit is a read of the meeting, then the same host reads. The core runs independent
reads at once (:func:`commands.meeting_view.gather`); this script runs the same
commands against the built-in Zoom emulator answering every call in ``ZOOM_LATENCY``
seconds, first as shipped, then with ``gather`` made sequential (the peer: the plain
loop it replaced), in one run, and prints both and the ratio.

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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        services = bootstrap(Config(db_path=str(Path(tmp) / "bench.db")))
        try:
            services.emulator.set_latency(ZOOM_LATENCY)
            fast = measure(services)
            shipped = meeting_view.gather
            for module in (meeting_view, schedule, audit):
                module.gather = one_by_one  # type: ignore[attr-defined]
            try:
                slow = measure(services)
            finally:
                for module in (meeting_view, schedule, audit):
                    module.gather = shipped  # type: ignore[attr-defined]
        finally:
            services.close()
    print(f"Zoom answering every call in {ZOOM_LATENCY * 1000:.0f} ms, {N} of each:")
    for name, ours, peer in (("schedule", fast[0], slow[0]), ("audit", fast[1], slow[1])):
        print(f"  {name:<8} reads at once {ours * 1000:6.0f} ms   one by one "
              f"{peer * 1000:6.0f} ms   ({ours / ZOOM_LATENCY:.1f} vs "
              f"{peer / ZOOM_LATENCY:.1f} Zoom round trips)")
    print(f"schedule: {slow[0] / fast[0]:.1f}x faster than one-by-one Zoom reads")
    print(f"audit: {slow[1] / fast[1]:.1f}x faster than one-by-one Zoom reads")


if __name__ == "__main__":
    main()
