"""The reliability suite's fixture. Its session hooks (the leak witness, the leak scan
last, the whole-run scan of a parallel run) are in :mod:`tests.reliability.session`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import Stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh outside world: Zoom emulator, fake Slack with 20 users, a temp DB path."""
    with Stack.up(tmp_path) as up:
        yield up
