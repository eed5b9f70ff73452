"""The leak scan, run last: no secret in any log line, database row or public message.

:mod:`tests.reliability.witness` has watched the whole session (this suite, or the
full test suite): every log record at DEBUG from every logger and every server
subprocess, every passcode, start URL and access token the Zoom emulators handed out,
every byte sent to the fake Slack, every SQLite database opened. Passcodes may only be
in ephemeral replies to the host; tokens, secrets and start URLs nowhere at all.
"""

from __future__ import annotations

import logging

from tests.reliability import witness


def test_the_witness_saw_the_whole_run():
    seen = witness.summary()
    print("\nleak scan over:", seen)
    assert seen["log lines"] > 1000
    assert seen.get("passcode", 0) >= 50 and seen.get("Zoom access token", 0) >= 5
    assert seen.get("start URL", 0) >= 50 and seen["databases"] >= 3
    assert seen["private replies"] >= 50
    log = "\n".join(witness.logs)
    assert "securemeet.zoom" in log and "securemeet.access" in log  # the capture works


def test_the_scan_finds_a_planted_secret():
    code = next(s for s, kind in witness.secrets.items() if kind == "passcode")
    logging.getLogger("securemeet.canary").debug("oops, the passcode is %s", code)
    try:
        found = [leak for leak in witness.scan() if leak.where == "log"]
        assert [leak.kind for leak in found] == ["passcode"]
        assert "<<SECRET>>" in found[0].excerpt and code not in found[0].excerpt
    finally:
        with witness._lock:
            witness.logs[:] = [line for line in witness.logs if "securemeet.canary" not in line]


def test_no_secret_leaked_anywhere():
    leaks = witness.scan()
    assert leaks == [], "\n".join(f"{leak.kind} in {leak.where}: …{leak.excerpt}…"
                                  for leak in leaks[:20])
