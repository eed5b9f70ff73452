"""A load generator in its own process: signed Slack requests released at one instant.

Why a process of its own: a burst of a few hundred client threads in the process that
also runs the Zoom emulator and the fake Slack makes the clients wait for that
process' GIL, while the servers under test call the emulator; the acknowledgement
times measured then include the client's own queue. Here the clients share a GIL with
nothing else, so what is measured is the server (``benchmarks/bench_replicas.py``;
``bench_slack.py`` fires its bursts the same way).

    python -m tests.reliability.loadgen < requests.json > results.json

Input: a JSON list of ``{"url": server base URL, "body": form body}``. Each body is
signed just before the release, as Slack signs each delivery, and posted to
``/slack/events`` on a fresh connection (``http.client``: little client work per request).
Output: ``{"released": the release instant (``time.monotonic()``: the same clock in
every process), "results": one {"status", "ack_seconds", "error"} per request, in the
same order}``.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.slack import signed_headers

TIMEOUT = 60.0


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, float]:
    """POST one signed body; its status and the seconds until the whole answer was read."""
    where = urlsplit(url)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port,
                                      timeout=TIMEOUT)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        conn.close()


def fire(requests: list[dict[str, str]]) -> dict[str, Any]:
    """Send every request at the same instant (one thread each, released by a barrier)."""
    headers = [signed_headers(r["body"]) for r in requests]
    results: list[dict[str, Any]] = [{"status": 0, "ack_seconds": 0.0, "error": ""}
                                     for _ in requests]
    barrier = threading.Barrier(len(requests) + 1)

    def one(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            results[i]["status"], results[i]["ack_seconds"] = post(
                requests[i]["url"], requests[i]["body"], headers[i])
        except OSError as exc:  # refused, reset, timed out
            results[i].update(error=type(exc).__name__,
                              ack_seconds=time.perf_counter() - started)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    barrier.wait()
    released = time.monotonic()
    for t in threads:
        t.join()
    return {"released": released, "results": results}


if __name__ == "__main__":
    json.dump(fire(json.load(sys.stdin)), sys.stdout)
