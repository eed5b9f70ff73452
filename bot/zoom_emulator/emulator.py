"""A Zoom emulator: Zoom's REST API (v2) and S2S OAuth over real HTTP on loopback.

Sandbox mode and the tests point the real :class:`bot.zoom.client.ZoomClient` at it,
so they run the real code path: pooling, tokens, retries, error mapping. It follows
``zoom-openapi-excerpt.json`` (status codes, field names, shapes) and the behaviour in
research/zoom.md: Zoom's API defaults (not the portal's), account locks that override
what a request asks for, waiting room disabling join-before-host, ``auto_security``,
passcode rules, the PMI, recurring occurrences (one moved or deleted with
``?occurrence_id=``, a deleted one kept as ``"status": "deleted"``), 204 on PATCH and
DELETE, 3001 for an unknown meeting, 3002 for deleting one in progress, 100 creates per
host per day, and ``{"code": 124}`` for a bad token. With ``limits="pro"`` (or
``"business"``; ``SECUREMEET_EMULATOR_LIMITS`` in sandbox mode) it also answers 429 past
the plan's per-second limits, as Zoom does (:mod:`bot.zoom_emulator.limits`).

It is a Starlette app served by uvicorn in a background thread (``http.server`` resets
connections under bursts)::

    with ZoomEmulator() as zoom:
        client = ZoomClient(account_id=zoom.account_id, client_id=zoom.client_id,
                            client_secret=zoom.client_secret, api_url=zoom.api_url,
                            oauth_url=zoom.oauth_url)
        zoom.fail_next(2, 503, retry_after="1")
        zoom.lock_setting("schedule_meeting.join_before_host", True)

The same controls exist over HTTP under ``/_emulator/`` (``POST fail_next``,
``delay_next``, ``latency``, ``limits``, ``users``, ``lock``, ``unlock``, ``user_settings``,
``start_meeting``, ``expire_tokens``, ``reset``; ``GET meetings``, ``requests``,
``create_count?email=``) for tests that run the bot in another process. They are
unauthenticated: loopback only. Run it alone with ``python -m bot.zoom_emulator --port 9099``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.zoom_emulator.app import build_app
from bot.zoom_emulator.state import Delay, Failure, ZoomState

log = logging.getLogger("securemeet.zoom.emulator")


class ZoomEmulator:
    """Zoom's Meeting API on ``127.0.0.1``; thread-safe controls for tests."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str = "sandbox-account",
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        token_ttl: int = 3600,
        auto_users: bool = True,
        daily_limit: int = 100,
        clock: Callable[[], datetime] | None = None,
        seed: int | None = None,
        limits: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._state = ZoomState(
            account_id=account_id, client_id=client_id, client_secret=client_secret,
            token_ttl=token_ttl, auto_users=auto_users, latency=latency,
            clock=clock or (lambda: datetime.now(UTC)), seed=seed, daily_limit=daily_limit,
            limits=limits,
        )
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- credentials and addresses -----------------------------------------------

    @property
    def account_id(self) -> str:
        return self._state.account_id

    @property
    def client_id(self) -> str:
        return self._state.client_id

    @property
    def client_secret(self) -> str:
        return self._state.client_secret

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/v2"

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/oauth/token"

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> str:
        """Serve in a background thread; returns the base URL (``http://127.0.0.1:PORT``)."""
        if self._thread is not None:
            return self.base_url
        sock = _listen(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._stopping.clear()
        self._server = _server(build_app(self._state, self._stopping), self.host)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"zoom-emulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                self._thread = None
                raise RuntimeError("the Zoom emulator did not start")
            time.sleep(0.005)
        return self.base_url

    def stop(self) -> None:
        if self._thread is None or self._server is None:
            return
        self._stopping.set()  # cuts injected latency short
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> ZoomEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- controls ----------------------------------------------------------------

    @property
    def auto_users(self) -> bool:
        return self._state.auto_users

    @auto_users.setter
    def auto_users(self, value: bool) -> None:
        self._state.auto_users = value

    @property
    def token_ttl(self) -> int:
        return self._state.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: int) -> None:
        self._state.token_ttl = seconds

    @property
    def daily_limit(self) -> int:
        """Creates per host and updates per meeting per UTC day (Zoom: 100)."""
        return self._state.daily_limit

    @daily_limit.setter
    def daily_limit(self, value: int) -> None:
        self._state.daily_limit = value

    @property
    def limits(self) -> str | None:
        """The plan whose per-second limits are enforced (``pro``, ``business``), or None."""
        return self._state.limiter.plan

    def set_limits(self, plan: str | None) -> None:
        """Enforce ``plan``'s per-second rate limits from now on (None: none). A reset
        goes back to the plan the emulator was made with."""
        self._state.limiter.set_plan(plan)

    @property
    def rate_limited(self) -> int:
        """Requests refused with 429 for the per-second limits since they were set."""
        return self._state.limiter.refused

    def set_latency(self, seconds: float) -> None:
        """Delay every request (API and OAuth) by ``seconds`` before handling it."""
        self._state.latency = seconds

    def fail_next(self, n: int = 1, status: int = 503, *, retry_after: str | float | None = None,
                  code: int | None = None, message: str | None = None,
                  path_contains: str | None = None, method: str | None = None,
                  after: bool = False, headers: Mapping[str, str] | None = None) -> None:
        """Answer the next ``n`` matching requests with ``status`` and Zoom's error JSON.

        Without ``path_contains`` only ``/v2/`` requests match (never the token endpoint).
        ``after=True`` handles the request first and then fails the reply: a create that
        happened although the client never heard so.
        """
        self._state.add_failure(Failure(
            remaining=n, status=status, code=code, message=message,
            retry_after=None if retry_after is None else str(retry_after),
            path_contains=path_contains, method=method, after=after, headers=dict(headers or {})))

    def delay_next(self, n: int = 1, seconds: float = 1.0, *, path_contains: str | None = None,
                   method: str | None = None) -> None:
        """Answer the next ``n`` matching requests ``seconds`` late, after acting on them:
        a client that times out meanwhile does not know that Zoom did what it asked.
        Matching is as for :meth:`fail_next` (default: ``/v2/`` requests)."""
        self._state.add_delay(Delay(remaining=n, seconds=seconds, path_contains=path_contains,
                                    method=method))

    def add_user(self, email: str, *, pmi: int | None = None, can_schedule: bool = True,
                 timezone: str = "UTC", user_type: int = 2,
                 settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Add a Zoom user (``settings``: nested overrides of Zoom's user settings)."""
        return self._state.add_user(email, pmi=pmi, can_schedule=can_schedule,
                                    timezone=timezone, user_type=user_type, settings=settings)

    def lock_setting(self, path: str, value: Any) -> None:
        """Lock an account setting, e.g. ``("schedule_meeting.join_before_host", True)``."""
        self._state.lock_setting(path, value)

    def unlock_setting(self, path: str) -> None:
        self._state.unlock_setting(path)

    def set_user_settings(self, email: str, patch: Mapping[str, Any]) -> None:
        """Change a user's settings as their admin would (locks still win on reads)."""
        self._state.patch_user_settings(email, patch, force=True)

    def start_meeting(self, meeting_id: int) -> None:
        """Mark a meeting started (the host joined), e.g. to test ending it."""
        self._state.start_meeting(meeting_id)

    def expire_tokens(self) -> None:
        """Every token issued so far now gets 401 ``{"code": 124}``."""
        self._state.expire_tokens()

    def save(self, path: str | Path) -> None:
        """Write the account's users, meetings and locks to ``path`` (JSON, mode 0600: it
        holds what Zoom would, sandbox meetings' passcodes included). Written whole to a
        temporary file, then renamed, so a crash never leaves half a file."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self._state.snapshot(), f)
        os.replace(tmp, path)

    def load(self, path: str | Path) -> bool:
        """Restore what :meth:`save` wrote; False (and nothing changed) if there is none
        or it cannot be read."""
        try:
            snapshot = json.loads(Path(path).read_text(encoding="utf-8"))
            self._state.restore(snapshot)
        except FileNotFoundError:
            return False
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.warning("sandbox Zoom state in %s not restored (%s): starting empty",
                        path, type(exc).__name__)
            self._state.reset()
            return False
        return True

    def reset(self) -> None:
        """Forget users, meetings, locks, tokens, faults and the log; restore settings."""
        self._state.reset()

    def create_count(self, email: str) -> int:
        """Meetings created today (UTC) for ``email``: the daily limit is 100."""
        return self._state.create_count(email)

    @property
    def meetings(self) -> dict[int, dict[str, Any]]:
        """Meeting id → Zoom's JSON (no start URL) plus ``ended_by_api``. A copy."""
        return self._state.meetings_view()

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every API and OAuth request so far."""
        return self._state.request_log()

    @property
    def token_requests(self) -> int:
        """How many times ``/oauth/token`` was asked (good or bad credentials)."""
        return self._state.token_requests

    @property
    def issued_tokens(self) -> list[str]:
        """Every access token handed out since the last reset (to grep logs for)."""
        return self._state.issued_tokens()


class _QuietH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol without access-log lines (one per Zoom call is noise)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False


class _Config(uvicorn.Config):
    def configure_logging(self) -> None:
        """Leave the process's logging alone (uvicorn would reconfigure its loggers)."""


def _server(app: Any, host: str) -> uvicorn.Server:
    config = _Config(app, host=host, http=_QuietH11, lifespan="off", log_config=None,
                     log_level=None, access_log=False, timeout_keep_alive=5, backlog=2048,
                     timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def _listen(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say TCP,
    # and without it every reused connection waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, even before uvicorn accepts
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.zoom_emulator",
                                     description="Run the Zoom emulator in the foreground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9099)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--limits", choices=("pro", "business"),
                        default=_plan_from_env(),
                        help="answer 429 past this Zoom plan's per-second rate limits")
    args = parser.parse_args(argv)
    emulator = ZoomEmulator(host=args.host, port=args.port, latency=args.latency,
                            limits=args.limits)
    sock = _listen(emulator.host, emulator.port)
    emulator.port = sock.getsockname()[1]
    print(f"Zoom emulator on {emulator.base_url}\n"
          f"  ZOOM_API_URL={emulator.api_url}\n  ZOOM_OAUTH_URL={emulator.oauth_url}\n"
          f"  ZOOM_ACCOUNT_ID={emulator.account_id} ZOOM_CLIENT_ID={emulator.client_id} "
          f"ZOOM_CLIENT_SECRET={emulator.client_secret}\n  Ctrl-C stops it.", flush=True)
    _server(build_app(emulator._state, emulator._stopping), emulator.host).run(sockets=[sock])


def _plan_from_env() -> str | None:
    plan = os.environ.get("SECUREMEET_EMULATOR_LIMITS", "").strip().lower()
    return plan if plan in ("pro", "business") else None


if __name__ == "__main__":
    main()
