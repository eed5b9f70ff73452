"""Slack ack latency under a burst: SecureMeet vs a bare Bolt AsyncApp, in one run.

50 signed ``/securemeet`` commands from 50 users are released at the same instant
(threads + a barrier), while the Zoom emulator answers every call in 2 s. Both servers
run the same stack in their own process (Starlette + Bolt's async handler on one
uvicorn worker): ``securemeet serve``, and a bare ``AsyncApp`` whose listener only
acks, built below. Printed: ack p50/p99 (ms, and as a share of Slack's 3 s limit) for
both, SecureMeet's end-to-end p99 (until the ``response_url`` reply arrives), refused or
reset connections, and the meetings created in the emulator (must be exactly 50).
The last line is the ratio. Targets: p99 ≤ 1.5× the bare app's and under 100 ms.

    .venv/bin/python benchmarks/bench_slack.py          # REPS=3 N=50 ZOOM_LATENCY=2
"""

from __future__ import annotations

import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.zoom_emulator import ZoomEmulator  # noqa: E402
from tests.fakes.slack import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    signed_headers,
    slash_body,
)
from tests.reliability import loadgen  # noqa: E402

N = int(os.environ.get("N", "50"))
REPS = int(os.environ.get("REPS", "3"))
ZOOM_LATENCY = float(os.environ.get("ZOOM_LATENCY", "2.0"))
SLACK_LIMIT = 3.0
BIN = Path(sys.executable).parent


# --- the bare app (run in its own process: `bench_slack.py --bare PORT SLACK_API_URL`) ----
def run_bare(port: int, api_url: str) -> None:
    import uvicorn
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
                   signing_secret=SIGNING_SECRET)

    @app.command("/securemeet")
    async def only_ack(ack):  # type: ignore[no-untyped-def]
        await ack()

    handler = AsyncSlackRequestHandler(app)

    async def events(request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)

    async def healthz(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"status": "ok"})

    api = Starlette(routes=[Route("/slack/events", events, methods=["POST"]),
                            Route("/healthz", healthz)])
    uvicorn.run(api, host="127.0.0.1", port=port, workers=1, log_level="warning",
                backlog=2048)


# --- measuring -------------------------------------------------------------------------------
@dataclass
class Burst:
    acks: list[float] = field(default_factory=list)  # seconds
    ends: list[float] = field(default_factory=list)  # seconds, to the response_url reply
    errors: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    created: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not become healthy")


def post(port: int, body: str, headers: dict[str, str]) -> tuple[int, float]:
    return loadgen.post(f"http://127.0.0.1:{port}", body, headers)


def fire(port: int, n: int, label: str, slack_url: str) -> dict:
    """The load generator (its own process, so the fakes don't share its GIL)."""
    urls = [f"{slack_url}/response/{label}-{i}" for i in range(n)]
    bodies = [slash_body(f"tomorrow 3pm for 45m Burst {label} {i}", user_id=f"UB{i:03d}",
                         response_url=urls[i]) for i in range(n)]
    headers = [signed_headers(b) for b in bodies]
    barrier = threading.Barrier(n + 1)
    starts = [0.0] * n
    acks: list[float | None] = [None] * n
    statuses: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        barrier.wait()
        starts[i] = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
        try:
            status, took = post(port, bodies[i], headers[i])
        except OSError as exc:  # refused, reset, timed out
            with lock:
                errors.append(type(exc).__name__)
            return
        with lock:
            statuses.append(status)
        acks[i] = took

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()
    return {"urls": urls, "starts": starts, "acks": acks, "statuses": statuses,
            "errors": errors}


