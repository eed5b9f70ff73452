"""The reliability suite's session hooks: the leak witness, and the leak scan last.

``pytest_configure`` runs as soon as this file is loaded, before any test of the
session, so :mod:`tests.reliability.witness` sees every log line, secret, Slack message
and database of the whole run (``./dev test`` or ``./dev test tests/reliability``).
The leak scan (``test_leaks.py``) is moved to the very end of the run, so it scans
everything every other test produced. Run in parallel (pytest-xdist, ``-n``), each worker
sees only its share: every worker writes what it saw when it finishes, and the
controller merges them all and scans the whole run; a leak, or a capture that saw too
little to be trusted, fails the run with a report.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import witness
from tests.reliability.harness import Stack

LAST = "test_leaks.py"
WITNESS_DIR = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    witness.install(config)
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None) \
            and not hasattr(config, "workerinput"):  # the controller of a parallel run
        config.stash[WITNESS_DIR] = Path(tempfile.mkdtemp(prefix="securemeet-witness-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the controller: where the worker leaves what it saw."""
    node.workerinput["witness_dir"] = str(node.config.stash[WITNESS_DIR])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):  # a worker: hand its share to the controller
        where = Path(config.workerinput["witness_dir"])
        witness.dump(where / f"{config.workerinput['workerid']}.json")
        return
    where = config.stash.get(WITNESS_DIR, None)
    if where is None:  # not parallel: test_leaks.py ran last, over everything
        return
    for part in sorted(where.glob("*.json")):
        witness.merge(part)
    shutil.rmtree(where, ignore_errors=True)
    problems = witness.whole_run_problems()
    leaks = witness.scan()
    report = config.pluginmanager.get_plugin("terminalreporter")
    if report is not None:
        report.write_line(f"leak scan over the whole parallel run: {witness.summary()}")
    if problems or leaks:
        lines = problems + [f"{leak.kind} in {leak.where}: …{leak.excerpt}…"
                            for leak in leaks[:20]]
        if report is not None:
            report.write_line("LEAK SCAN FAILED:\n  " + "\n  ".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path.name == LAST]
    items[:] = [item for item in items if item.path.name != LAST] + last


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh outside world: Zoom emulator, fake Slack with 20 users, a temp DB path."""
    with Stack.up(tmp_path) as up:
        yield up
