"""The system under test on 127.0.0.1, and a client that drives it as Slack does.

A :class:`Stack` is the outside world: the Zoom emulator (in this process, so a test
can inject faults and read what Zoom holds), the fake Slack Web API with its
``response_url`` endpoints, and a temporary SQLite file. The server runs either in this
process (:func:`serve_in_process`: a real uvicorn on a thread, so a test may hand the
composition root a specially built Zoom client) or as ``securemeet serve`` in a
subprocess (:class:`ServerProcess`: what production runs; it can be SIGKILLed and its
memory read from ``/proc``). Everything goes over real HTTP on 127.0.0.1.

:func:`burst` releases N signed slash commands at the same instant (threads behind a
barrier) and times each acknowledgement. Every secret and every log line the stack
produces reaches :mod:`tests.reliability.witness` for the leak scan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.server import create_app
from bot.services import Services
from bot.zoom_emulator import ZoomEmulator
from tests import paths
from tests.fakes.asgi_thread import ServerThread
from tests.fakes.live import live_env
from tests.fakes.slack import (
    TEAM_ID,
    FakeSlack,
    signed_headers,
    slash_body,
)
from tests.reliability import witness

ROOT = paths.ROOT
SLACK_ACK_LIMIT = 3.0
ADMIN_EMAIL = "admin@example.com"
_labels = itertools.count(1)


def user_id(n: int) -> str:
    return f"U{n:03d}"


def email_of(n: int) -> str:
    return f"user{n:03d}@example.com"


@dataclass
class Stack:
    emulator: ZoomEmulator
    slack: FakeSlack
    db_path: Path
    users: int = 20
    env_extra: dict[str, str] = field(default_factory=dict)  # more settings for the server

    @classmethod
    @contextlib.contextmanager
    def up(cls, tmp: Path, *, users: int = 20, latency: float = 0.0) -> Iterator[Stack]:
        with ZoomEmulator(latency=latency) as emulator, FakeSlack() as slack:
            for n in range(1, users + 1):
                slack.add_user(user_id(n), email=email_of(n), tz="Europe/London")
            slack.add_user("UADMIN", email=ADMIN_EMAIL)  # made an admin by SECUREMEET_ADMINS
            slack.add_user("UWSADMIN", email="owner@example.com", is_admin=True)
            stack = cls(emulator, slack, tmp / "securemeet.db", users)
            witness.track_database(stack.db_path)
            yield stack

    def env(self, **extra: str) -> dict[str, str]:
        env = live_env(self.slack, self.emulator, self.db_path,
                       SECUREMEET_ADMINS=f"UADMIN,{ADMIN_EMAIL}")
        env.update(self.env_extra)
        env.update(extra)
        return env

    # what each side holds -----------------------------------------------------------------
    def zoom_meetings(self) -> dict[int, dict[str, Any]]:
        return self.emulator.meetings

    def db_rows(self, table: str = "meetings") -> list[dict[str, Any]]:
        return db_rows(self.db_path, table)

    def assert_records_match_zoom(self) -> None:
        """No orphan meeting in Zoom, no record without a Zoom meeting."""
        in_zoom = set(self.zoom_meetings())
        in_db = {row["meeting_id"] for row in self.db_rows()}
        assert in_zoom - in_db == set(), f"meetings in Zoom without a record: {in_zoom - in_db}"
        assert in_db - in_zoom == set(), f"records without a Zoom meeting: {in_db - in_zoom}"


def db_rows(path: Path, table: str = "meetings") -> list[dict[str, Any]]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"select * from {table}")]  # noqa: S608
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path, timeout=10)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# --- servers ---------------------------------------------------------------------------

@dataclass
class Running:
    url: str
    services: Services | None = None


@contextlib.contextmanager
def serve_in_process(stack: Stack, *, unchecked: dict[str, Any] | None = None,
                     **build_kw: Any) -> Iterator[Running]:
    """The real ASGI app on uvicorn in a thread; ``build_kw`` go to ``bootstrap``.
    ``unchecked``: settings put in after validation, for a combination production
    refuses (the fuzz tests' Teams without token checks, next to live credentials)."""
    config = Config.from_env(stack.env())
    if unchecked:
        config = dataclasses.replace(config, **unchecked)
    services = bootstrap(config, **build_kw)
    try:
        with ServerThread(create_app(services)) as server:
            yield Running(server.url, services)
    finally:
        services.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def securemeet_command() -> list[str]:
    script = Path(sys.executable).parent / "securemeet"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import main; main()"]


@dataclass
class ServerProcess:
    """``securemeet serve`` in a subprocess with a clean environment."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_level: str = "DEBUG"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get(
            "HOME", "/tmp"), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **self.env}
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [*securemeet_command(), "--log-level", self.log_level, "serve",
             "--port", str(self.port)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"securemeet serve exited: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("securemeet serve did not become healthy in time")

    def status(self, key: str) -> int:
        """A ``/proc/<pid>/status`` figure in kB (VmRSS, VmHWM)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def rss_mb(self) -> float:
        return self.status("VmRSS") / 1024

    def hwm_mb(self) -> float:
        return self.status("VmHWM") / 1024

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, as when the machine dies."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._collect()

    def stop(self) -> None:
        """SIGTERM and wait (graceful)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._collect()

    def _collect(self) -> None:
        if self.log_path.exists():
            witness.add_log_text(self.log_path.read_text(errors="replace"), source="subprocess")
            self.log_path.unlink()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Slack's side ----------------------------------------------------------------------

@dataclass
class Sent:
    label: str
    user: str
    text: str
    response_url: str
    trigger_id: str
    body: str
    status: int = 0
    ack_seconds: float = 0.0
    ack: Any = None
    error: str = ""
    sent_at: float = 0.0


def slash(stack: Stack, text: str, *, user: str, label: str | None = None) -> Sent:
    label = label or f"c{next(_labels)}"
    url = stack.slack.response_url(label)
    trigger = f"{label}.{int(time.time())}.{os.urandom(4).hex()}"
    body = slash_body(text, user_id=user, response_url=url, trigger_id=trigger)
    return Sent(label, user, text, url, trigger, body)


def post_signed(base_url: str, body: str, *, headers: dict[str, str] | None = None,
                timeout: float = 30.0, path: str = "/slack/events",
                session: requests.Session | None = None) -> requests.Response:
    sender = session or requests
    return sender.post(base_url + path, data=body.encode(),
                       headers=headers if headers is not None else signed_headers(body),
                       timeout=timeout)


def send(base_url: str, sent: Sent, *, retry_num: int | None = None,
         timeout: float = 30.0) -> Sent:
    headers = signed_headers(sent.body)  # signed now, as Slack signs each delivery
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    sent.sent_at = time.perf_counter()
    try:
        response = post_signed(base_url, sent.body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        sent.error = type(exc).__name__
    else:
        sent.status = response.status_code
        with contextlib.suppress(ValueError):
            sent.ack = response.json()
    sent.ack_seconds = time.perf_counter() - sent.sent_at
    return sent


def burst(base_url: str, items: list[Sent], *, timeout: float = 30.0) -> list[Sent]:
    """Send every item at the same instant (one thread each, released by a barrier)."""
    barrier = threading.Barrier(len(items))

    def one(item: Sent) -> None:
        barrier.wait()
        send(base_url, item, timeout=timeout)

    threads = [threading.Thread(target=one, args=(item,), daemon=True) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 30)
    return items


def burst_apart(sends: list[tuple[str, Sent]], *, timeout: float = 300.0) -> float:
    """Send every ``(server URL, item)`` at the same instant from another process
    (:mod:`tests.reliability.loadgen`), so the clients do not queue for this process'
    GIL behind the emulator and the fake Slack; fills each item's status and ack time
    and returns the release instant (``time.monotonic()``)."""
    requests_ = [{"url": url, "body": sent.body} for url, sent in sends]
    done = subprocess.run([sys.executable, "-m", "tests.reliability.loadgen"],
                          input=json.dumps(requests_), capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, check=True)
    fired = json.loads(done.stdout)
    for (_, sent), result in zip(sends, fired["results"], strict=True):
        sent.status, sent.ack_seconds = result["status"], result["ack_seconds"]
        sent.error = result["error"]
    return float(fired["released"])


def reply_of(stack: Stack, sent: Sent, *, timeout: float = 30.0,
             retried: bool = False) -> dict[str, Any]:
    """The one message that reached the request's response_url (waits for it).

    ``retried``: the fake Slack refused some deliveries (429) and the bot sent the same
    body again; every body must be the same (the caller counts the deliveries)."""
    if not retried:
        (message,) = stack.slack.wait_for_response(sent.response_url, timeout=timeout)
        return message
    bodies = stack.slack.wait_for_response(sent.response_url, timeout=timeout)
    assert all(body == bodies[0] for body in bodies)
    return bodies[-1]


def meeting_id_in(message: dict[str, Any]) -> int | None:
    """The meeting a scheduled-meeting reply is about (its End button's value)."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith("securemeet:end"):
                return int(element["value"].split()[1])
    return None


def text_of(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)


__all__ = ["TEAM_ID", "Stack", "ServerProcess", "serve_in_process", "burst", "slash", "send"]
