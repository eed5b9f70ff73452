"""Interrupted creates: the intent written before each create, and the sweep that settles
what a crash (or a create Zoom never confirmed) left behind. Over real HTTP against the
Zoom emulator; a crash is a ``BaseException`` escaping mid-schedule, as a killed process
stops without running any ``except Exception`` clean-up.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import bootstrap
from bot.config import Config, ConfigError
from bot.recovery import RecoveryLoop
from commands import recovery, router, schedule
from commands.context import Requester
from commands.reply import Reply

HOST = "host@example.com"
who = Requester(user="slack:T1:UHOST", platform="slack", email=HOST)
NOW = timedelta(0)


class Crash(BaseException):
    """The process dies here: no ``except Exception`` runs."""


def crash_after_create(app, monkeypatch, text: str) -> int:
    """Schedule ``text`` and die right after Zoom made the meeting; its ID."""
    made: list[int] = []
    real = schedule.read_back

    def dies(ctx, meeting_id, **kwargs):
        made.append(meeting_id)
        raise Crash

    monkeypatch.setattr(schedule, "read_back", dies)
    with pytest.raises(Crash):
        router.dispatch(app.ctx, who, text)
    monkeypatch.setattr(schedule, "read_back", real)
    return made[0]


def pending(app) -> list:
    return app.store.pending_creates(before=datetime.now(UTC) + timedelta(days=1))


def test_a_normal_schedule_leaves_no_intent(app, zoom):
    reply = router.dispatch(app.ctx, who, "tomorrow 3pm Normal")
    assert not reply.error and pending(app) == []


def test_an_intent_holds_no_passcode(app, zoom, monkeypatch):
    meeting_id = crash_after_create(app, monkeypatch, "tomorrow 3pm Secretive")
    (intent,) = pending(app)
    code = zoom.meetings[meeting_id]["password"]
    assert code not in repr(intent) and intent.topic == "Secretive"
    assert (intent.host_email, intent.requester, intent.platform) == (HOST, who.user, "slack")


def test_the_sweep_removes_a_meeting_a_crash_left_unrecorded(app, zoom, monkeypatch):
    orphan = crash_after_create(app, monkeypatch, "tomorrow 3pm Orphan")
    kept = router.dispatch(app.ctx, who, "tomorrow 4pm Orphan")  # same topic, recorded
    assert not kept.error and orphan in zoom.meetings and len(zoom.meetings) == 2
    assert recovery.sweep(app.ctx, older_than=timedelta(hours=1)) == []  # too recent
    (settled,) = recovery.sweep(app.ctx, older_than=NOW)
    assert (settled.outcome, settled.meeting_id) == (recovery.REMOVED, orphan)
    assert orphan not in zoom.meetings and len(zoom.meetings) == 1  # the recorded one stays
    assert pending(app) == []
    (event,) = app.store.events(kinds=["recovery"])
    assert (event.outcome, event.meeting_id, event.actor) == ("removed", orphan, who.user)
    assert recovery.sweep(app.ctx, older_than=NOW) == []  # settled once


def test_a_recorded_meeting_is_kept_and_a_create_that_never_reached_zoom_is_nothing(
        app, zoom, monkeypatch):
    from commands.records import MeetingRecord

    kept = crash_after_create(app, monkeypatch, "tomorrow 3pm Recorded late")
    # A record without its intent settled: schedule records and settles in one
    # transaction, so only another path (an older version, a hand repair) leaves this.
    app.store.save_meeting(MeetingRecord(
        meeting_id=kept, host_email=HOST, requester=who.user, platform="slack",
        topic="Recorded late", start_time=None, duration_min=30, timezone="UTC",
        recurrence=None, policy_level="standard", policy_version="v", compliant=True,
        failed_rules=(), created_at=datetime.now(UTC)))
    zoom.fail_next(1, 400, method="POST", path_contains="/meetings")
    failed = router.dispatch(app.ctx, who, "tomorrow 6pm Refused")  # a definite no
    assert failed.error
    outcomes = {s.pending.topic: s.outcome for s in recovery.sweep(app.ctx, older_than=NOW)}
    assert outcomes == {"Recorded late": recovery.KEPT}
    assert kept in zoom.meetings


def test_an_unconfirmed_create_zoom_did_not_make_is_settled_as_nothing(app, zoom, monkeypatch):
    monkeypatch.setattr(schedule, "FIND_WAITS", (0.0,))
    zoom.fail_next(1, 503, method="POST", path_contains="/meetings")
    assert router.dispatch(app.ctx, who, "tomorrow 3pm Maybe").error
    assert [p.topic for p in pending(app)] == ["Maybe"]  # Zoom may yet act: kept for the sweep
    (settled,) = recovery.sweep(app.ctx, older_than=NOW)
    assert settled.outcome == recovery.NOTHING and zoom.meetings == {}


def test_zoom_down_during_the_sweep_keeps_the_intent(app, zoom, monkeypatch):
    crash_after_create(app, monkeypatch, "tomorrow 3pm Later")
    zoom.fail_next(5, 503, method="GET")  # every attempt of one read (4 retries)
    assert recovery.sweep(app.ctx, older_than=NOW) == []
    assert len(pending(app)) == 1 and len(zoom.meetings) == 1
    (settled,) = recovery.sweep(app.ctx, older_than=NOW)  # Zoom is back
    assert settled.outcome == recovery.REMOVED and zoom.meetings == {}


class Inbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def notify(self, user: str, reply: Reply) -> None:
        self.sent.append((user, reply))


def test_the_server_loop_tells_the_requester(app, zoom, monkeypatch):
    crash_after_create(app, monkeypatch, "tomorrow 3pm Told")
    inbox = Inbox()
    app.messengers["slack"] = inbox
    loop = RecoveryLoop(app, grace=NOW)
    settled = asyncio.run(loop.once())
    assert [s.outcome for s in settled] == [recovery.REMOVED]
    ((user, reply),) = inbox.sent
    assert user == who.user and "did not complete" in reply.title
    assert "“Told”" in reply.text and "removed it" in reply.text


def test_the_grace_and_the_period_come_from_the_settings(app):
    assert RecoveryLoop(app).grace == recovery.GRACE and RecoveryLoop(app).every == 60
    config = Config.from_env({"SECUREMEET_RECOVERY_GRACE_SECONDS": "5",
                              "SECUREMEET_RECOVERY_INTERVAL_SECONDS": "2.5"})
    assert (config.recovery_grace_seconds, config.recovery_interval_seconds) == (5, 2.5)
    for var in ("SECUREMEET_RECOVERY_GRACE_SECONDS", "SECUREMEET_RECOVERY_INTERVAL_SECONDS"):
        for bad in ("-1", "soon", "nan", "100000"):
            with pytest.raises(ConfigError, match=var):
                Config.from_env({var: bad})


def test_two_sweeps_at_once_settle_an_intent_once(app, zoom, monkeypatch):
    """Replicas on one database: the sweep whose clearing takes effect reports it."""
    crash_after_create(app, monkeypatch, "tomorrow 3pm Raced")
    (intent,) = pending(app)
    real = app.store.clear_pending
    calls = []

    def raced(key):
        calls.append(key)
        real(key)  # the other replica cleared it a moment before us
        return real(key)

    monkeypatch.setattr(app.store, "clear_pending", raced)
    assert recovery.sweep(app.ctx, older_than=NOW) == []
    assert calls == [intent.key] and zoom.meetings == {}
    assert app.store.events(kinds=["recovery"]) == []


def test_the_terminal_settles_what_an_earlier_run_left(tmp_path, monkeypatch):
    """``securemeet try``/``chat`` sweep once at start: an earlier run that died after
    Zoom made the meeting leaves no meeting behind (sandbox: its Zoom is kept on disk)."""
    import sqlite3

    from click.testing import CliRunner

    from bot.bootstrap import sandbox_state_path
    from bot.cli import main

    config = Config(db_path=str(tmp_path / "cli.db"))
    services = bootstrap(config)
    try:
        orphan = crash_after_create(services, monkeypatch, "tomorrow 3pm Left behind")
    finally:
        services.close()
    with sqlite3.connect(config.db_path) as db:  # written long enough ago to be settled
        db.execute("update pending_creates set at = '2026-01-01T00:00:00.000000+00:00'")
    assert str(orphan) in sandbox_state_path(config).read_text()
    for key in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SECUREMEET_DB", config.db_path)
    result = CliRunner().invoke(main, ["try", "help"])
    assert result.exit_code == 0
    assert "⚠️ A meeting request did not complete" in result.output
    assert "Your request for “Left behind” was interrupted" in result.output
    assert "Zoom had made the meeting, but its details never reached you, so SecureMeet " \
        "removed it" in result.output
    assert str(orphan) not in sandbox_state_path(config).read_text().split('"deleted"')[0]


def test_an_unanswered_request_is_told_once_even_with_its_interrupted_create(
        app, zoom, monkeypatch):
    """A process that died mid-schedule left both an open request and an intent: the
    requester gets one message (the create's, which says what became of the meeting)."""
    from commands.records import OpenRequest

    crash_after_create(app, monkeypatch, "tomorrow 3pm Both")
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    app.store.db.execute("update pending_creates set at = ?", [long_ago.isoformat()])
    app.store.open_request(OpenRequest("slack:command:t1", who.user, "slack", "schedule",
                                       long_ago))
    app.store.open_request(OpenRequest("slack:command:t2", "slack:T1:UOTHER", "slack",
                                       "audit", long_ago))
    app.store.open_request(OpenRequest("slack:command:t3", "slack:T1:UNEW", "slack",
                                       "audit", datetime.now(UTC)))  # still being worked on
    inbox = Inbox()
    app.messengers["slack"] = inbox
    asyncio.run(RecoveryLoop(app, grace=timedelta(minutes=1)).once())
    assert [(user, reply.title) for user, reply in inbox.sent] == [
        (who.user, "⚠️ A meeting request did not complete"),
        ("slack:T1:UOTHER", "⚠️ A request did not finish")]
    assert "`audit` request" in inbox.sent[1][1].text
    assert [r.key for r in app.store.open_requests(before=datetime.now(UTC))] == [
        "slack:command:t3"]
    outcomes = [e.outcome for e in app.store.events(kinds=["recovery"])]
    assert sorted(outcomes) == ["removed", "unanswered", "unanswered"]


def test_doctor_shows_what_waits_for_the_sweep(app, zoom, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main
    from storage.schema import SCHEMA_VERSION

    crash_after_create(app, monkeypatch, "tomorrow 3pm Waiting")
    for key in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SECUREMEET_DB", app.config.db_path)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    assert (f"schema version {SCHEMA_VERSION}; in flight or interrupted: creates 1, "
            "chat requests 0") in result.output
    assert len(pending(app)) == 1  # doctor only looks


def test_a_create_slower_than_the_grace_gives_up_if_the_sweep_removed_it(
        app, zoom, monkeypatch):
    """The sweep ran while this create was still in progress (Zoom slower than the grace
    period), found no record and removed the meeting: the slow request must not then
    hand out its link. Recording and settling the intent are one transaction."""
    real = schedule.read_back

    def slow(ctx, meeting_id, **kwargs):
        meeting = real(ctx, meeting_id, **kwargs)
        (settled,) = recovery.sweep(ctx, older_than=NOW)  # meanwhile, the sweep
        assert settled.outcome == recovery.REMOVED
        return meeting

    monkeypatch.setattr(schedule, "read_back", slow)
    reply = router.dispatch(app.ctx, who, "tomorrow 3pm Too slow")
    assert reply.error and "gave up on it and removed it" in reply.plain_text()
    assert zoom.meetings == {} and pending(app) == []
    assert app.store.events(kinds=["schedule"]) == []  # nothing recorded as made
    assert not any(f.label == "Passcode" for f in reply.facts)