def burst(port: int, slack: FakeSlack, label: str, *, wait_replies: bool,
          emulator: ZoomEmulator) -> Burst:
    before = len(emulator.meetings)
    out = subprocess.run([sys.executable, __file__, "--fire", str(port), str(N), label,
                          slack.url], capture_output=True, text=True, check=True, timeout=300)
    fired = json.loads(out.stdout)
    result = Burst(acks=[a for a in fired["acks"] if a is not None], errors=fired["errors"],
                   statuses=fired["statuses"])
    if wait_replies:
        urls = fired["urls"]
        slack.wait_for(lambda s: all(s.responses(u) for u in urls), timeout=600)
        for start, url in zip(fired["starts"], urls, strict=True):
            path = url[len(slack.url):]
            arrived = min(c.at for c in slack.calls if c.path == path)
            result.ends.append(arrived - start)
        result.created = len(emulator.meetings) - before
    return result


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def share(seconds: float) -> str:
    return f"{seconds / SLACK_LIMIT * 100:.1f}% of 3 s"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) == 6 and sys.argv[1] == "--fire":
        print(json.dumps(fire(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])))
        return
    tmp = tempfile.TemporaryDirectory()
    procs: list[subprocess.Popen] = []
    with FakeSlack() as slack, ZoomEmulator(latency=0.0) as zoom:
        for i in range(N):
            slack.add_user(f"UB{i:03d}", email=f"user{i:03d}@example.com", tz="Asia/Kolkata")
        ours_port, bare_port = free_port(), free_port()
        env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url,
               "ZOOM_ACCOUNT_ID": zoom.account_id, "ZOOM_CLIENT_ID": zoom.client_id,
               "ZOOM_CLIENT_SECRET": zoom.client_secret, "ZOOM_API_URL": zoom.api_url,
               "ZOOM_OAUTH_URL": zoom.oauth_url, "SECUREMEET_DB": f"{tmp.name}/bench.db",
               "SECUREMEET_LOG_LEVEL": "WARNING"}
        log = open(f"{tmp.name}/server.log", "w")  # noqa: SIM115
        try:
            procs.append(subprocess.Popen([str(BIN / "securemeet"), "serve", "--port",
                                           str(ours_port)], env=env, stdout=log, stderr=log))
            procs.append(subprocess.Popen([sys.executable, __file__, "--bare", str(bare_port),
                                           slack.api_url], env=env, stdout=log, stderr=log))
            wait_healthy(ours_port, procs[0])
            wait_healthy(bare_port, procs[1])
            # warm-up: auth.test, imports, the Zoom token, first connections
            for port in (ours_port, bare_port):
                url = slack.response_url(f"warm-{port}")
                body = slash_body("tomorrow 3pm for 45m Warm-up", user_id="UB000",
                                  response_url=url)
                post(port, body, signed_headers(body))
                if port == ours_port:
                    slack.wait_for_response(url, timeout=30)
            time.sleep(1)
            zoom.set_latency(ZOOM_LATENCY)

            bare_runs: list[Burst] = []
            ours_runs: list[Burst] = []
            for rep in range(REPS):
                bare_runs.append(burst(bare_port, slack, f"bare{rep}", wait_replies=False,
                                       emulator=zoom))
                time.sleep(0.5)
                ours_runs.append(burst(ours_port, slack, f"ours{rep}", wait_replies=True,
                                       emulator=zoom))
                time.sleep(0.5)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()
        server_log = Path(f"{tmp.name}/server.log").read_text()
    tmp.cleanup()
    report(bare_runs, ours_runs, server_log)


def report(bare_runs: list[Burst], ours_runs: list[Burst], server_log: str) -> None:
    def med(runs: list[Burst], p: float, attr: str = "acks") -> float:
        return statistics.median(pct(getattr(r, attr), p) for r in runs)

    print(f"bench_slack: {N} signed /securemeet commands released at once, Zoom answering "
          f"every call in {ZOOM_LATENCY:.1f} s; {REPS} reps, median of per-rep percentiles")
    b50, b99 = med(bare_runs, 50), med(bare_runs, 99)
    o50, o99 = med(ours_runs, 50), med(ours_runs, 99)
    e50, e99 = med(ours_runs, 50, "ends"), med(ours_runs, 99, "ends")
    print(f"  bare AsyncApp (ack only): ack p50 {ms(b50)} ({share(b50)}), "
          f"p99 {ms(b99)} ({share(b99)})")
    print(f"  SecureMeet serve:         ack p50 {ms(o50)} ({share(o50)}), "
          f"p99 {ms(o99)} ({share(o99)})")
    print(f"  SecureMeet end to end (response_url reply): p50 {e50:.1f} s, p99 {e99:.1f} s")
    for name, runs in (("bare", bare_runs), ("ours", ours_runs)):
        errors = [e for r in runs for e in r.errors]
        bad = [s for r in runs for s in r.statuses if s != 200]
        print(f"  {name}: per rep {[len(r.acks) for r in runs]} acks of {N}; "
              f"refused/reset/other connection errors: {len(errors)} {sorted(set(errors))}; "
              f"non-200: {len(bad)}")
    created = [r.created for r in ours_runs]
    print(f"  meetings created in the emulator per rep: {created} (expected {N} each)")
    late = sum(1 for r in ours_runs for a in r.acks if a >= SLACK_LIMIT)
    print(f"  acks past Slack's 3 s: {late}")
    if "Traceback" in server_log:
        print("  server log has a traceback:\n" + server_log[-2000:])
    ok = (o99 <= 1.5 * b99 and o99 < 0.1 and all(c == N for c in created)
          and not any(r.errors for r in bare_runs + ours_runs))
    print(f"slack_ack: p99 {o99 / b99:.1f}x bare AsyncApp ({ms(o99)}, "
          f"{o99 / SLACK_LIMIT * 100:.1f}% of Slack's 3 s){'' if ok else '  [TARGET MISSED]'}")


if __name__ == "__main__":
    main()
