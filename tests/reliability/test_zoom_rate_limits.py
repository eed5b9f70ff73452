"""A burst under a Zoom Pro account's rate limits: it queues, and no 429 reaches a user.

``securemeet serve`` runs in a subprocess as in production, against the Zoom emulator
enforcing Pro's per-second limits (Light 30/s, Medium 20/s) and answering 429 past them
as Zoom does. 80 commands from 20 users arrive at once; every one must get its meeting,
Zoom must have refused nothing (the per-account budget kept the burst under the
limits), and a schedule must cost at most 3 Zoom requests (the cache of host and
account settings). ``benchmarks/bench_load.py`` runs the same at 200 and times it.
"""

from __future__ import annotations

from bot.zoom_emulator.limits import MEDIUM, category_of
from tests.reliability.harness import (
    ServerProcess,
    Stack,
    burst,
    meeting_id_in,
    reply_of,
    slash,
    user_id,
)

N = 80
USERS = 20


def test_a_burst_under_pro_limits_queues_and_no_429_reaches_a_user(tmp_path):
    with Stack.up(tmp_path, users=USERS) as stack, \
            ServerProcess(stack.env(), tmp_path / "serve.log", log_level="INFO") as server:
        stack.emulator.set_limits("pro")
        logged = len(stack.emulator.request_log)
        items = [slash(stack, f"tomorrow {9 + i % 8}:00 for 30m Limited {i:03d}",
                       user=user_id(i % USERS + 1), label=f"limited{i:03d}")
                 for i in range(N)]
        burst(server.url, items)
        assert [i.status for i in items] == [200] * N
        replies = [reply_of(stack, item, timeout=120) for item in items]
        requests = [r for r in stack.emulator.request_log[logged:] if r[1].startswith("/v2/")]
        refused = stack.emulator.rate_limited

    assert [i.label for i, r in zip(items, replies, strict=True) if meeting_id_in(r) is None] \
        == []
    assert refused == 0 and all(status < 400 for _, _, status in requests)
    assert len(requests) <= 3 * N
    medium = sum(category_of(method, path) == MEDIUM for method, path, _ in requests)
    assert medium <= N + USERS + 2  # a create each, a host's settings once, the locks once
