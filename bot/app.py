"""The composition root: build config, store, Zoom client and core context once.

The CLI, the server and the tests all call :func:`build`; tests pass fakes or an
emulator in. Without Zoom credentials the built-in emulator is started on loopback
and the *real* client talks to it, so the sandbox runs the production code path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.zoom.client import ZoomClient
from commands.context import Context, Requester
from commands.ports import ZoomGateway
from storage.sqlite_store import SqliteStore

log = logging.getLogger("securemeet")


@dataclass
class Services:
    config: Config
    store: SqliteStore
    zoom: ZoomGateway
    ctx: Context
    emulator: Any = None  # bot.zoom_emulator.ZoomEmulator in sandbox mode
    _closers: list[Any] = field(default_factory=list)

    def requester(self, *, user: str, platform: str, email: str, tz: str | None = None,
                  name: str = "", platform_admin: bool = False) -> Requester:
        """A requester with admin rights from config (or the platform's own admin flag)."""
        is_admin = platform_admin or self.config.is_admin(user, email, user.split(":")[-1])
        return Requester(user=user, platform=platform, email=email.lower(),
                         tz=tz or self.config.default_tz, is_admin=is_admin, name=name)

    def close(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # closing is best effort
                log.debug("close failed", exc_info=True)
        self._closers.clear()


def build(config: Config | None = None, *, zoom: ZoomGateway | None = None,
          store: SqliteStore | None = None, clock: Any = None) -> Services:
    config = config or Config.from_env()
    closers: list[Any] = []
    emulator = None
    if zoom is None:
        zoom, emulator = _zoom_for(config)
        closers.append(zoom.close)  # type: ignore[attr-defined]
        if emulator is not None:
            closers.append(emulator.stop)
            kept = sandbox_state_path(config)
            if kept is not None:  # the sandbox's Zoom outlives the process, as Zoom does
                emulator.load(kept)
                closers.append(lambda: _save_sandbox(emulator, kept))
    if store is None:
        store = SqliteStore(config.db_path)
        closers.append(store.close)
    ctx = Context(zoom=zoom, store=store, clock=clock or (lambda: datetime.now(UTC)),
                  policy_level=config.policy_level, sandbox=config.sandbox,
                  secret_key=config.key_bytes(), day_first=config.day_first)
    return Services(config, store, zoom, ctx, emulator, closers)


def sandbox_state_path(config: Config) -> Path | None:
    """Where sandbox mode keeps the emulator's meetings between runs: beside the
    database, so `securemeet try …` then `securemeet audit <ID>` finds the meeting."""
    if config.db_path in ("", ":memory:"):
        return None
    return Path(config.db_path + ".zoom-sandbox.json")


def _save_sandbox(emulator: Any, path: Path) -> None:
    try:
        emulator.save(path)
    except OSError as exc:
        log.warning("sandbox Zoom state not saved to %s (%s)", path, exc.strerror or exc)


def _zoom_for(config: Config) -> tuple[ZoomClient, Any]:
    from bot.observability import zoom_call  # every Zoom call's latency, for /metrics

    if not config.sandbox:
        client = ZoomClient(account_id=config.zoom_account_id, client_id=config.zoom_client_id,
                            client_secret=config.zoom_client_secret,
                            api_url=config.zoom_api_url, oauth_url=config.zoom_oauth_url,
                            on_call=zoom_call)
        return client, None
    from bot.zoom_emulator import ZoomEmulator

    emulator = ZoomEmulator()
    emulator.start()
    log.info("sandbox mode: no Zoom credentials, using the built-in Zoom emulator at %s",
             emulator.api_url)
    client = ZoomClient(account_id=emulator.account_id, client_id=emulator.client_id,
                        client_secret=emulator.client_secret, api_url=emulator.api_url,
                        oauth_url=emulator.oauth_url, on_call=zoom_call)
    return client, emulator
