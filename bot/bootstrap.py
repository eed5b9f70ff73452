"""The composition root: every service built once, here, from one ``Config``.

The CLI, the server and the tests all call :func:`bootstrap` (as cosmicpython's
``bootstrap``): the store, the Zoom client (and in sandbox mode the emulator it talks
to), the core's context, the profile cache, and one messenger per configured platform
(:mod:`bot.platforms`), shared by that platform's front end, the sweep, the live
duties and the notices. Tests pass fakes in (``zoom=``, ``store=``, ``messengers=``).

Without Zoom credentials the built-in emulator is started on loopback and the *real*
client talks to it, so the sandbox runs the production code path. ``offline=True`` is
for commands that never call Zoom or a chat platform (``stats``): no emulator is
started and no messenger is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot import platforms, pool
from bot.config import Config
from bot.profiles import Profiles
from bot.services import Messenger, Services
from bot.zoom.budget import RateBudget
from bot.zoom.cache import CachedZoom
from bot.zoom.client import ZoomClient
from bot.zoom.store_thread import OneThreadStore
from commands.context import Context
from commands.errors import ZoomUnavailable
from commands.ports import Store, ZoomGateway
from storage import open_store

log = logging.getLogger("securemeet")


def bootstrap(config: Config | None = None, *, zoom: ZoomGateway | None = None,
              store: Store | None = None, clock: Callable[[], datetime] | None = None,
              messengers: Mapping[str, Messenger] | None = None,
              offline: bool = False) -> Services:
    """Build every service once. Close them with :meth:`Services.close`."""
    config = config or Config.from_env()
    pool.configure(config.threads)
    closers: list[Callable[[], object]] = []
    emulator = None
    if store is None:
        store = open_store(config.db_path)  # SQLite, or PostgreSQL for a postgresql:// URL
        closers.append(store.close)
    if zoom is None and offline:
        zoom = Offline()
    elif zoom is None:
        zoom, emulator = _zoom_for(config, store, closers)  # shares the store's token, budget
    ctx = Context(zoom=zoom, store=store, clock=clock or (lambda: datetime.now(UTC)),
                  policy_level=config.policy_level, sandbox=config.sandbox,
                  secret_key=config.key_bytes(), day_first=config.day_first)
    if messengers is None:
        messengers = {} if offline else platforms.messengers(config, store)
    return Services(config, store, zoom, ctx, Profiles(store), dict(messengers), emulator,
                    closers)


class Offline:
    """The Zoom gateway of a command that must not call Zoom: every call refuses (and
    there is nothing to warm up)."""

    def warm(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise ZoomUnavailable("This command works offline and does not call Zoom.")
        return refuse


def sandbox_state_path(config: Config) -> Path | None:
    """Where sandbox mode keeps the emulator's meetings between runs: beside the
    database, so `securemeet try …` then `securemeet audit <ID>` finds the meeting."""
    if config.db_path in ("", ":memory:") or "://" in config.db_path:
        return None
    return Path(config.db_path + ".zoom-sandbox.json")


def _zoom_for(config: Config, store: Store,
              closers: list[Callable[[], object]]) -> tuple[ZoomGateway, Any]:
    """The production Zoom client (on the emulator in sandbox mode), as every replica
    runs it: one token per account shared through ``store`` (sealed with a key derived
    from SECUREMEET_SECRET_KEY), a turn in the account's rate budget (``store``'s buckets,
    SECUREMEET_ZOOM_PLAN) before every request, and host and account settings cached for
    SECUREMEET_ZOOM_CACHE_SECONDS (docs/ZOOM.md)."""
    if not config.sandbox:
        return _zoom_client(config, store, closers, account_id=config.zoom_account_id,
                            client_id=config.zoom_client_id,
                            client_secret=config.zoom_client_secret,
                            api_url=config.zoom_api_url, oauth_url=config.zoom_oauth_url), None
    from bot.zoom_emulator import ZoomEmulator

    emulator = ZoomEmulator(limits=config.emulator_limits or None)
    emulator.start()
    closers.append(emulator.stop)
    kept = sandbox_state_path(config)
    if kept is not None:  # the sandbox's Zoom outlives the process, as Zoom does
        emulator.load(kept)
        closers.append(lambda: _save_sandbox(emulator, kept))
    log.info("sandbox mode: no Zoom credentials, using the built-in Zoom emulator at %s",
             emulator.api_url)
    client = _zoom_client(config, store, closers, account_id=emulator.account_id,
                          client_id=emulator.client_id, client_secret=emulator.client_secret,
                          api_url=emulator.api_url, oauth_url=emulator.oauth_url)
    return client, emulator


def _zoom_client(config: Config, store: Store, closers: list[Callable[[], object]], *,
                 account_id: str, **endpoints: str) -> ZoomGateway:
    from bot.observability import zoom_call  # every Zoom call's latency, for /metrics

    shared = OneThreadStore(store)  # Zoom calls come from short-lived threads
    closers.append(shared.close)
    budget = RateBudget(shared, account_id=account_id, plan=config.zoom_plan,
                        share=config.zoom_rate_share)
    client = ZoomClient(account_id=account_id, on_call=zoom_call, token_store=shared,
                        secret_key=config.key_bytes(), budget=budget, **endpoints)
    closers.append(client.close)
    return CachedZoom(client, ttl=config.zoom_cache_seconds, versions=shared)


def _save_sandbox(emulator: Any, path: Path) -> None:
    try:
        emulator.save(path)
    except OSError as exc:
        log.warning("sandbox Zoom state not saved to %s (%s)", path, exc.strerror or exc)
