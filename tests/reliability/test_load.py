"""Load: 200 slash commands from 20 users at once while Zoom answers slowly.

``securemeet serve`` runs in a subprocess, as in production (one uvicorn worker, the
default 16 threads for blocking work). Every command must be acknowledged within
Slack's 3 s, create exactly one meeting (the emulator holds 200, the database has 200
rows, one per request), and get its private reply through its own ``response_url``.
The server's memory is read from ``/proc`` at idle and at the peak.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.reliability.harness import (
    SLACK_ACK_LIMIT,
    ServerProcess,
    Stack,
    burst,
    meeting_id_in,
    percentile,
    reply_of,
    slash,
    user_id,
)

N = int(os.environ.get("RELIABILITY_LOAD_N", "200"))
USERS = 20
ZOOM_LATENCY = 0.25  # seconds for every Zoom call; a command makes six
RSS_TARGET_MB = 150


def test_200_commands_from_20_users_all_acked_created_once_and_answered(tmp_path):
    with Stack.up(tmp_path, users=USERS) as stack, \
            ServerProcess(stack.env(), tmp_path / "serve.log", log_level="INFO") as server:
        warm = slash(stack, "tomorrow 9am for 15m Warm-up", user=user_id(1))
        burst(server.url, [warm])
        reply_of(stack, warm)
        idle_mb = server.rss_mb()
        stack.emulator.set_latency(ZOOM_LATENCY)

        items = [slash(stack, f"tomorrow {9 + i % 8}:00 for 30m Load {i:03d}",
                       user=user_id(i % USERS + 1), label=f"load{i:03d}") for i in range(N)]
        started = time.perf_counter()
        burst(server.url, items)
        acks = [item.ack_seconds for item in items]
        assert [i.label for i in items if i.status != 200] == [], [
            (i.label, i.status, i.error) for i in items if i.status != 200][:5]
        late = [(i.label, round(i.ack_seconds, 2)) for i in items
                if i.ack_seconds > SLACK_ACK_LIMIT]
        assert late == [], f"acks over Slack's 3 s: {late[:10]}"
        assert all(i.ack == {"text": "⏳ Working on it…", "response_type": "ephemeral"}
                   for i in items)

        replies = {i.label: reply_of(stack, i, timeout=120) for i in items}
        e2e = time.perf_counter() - started
        peak_mb = server.hwm_mb()
        stack.emulator.set_latency(0)

        ids = {label: meeting_id_in(message) for label, message in replies.items()}
        failed = [label for label, mid in ids.items() if mid is None]
        assert failed == [], f"no meeting in the reply of {failed[:5]}"
        assert len(set(ids.values())) == N  # one distinct meeting per request
        zoom = stack.zoom_meetings()
        topics = sorted(m["topic"] for m in zoom.values() if m["topic"].startswith("Load "))
        assert topics == sorted(f"Load {i:03d}" for i in range(N))  # each exactly once
        rows = [r for r in stack.db_rows() if r["topic"].startswith("Load ")]
        assert len(rows) == N
        assert {r["meeting_id"] for r in rows} == set(ids.values())
        stack.assert_records_match_zoom()
        for item in items:  # exactly one reply each, to its own response_url
            assert len(stack.slack.responses(item.response_url)) == 1

    assert peak_mb < RSS_TARGET_MB, f"peak RSS {peak_mb:.0f} MB"
    report = {"n": N, "ack_p50_ms": percentile(acks, 50) * 1000,
              "ack_p99_ms": percentile(acks, 99) * 1000, "ack_max_ms": max(acks) * 1000,
              "e2e_s": e2e, "rss_idle_mb": idle_mb, "rss_peak_mb": peak_mb}
    print("\nload:", {k: round(v, 1) for k, v in report.items()})


@pytest.fixture(autouse=True)
def _bounded():
    started = time.monotonic()
    yield
    assert time.monotonic() - started < 240, "the load scenario ran too long"
