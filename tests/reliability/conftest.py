"""The reliability suite's session hooks: the leak witness, and the leak scan last.

``pytest_configure`` runs as soon as this file is loaded, before any test of the
session, so :mod:`tests.reliability.witness` sees every log line, secret, Slack message
and database of the whole run (``./dev test`` or ``./dev test tests/reliability``).
The leak scan (``test_leaks.py``) is moved to the very end of the run, so it scans
everything every other test produced.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import witness
from tests.reliability.harness import Stack

LAST = "test_leaks.py"


def pytest_configure(config: pytest.Config) -> None:
    witness.install(config)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path.name == LAST]
    items[:] = [item for item in items if item.path.name != LAST] + last


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh outside world: Zoom emulator, fake Slack with 20 users, a temp DB path."""
    with Stack.up(tmp_path) as up:
        yield up
