"""Sandbox mode keeps its Zoom between runs, as a real Zoom account would: a meeting made
by ``securemeet try`` is there for ``securemeet audit`` in the next process."""

from __future__ import annotations

import os
import stat

from bot.bootstrap import bootstrap, sandbox_state_path
from bot.config import Config
from commands import router
from commands.context import Requester

ME = Requester(user="console:you@example.com", platform="console", email="you@example.com",
               is_admin=True)


def schedule(config: Config, text: str) -> int:
    services = bootstrap(config)
    try:
        reply = router.dispatch(services.ctx, ME, text)
        return int(next(f.value for f in reply.facts if f.label == "Meeting ID")
                   .replace(" ", ""))
    finally:
        services.close()


def test_a_meeting_made_in_one_run_is_audited_in_the_next(tmp_path):
    config = Config(db_path=str(tmp_path / "sm.db"))
    meeting_id = schedule(config, "tomorrow 3pm Kept")
    path = sandbox_state_path(config)
    assert path is not None and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds passcodes, as Zoom does
    services = bootstrap(config)
    try:
        audit = router.dispatch(services.ctx, ME, f"audit {meeting_id}")
        assert not audit.error and audit.title == "🔍 Audit: Kept"
        again = router.dispatch(services.ctx, ME, "tomorrow 4pm Second")
        assert not again.error  # new IDs never collide with the restored ones
    finally:
        services.close()
    services = bootstrap(config)
    try:
        mine = router.dispatch(services.ctx, ME, "audit mine")
        assert "Kept" in mine.plain_text() and "Second" in mine.plain_text()
    finally:
        services.close()


def test_an_unreadable_state_file_starts_an_empty_sandbox(tmp_path, caplog):
    config = Config(db_path=str(tmp_path / "sm.db"))
    path = sandbox_state_path(config)
    assert path is not None
    path.write_text("{not json", encoding="utf-8")
    meeting_id = schedule(config, "tomorrow 3pm Fresh")
    assert meeting_id and "not restored" in caplog.text


def test_an_in_memory_database_keeps_no_state():
    assert sandbox_state_path(Config(db_path=":memory:")) is None


def test_files_the_cli_makes_are_private(tmp_path, monkeypatch):
    """Security finding 9: the database and its -wal/-shm were created 0644; they hold
    emails, names and conversation references. Every file the CLI makes is 0600."""
    import os
    import stat

    from click.testing import CliRunner

    from bot.cli import main

    old = os.umask(0o022)  # a usual shell's
    try:
        monkeypatch.setenv("SECUREMEET_DB", str(tmp_path / "private.db"))
        result = CliRunner().invoke(main, ["try", "tomorrow 3pm for 30m Private"])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert "private.db" in made and "private.db.key" in made
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path.name, oct(path.stat().st_mode))
