"""The leak scan, run last: no secret in any log line, database row or public message.

:mod:`tests.reliability.witness` has watched the whole session (this suite, or the
full test suite): every log record at DEBUG from every logger and every server
subprocess, every passcode, start URL and access token the Zoom emulators handed out,
every byte sent to the fake Slack, every SQLite database opened. Passcodes may only be
in ephemeral replies to the host; tokens, secrets and start URLs nowhere at all.
"""

from __future__ import annotations

import logging

import pytest

from tests.reliability import witness


def whole_run(request: pytest.FixtureRequest) -> None:
    """Under pytest-xdist a worker sees only its share of the run: the controller scans
    every worker's output at the end instead (``tests/reliability/session.py``)."""
    if hasattr(request.config, "workerinput"):
        pytest.skip("parallel run: the controller scans every worker's output at the end")


def test_the_witness_saw_the_whole_run(request):
    whole_run(request)
    print("\nleak scan over:", witness.summary())
    assert witness.whole_run_problems() == []


def test_the_scan_finds_a_planted_secret():
    code = "Pl4nted*Pw"  # a passcode as the emulator makes them
    witness.add_secret(code, "passcode")
    logging.getLogger("securemeet.canary").debug("oops, the passcode is %s", code)
    try:
        found = [leak for leak in witness.scan()
                 if leak.where == "log" and "securemeet.canary" in leak.excerpt]
        assert [leak.kind for leak in found] == ["passcode"]
        assert "<<SECRET>>" in found[0].excerpt and code not in found[0].excerpt
    finally:
        with witness._lock:
            witness.logs[:] = [line for line in witness.logs if "securemeet.canary" not in line]


def test_no_secret_leaked_anywhere(request):
    whole_run(request)
    leaks = witness.scan()
    assert leaks == [], "\n".join(f"{leak.kind} in {leak.where}: …{leak.excerpt}…"
                                  for leak in leaks[:20])
