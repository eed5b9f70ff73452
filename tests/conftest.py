"""Shared fixtures. Keep each one small and documented; add new ones by area below."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config
from bot.services import Services
from bot.zoom.client import ZoomClient
from bot.zoom_emulator import ZoomEmulator
from tests.postgres import PostgresServer

# The leak witness watches every run from the start; in a parallel run the controller,
# which collects nothing, must have its hooks too (see the module's docstring).
pytest_plugins = ("tests.reliability.session",)

# --- a clean environment ---------------------------------------------------------

# Settings SecureMeet reads, and what the Teams SDK would read behind its back.
ENV_PREFIXES = ("SECUREMEET_", "SLACK_", "ZOOM_", "TEAMS_")
SDK_ENV = ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "MANAGED_IDENTITY_CLIENT_ID", "CLOUD",
           "SERVICE_URL", "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "PORT", "NO_COLOR")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a developer's (or CI's) SecureMeet, Slack, Zoom or Teams settings."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES) or name in SDK_ENV:
            monkeypatch.delenv(name, raising=False)


# --- Zoom ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def zoom_server() -> Iterator[ZoomEmulator]:
    """One Zoom emulator on 127.0.0.1 for the whole run (starting one per test is slow)."""
    with ZoomEmulator() as emulator:
        yield emulator


@pytest.fixture
def zoom(zoom_server: ZoomEmulator) -> Iterator[ZoomEmulator]:
    """The Zoom emulator, emptied: no users, meetings, locks, faults, tokens or latency."""
    zoom_server.reset()
    yield zoom_server
    zoom_server.reset()


@pytest.fixture
def sleeps() -> list[float]:
    """What Zoom clients made here would have slept, in order (they never sleep)."""
    return []


@pytest.fixture
def make_zoom_client(zoom: ZoomEmulator, sleeps: list[float]) -> Iterator[
        Callable[..., ZoomClient]]:
    """Build ZoomClients pointed at the emulator (keyword overrides); closed afterwards."""
    clients: list[ZoomClient] = []

    def make(**overrides: Any) -> ZoomClient:
        options: dict[str, Any] = dict(
            account_id=zoom.account_id, client_id=zoom.client_id,
            client_secret=zoom.client_secret, api_url=zoom.api_url, oauth_url=zoom.oauth_url,
            timeout=(1.0, 2.0), sleep=sleeps.append,
        )
        options.update(overrides)
        clients.append(ZoomClient(**options))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def zoom_client(make_zoom_client: Callable[..., ZoomClient]) -> ZoomClient:
    """A real ZoomClient on the emulator; its sleeps are recorded in ``sleeps``."""
    return make_zoom_client()


# --- the app: services built by the composition root -----------------------------


@pytest.fixture
def make_app(tmp_path: Path, zoom_client: ZoomClient) -> Iterator[Callable[..., Services]]:
    """Build services as the CLI and the server do (a temp SQLite file, the real Zoom
    client on the emulator); ``Config`` fields as keyword overrides. Closed afterwards."""
    built: list[Services] = []

    def make(**settings: Any) -> Services:
        name = f"app{len(built)}.db"
        config = Config(**{"db_path": str(tmp_path / name), **settings})
        built.append(bootstrap(config, zoom=zoom_client))
        return built[-1]

    yield make
    for services in built:
        services.close()


@pytest.fixture
def app(make_app: Callable[..., Services]) -> Services:
    """The app with default settings: what most core tests run commands against."""
    return make_app()


# --- PostgreSQL --------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL 16 (pgserver) for the whole run, started when first asked for,
    stopped and deleted at the end."""
    server = PostgresServer()
    yield server
    server.stop()
