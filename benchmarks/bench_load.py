"""The load scenario as a benchmark: N slash commands from 20 users at once, Zoom slow.

``securemeet serve`` runs in a subprocess (one uvicorn worker, the default 16 threads
for blocking work) against the Zoom emulator (every call answered in ZOOM_LATENCY s)
and the fake Slack, both in this process on 127.0.0.1; the burst is released from a
process of its own (``tests/reliability/loadgen.py``), so the clients do not wait for
this process' GIL. Two runs, each on a fresh stack:

* ``latency``: Zoom slow, no rate limits enforced. Printed: ack p50/p99/max, end-to-end
  p50/p99 (from the burst's release until the reply reached its response_url),
  meetings in Zoom and rows in the database (must both be N), the server's resident
  memory at idle (after one warm-up command) and at the peak (VmHWM), and the ratios
  to Slack's 3 s ack limit and the 150 MB memory target.
* ``pro``: the same burst while the emulator enforces a Pro account's per-second
  limits (``limits="pro"``: Light 30/s, Medium 20/s, Heavy 10/s) and answers 429 past
  them as Zoom does. Printed: the Zoom requests per schedule and how many are Medium,
  the floor those limits allow (Medium requests needed ÷ 20/s), the end-to-end p99 as a
  ratio of it (target ≤ 1.5), the 429s Zoom answered and the replies that were not a
  meeting (target 0: no 429 reaches a user).

    .venv/bin/python benchmarks/bench_load.py          # N=200 ZOOM_LATENCY=0.25
    RUNS=pro .venv/bin/python benchmarks/bench_load.py # one of the runs

``SECUREMEET_ZOOM_*`` settings in the environment reach the server (say,
``SECUREMEET_ZOOM_RATE_SHARE=1`` to see what the headroom is for).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.zoom_emulator.limits import MEDIUM, PLANS, category_of  # noqa: E402
from tests.reliability.harness import (  # noqa: E402
    SLACK_ACK_LIMIT,
    ServerProcess,
    Stack,
    burst,
    burst_apart,
    meeting_id_in,
    percentile,
    slash,
    user_id,
    wait_until,
)

N = int(os.environ.get("N", "200"))
USERS = 20
ZOOM_LATENCY = float(os.environ.get("ZOOM_LATENCY", "0.25"))
RUNS = os.environ.get("RUNS", "latency,pro").split(",")
RSS_TARGET_MB = 150.0
FLOOR_TARGET = 1.5
# The server's Zoom settings may be tried from the shell (e.g. SECUREMEET_ZOOM_RATE_SHARE).
PASSED = {k: v for k, v in os.environ.items() if k.startswith("SECUREMEET_ZOOM_")}


@dataclass
class Run:
    acks: list[float]
    e2e: list[float]
    failed: int
    meetings: int
    rows: int
    idle_mb: float
    peak_mb: float
    requests: list[tuple[str, str, int]]  # (method, path, status) of the burst's API calls
    not_a_meeting: int
    refused: int  # 429s the emulator answered for its per-second limits


def run(limits: str | None) -> Run:
    with tempfile.TemporaryDirectory() as tmp, Stack.up(Path(tmp), users=USERS) as stack, \
            ServerProcess(stack.env(**PASSED), Path(tmp) / "serve.log",
                          log_level="WARNING") as server:
        warm = slash(stack, "tomorrow 9am for 15m Warm-up", user=user_id(1))
        burst(server.url, [warm])
        stack.slack.wait_for_response(warm.response_url, timeout=30)
        idle = server.rss_mb()
        stack.emulator.set_latency(ZOOM_LATENCY)
        stack.emulator.set_limits(limits)
        logged = len(stack.emulator.request_log)
        items = [slash(stack, f"tomorrow {9 + i % 8}:00 for 30m Bench {i:03d}",
                       user=user_id(i % USERS + 1)) for i in range(N)]
        released = burst_apart([(server.url, item) for item in items])  # its own process
        wait_until(lambda: all(stack.slack.responses(i.response_url) for i in items),
                   timeout=600, interval=0.1)
        peak = server.hwm_mb()
        refused = stack.emulator.rate_limited
        requests = [r for r in stack.emulator.request_log[logged:] if r[1].startswith("/v2/")]
        arrived = {c.path: c.at for c in stack.slack.calls if c.method == "response"}
        e2e = [arrived[i.response_url.split(stack.slack.url, 1)[1]] - released for i in items]
        replies = [stack.slack.responses(i.response_url)[0] for i in items]
        stack.emulator.set_limits(None)
        stack.emulator.set_latency(0)
        return Run(
            acks=[i.ack_seconds for i in items], e2e=e2e,
            failed=sum(i.status != 200 for i in items),
            meetings=sum(m["topic"].startswith("Bench ") for m in stack.zoom_meetings().values()),
            rows=sum(r["topic"].startswith("Bench ") for r in stack.db_rows()),
            idle_mb=idle, peak_mb=peak, requests=requests,
            not_a_meeting=sum(meeting_id_in(r) is None for r in replies), refused=refused)


def report_latency(r: Run) -> None:
    p99 = percentile(r.acks, 99)
    print(f"bench_load: N={N} users={USERS} zoom_latency={ZOOM_LATENCY}s "
          f"({len(r.requests) / N:.2f} Zoom requests each)")
    print(f"  ack   p50 {percentile(r.acks, 50) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
          f"max {max(r.acks) * 1000:7.1f} ms   failed {r.failed}   over 3 s "
          f"{sum(a > SLACK_ACK_LIMIT for a in r.acks)}")
    print(f"  e2e   p50 {percentile(r.e2e, 50):7.2f} s    p99 {percentile(r.e2e, 99):7.2f} s")
    print(f"  zoom meetings {r.meetings}   db rows {r.rows}   (expected {N} each)")
    print(f"  rss   idle {r.idle_mb:6.1f} MB   peak {r.peak_mb:6.1f} MB")
    print(f"  ratios: ack p99 / Slack's 3 s = {p99 / SLACK_ACK_LIMIT:.3f}   "
          f"peak RSS / 150 MB = {r.peak_mb / RSS_TARGET_MB:.2f}")


def report_limits(r: Run, plan: str) -> None:
    medium = sum(category_of(m, p) == MEDIUM for m, p, _ in r.requests)
    limit = PLANS[plan][MEDIUM]
    floor = medium / limit
    p99 = percentile(r.e2e, 99)
    print(f"bench_load [{plan} limits]: N={N} users={USERS} zoom_latency={ZOOM_LATENCY}s")
    print(f"  zoom requests {len(r.requests)} ({len(r.requests) / N:.2f} per schedule), "
          f"Medium {medium} ({medium / N:.2f} per schedule)")
    print(f"  floor: {medium} Medium / {limit}/s = {floor:.2f} s   "
          f"e2e p50 {percentile(r.e2e, 50):.2f} s   p99 {p99:.2f} s   max {max(r.e2e):.2f} s")
    print(f"  ratio: e2e p99 / floor = {p99 / floor:.2f}   (target <= {FLOOR_TARGET})")
    print(f"  429s answered by Zoom {r.refused}   replies without a meeting "
          f"{r.not_a_meeting}   meetings {r.meetings}   db rows {r.rows}   (expected {N})")
    print(f"  ack p99 {percentile(r.acks, 99) * 1000:.1f} ms   failed {r.failed}")


def main() -> None:
    if "latency" in RUNS:
        report_latency(run(None))
    if "pro" in RUNS:
        report_limits(run("pro"), "pro")


if __name__ == "__main__":
    main()
