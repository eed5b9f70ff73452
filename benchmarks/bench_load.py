"""The load scenario as a benchmark: N slash commands from 20 users at once, Zoom slow.

``securemeet serve`` runs in a subprocess (one uvicorn worker, the default 16 threads
for blocking work) against the Zoom emulator (every call answered in ZOOM_LATENCY s)
and the fake Slack, both in this process on 127.0.0.1. Printed: ack p50/p99/max,
end-to-end p50/p99 (from the burst's release until the reply reached its
response_url), meetings in Zoom and rows in the database (must both be N), the
server's resident memory at idle (after one warm-up command) and at the peak
(VmHWM), and the ratios to Slack's 3 s ack limit and the 150 MB memory target.

    .venv/bin/python benchmarks/bench_load.py          # N=200 ZOOM_LATENCY=0.25
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.harness import (  # noqa: E402
    SLACK_ACK_LIMIT,
    ServerProcess,
    Stack,
    burst,
    percentile,
    slash,
    user_id,
    wait_until,
)

N = int(os.environ.get("N", "200"))
USERS = 20
ZOOM_LATENCY = float(os.environ.get("ZOOM_LATENCY", "0.25"))
RSS_TARGET_MB = 150.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Stack.up(Path(tmp), users=USERS) as stack, \
            ServerProcess(stack.env(), Path(tmp) / "serve.log", log_level="WARNING") as server:
        warm = slash(stack, "tomorrow 9am for 15m Warm-up", user=user_id(1))
        burst(server.url, [warm])
        stack.slack.wait_for_response(warm.response_url, timeout=30)
        idle = server.rss_mb()
        stack.emulator.set_latency(ZOOM_LATENCY)
        items = [slash(stack, f"tomorrow {9 + i % 8}:00 for 30m Bench {i:03d}",
                       user=user_id(i % USERS + 1)) for i in range(N)]
        released = time.monotonic()
        burst(server.url, items)
        wait_until(lambda: all(stack.slack.responses(i.response_url) for i in items),
                   timeout=600, interval=0.1)
        peak = server.hwm_mb()
        arrived = {c.path: c.at for c in stack.slack.calls if c.method == "response"}
        e2e = [arrived[i.response_url.split(stack.slack.url, 1)[1]] - released for i in items]
        acks = [i.ack_seconds for i in items]
        failed = sum(i.status != 200 for i in items)
        meetings = sum(m["topic"].startswith("Bench ") for m in stack.zoom_meetings().values())
        rows = sum(r["topic"].startswith("Bench ") for r in stack.db_rows())
        stack.emulator.set_latency(0)
    p99 = percentile(acks, 99)
    print(f"bench_load: N={N} users={USERS} zoom_latency={ZOOM_LATENCY}s (6 Zoom calls each)")
    print(f"  ack   p50 {percentile(acks, 50) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
          f"max {max(acks) * 1000:7.1f} ms   failed {failed}   over 3 s "
          f"{sum(a > SLACK_ACK_LIMIT for a in acks)}")
    print(f"  e2e   p50 {percentile(e2e, 50):7.2f} s    p99 {percentile(e2e, 99):7.2f} s")
    print(f"  zoom meetings {meetings}   db rows {rows}   (expected {N} each)")
    print(f"  rss   idle {idle:6.1f} MB   peak {peak:6.1f} MB")
    print(f"  ratios: ack p99 / Slack's 3 s = {p99 / SLACK_ACK_LIMIT:.3f}   "
          f"peak RSS / 150 MB = {peak / RSS_TARGET_MB:.2f}")


if __name__ == "__main__":
    main()
