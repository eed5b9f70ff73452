"""The leak witness's session hooks, loaded by ``tests/conftest.py`` for every run.

They live in a plugin rather than in ``tests/reliability/conftest.py`` because a
pytest-xdist controller collects nothing: a sub-directory's conftest is never loaded
there, and the whole-run scan would silently not happen.

``pytest_configure`` installs :mod:`tests.reliability.witness` before any test runs, so
it sees every log line, secret, Slack message and database of the run. The leak scan
(``test_leaks.py``) is moved to the very end, so it scans everything every other test
produced. Run in parallel (``-n``), each worker sees only its share: every worker writes
what it saw when it finishes, and, when the run included the leak scan, the controller
merges them all and scans the whole run; a leak, or a capture that saw too little to be
trusted, fails the run with a report.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import witness

LAST = "test_leaks.py"
SCAN = f"{LAST}::test_no_secret_leaked_anywhere"
WITNESS_DIR = pytest.StashKey[Path]()


def _controller(config: pytest.Config) -> bool:
    """Whether this process is the controller of a pytest-xdist run."""
    return bool(config.pluginmanager.hasplugin("xdist")
                and config.getoption("numprocesses", None)
                and not hasattr(config, "workerinput"))


def pytest_configure(config: pytest.Config) -> None:
    witness.install(config)
    if _controller(config):
        config.stash[WITNESS_DIR] = Path(tempfile.mkdtemp(prefix="securemeet-witness-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the controller: where the worker leaves what it saw."""
    node.workerinput["witness_dir"] = str(node.config.stash[WITNESS_DIR])


_SEEN_SCAN: list[str] = []  # node ids of the leak scan this process ran or heard of


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the controller: the leak scan was part of this run (a worker skipped it), so
    the run must be scanned whole; a run of ``tests/core`` alone is not."""
    if report.nodeid.endswith(SCAN):
        _SEEN_SCAN.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):  # a worker: hand its share to the controller
        where = Path(config.workerinput["witness_dir"])
        witness.dump(where / f"{config.workerinput['workerid']}.json")
        return
    where = config.stash.get(WITNESS_DIR, None)
    if where is None:  # not parallel: test_leaks.py ran last, over everything
        return
    try:
        if _SEEN_SCAN:
            _scan_whole_run(session, where)
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _scan_whole_run(session: pytest.Session, where: Path) -> None:
    for part in sorted(where.glob("*.json")):
        witness.merge(part)
    problems = witness.whole_run_problems()
    leaks = witness.scan()
    report = session.config.pluginmanager.get_plugin("terminalreporter")
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
