"""Admin stats: exact figures, window edges, admins only, empty data, CLI, rollups = recount.

Everything runs on the real ``SqliteStore`` over a temp file, written through the
store's own methods (so the rollup triggers count them as they count the bot's writes).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from commands import stats
from commands.context import Context, Requester
from commands.errors import NotAllowed, UserError
from commands.records import Event, MeetingRecord
from commands.stats_chart import sparkline
from storage import stats as rollups
from storage.schema import migrations
from storage.sqlite_store import SqliteStore, iso
from tests.paths import ROOT

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # a Sunday
ADMIN = Requester("slack:T1:UADMIN", "slack", "admin@example.com", is_admin=True)
MEMBER = Requester("slack:T1:U2", "slack", "member@example.com")


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "stats.db")
    yield s
    s.close()


def ctx_for(store, now=NOW):
    return Context(zoom=None, store=store, clock=lambda: now)  # type: ignore[arg-type]


def meeting(meeting_id, *, host="alice@example.com", platform="slack", failed=(), at=NOW):
    return MeetingRecord(
        meeting_id=meeting_id, host_email=host, requester=f"{platform}:x", platform=platform,
        topic="Budget", start_time=at + timedelta(days=1), duration_min=45, timezone="UTC",
        recurrence=None, policy_level="standard", policy_version="v", compliant=not failed,
        failed_rules=tuple(failed), created_at=at)


def day(n, hours=0, minutes=0):
    return NOW - timedelta(days=n) + timedelta(hours=hours, minutes=minutes)


# -- a constructed data set, every figure checked -------------------------------------

def build_dataset(store):
    save, add = store.save_meeting, store.add_event
    save(meeting(1, host="Alice@Example.com", at=day(1)))
    save(meeting(2, host="alice@example.com", platform="teams",
                 failed=("waiting-room", "passcode"), at=day(2)))
    save(meeting(3, host="bob@example.com", failed=("waiting-room",), at=day(10)))
    save(meeting(4, host="carol@example.com", platform="console", at=day(40)))  # outside 30d
    save(meeting(1, host="Alice@Example.com", at=day(1)))  # saved again: counted once
    save(meeting(5, host="dave@example.com", failed=("passcode",), at=day(3)))
    save(meeting(5, host="dave@example.com", at=day(3)))  # re-saved compliant: it counts so
    for meeting_id, at in ((1, day(1)), (2, day(2)), (3, day(10)), (5, day(3))):
        add(Event("schedule", at, "slack:x", "slack", meeting_id, "compliant",
                  {"failed": [], "level": "standard", "recurrence": ""}))
    add(Event("audit", day(2), "u", "slack", 2, "noncompliant", {"failed": ["waiting-room"]}))
    add(Event("audit", day(1), "u", "slack", 1, "compliant", {"failed": []}))
    add(Event("audit", day(40), "u", "slack", 4, "noncompliant",
              {"failed": ["restrict-recording"]}))
    add(Event("fix", day(2), "u", "slack", 2, "fixed", {"rule": "waiting-room"}))
    add(Event("fix", day(9), "u", "slack", 3, "not_applied", {"rule": "passcode"}))
    add(Event("fix", day(9), "u", "slack", 3, "locked", {"rule": "waiting-room"}))
    # m1: ended with the button, then Zoom's webhook for the same occurrence: one ending
    add(Event("end", day(1), "u", "slack", 1, "ended", {"by": "button"}))
    add(Event("meeting_ended", day(1, minutes=1), "zoom", "zoom", 1, "ok",
              {"ended_for_all": True, "peak": 4}))
    # m3: the host left it running; m2: left running, then ended for all the same day
    add(Event("meeting_ended", day(10), "zoom", "zoom", 3, "ok",
              {"ended_for_all": False, "peak": 2}))
    add(Event("meeting_ended", day(2), "zoom", "zoom", 2, "ok", {"ended_for_all": False}))
    add(Event("end", day(2, minutes=5), "u", "slack", 2, "ended", {"by": "command"}))
    add(Event("refusal", day(1), "slack:T1:U2", "slack", None, "refused", {"command": "stats"}))
    add(Event("refusal", day(5), "slack:T1:U2", "slack", 3, "refused", {"command": "end"}))
    for phrase in ("Tmrw 3ish", " tmrw 3ish ", "asap"):
        add(Event("parse_failure", day(4), "u", "slack", None, "error", {"phrase": phrase}))
    add(Event("parse_failure", day(45), "u", "slack", None, "error", {"phrase": "old"}))
    # moves and cancellations: one event per change Zoom made
    add(Event("move", day(2), "u", "slack", 2, "moved", {"scope": "meeting"}))
    add(Event("move", day(3), "u", "slack", 5, "moved", {"scope": "occurrence"}))
    add(Event("move", day(35), "u", "slack", 4, "moved", {"scope": "meeting"}))  # outside
    add(Event("cancel", day(1), "u", "slack", 3, "cancelled", {"scope": "meeting"}))


EXPECTED_30D = {
    "window": "30d",
    "since": "2026-10-31T00:00:00Z",
    "until": "2026-11-29T10:00:00Z",
    "meetings_created": 4,
    "distinct_hosts": 3,
    "by_platform": {"slack": 3, "teams": 1, "console": 0},
    "compliance_at_creation": {"rate": 0.5, "percent": 50.0, "compliant": 2, "total": 4,
                               "failing_rules": {"waiting-room": 2, "passcode": 1}},
    "audits": {"run": 2, "compliant": 1, "failures_by_rule": {"waiting-room": 1}},
    "fixes_applied": 1,
    "fixes_by_rule": {"waiting-room": 1},
    "ended": {"for_all": 2, "left_running": 1},
    "refusals": 2,
    "moves": 2,
    "cancellations": 1,
    "parse_failures": {"count": 3, "top_phrases": [["tmrw 3ish", 2], ["asap", 1]]},
    "weekly_trend": [
        {"week": "2026-10-26", "meetings": 0, "compliant": 0},
        {"week": "2026-11-02", "meetings": 0, "compliant": 0},
        {"week": "2026-11-09", "meetings": 0, "compliant": 0},
        {"week": "2026-11-16", "meetings": 1, "compliant": 0},
        {"week": "2026-11-23", "meetings": 3, "compliant": 2},
    ],
}


def test_figures_exactly_right_on_a_constructed_data_set(store):
    build_dataset(store)
    report = stats.compute(store, "30d", now=NOW)
    assert stats.as_json(report) == EXPECTED_30D
    assert json.loads(json.dumps(stats.as_json(report))) == EXPECTED_30D  # JSON-clean


def test_all_time_and_other_windows(store):
    build_dataset(store)
    everything = stats.as_json(stats.compute(store, "all", now=NOW))
    assert everything["since"] is None and everything["window"] == "all"
    assert everything["meetings_created"] == 5 and everything["distinct_hosts"] == 4
    assert everything["by_platform"] == {"slack": 3, "teams": 1, "console": 1}
    assert everything["audits"] == {"run": 3, "compliant": 1, "failures_by_rule": {
        "restrict-recording": 1, "waiting-room": 1}}
    assert everything["parse_failures"]["count"] == 4
    assert everything["weekly_trend"][0]["week"] == "2026-10-12"  # the week of day(45)
    week = stats.as_json(stats.compute(store, "7d", now=NOW))
    assert (week["meetings_created"], week["distinct_hosts"], week["refusals"]) == (3, 2, 2)
    assert week["ended"] == {"for_all": 2, "left_running": 0}


def test_rollups_equal_the_reference_recount(store):
    build_dataset(store)
    for since in (None, date(2026, 10, 31), date(2026, 11, 20), date(2026, 11, 28)):
        for until in (date(2026, 11, 29), date(2026, 11, 27), date(2026, 11, 19)):
            fast = store.stats(since=_midnight(since), until=_midnight(until))
            assert fast == rollups.recount(store.db.conn, since=since, until=until)


def test_a_window_that_ends_in_the_past_still_counts_distinct_hosts_exactly(store):
    store.save_meeting(meeting(1, host="a@example.com", at=day(10)))
    store.save_meeting(meeting(2, host="b@example.com", at=day(10)))
    store.save_meeting(meeting(3, host="a@example.com", at=day(1)))  # a's latest day: later
    past = store.stats(since=day(12), until=day(8))
    assert (past.meetings_created, past.distinct_hosts) == (2, 2)
    assert store.stats(since=day(12), until=NOW).distinct_hosts == 2
    assert store.stats(since=day(2), until=NOW).distinct_hosts == 1


def test_deleting_a_meeting_takes_it_back_out(store):
    store.save_meeting(meeting(1, host="a@example.com", at=day(10), failed=("passcode",)))
    store.save_meeting(meeting(2, host="a@example.com", at=day(1)))
    store.db.execute("DELETE FROM meetings WHERE meeting_id = 2")
    now = store.stats(since=day(29), until=NOW)
    assert (now.meetings_created, now.distinct_hosts, dict(now.failing_rules)) == \
        (1, 1, {"passcode": 1})
    assert store.stats(since=day(5), until=NOW).distinct_hosts == 0
    assert list(store.db.execute("SELECT host, last_day FROM hosts")) == \
        [("a@example.com", day(10).date().isoformat())]


def test_a_day_ranks_at_most_so_many_distinct_phrases_but_counts_them_all(store):
    from commands.stats_model import PHRASES_PER_DAY

    assert f"< {PHRASES_PER_DAY} THEN phrase" in rollups.ROLLUPS_V1  # one number, two places
    for i in range(PHRASES_PER_DAY + 5):
        store.add_event(Event("parse_failure", day(1), data={"phrase": f"odd {i:03}"}))
    for _ in range(3):
        store.add_event(Event("parse_failure", day(1), data={"phrase": "late one"}))
        store.add_event(Event("parse_failure", day(1), data={"phrase": "odd 007"}))
    store.add_event(Event("parse_failure", day(0), data={"phrase": "late one"}))  # new day
    figures = store.stats(since=day(2), until=NOW)
    assert figures.parse_failures == PHRASES_PER_DAY + 5 + 6 + 1
    assert figures.top_phrases[0] == ("odd 007", 4)
    assert ("late one", 1) in figures.top_phrases
    assert figures == rollups.recount(store.db.conn, since=day(2).date(), until=NOW.date())


# -- windows ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "days", "since"), [
    ("", 30, datetime(2026, 10, 31, tzinfo=UTC)),
    ("30d", 30, datetime(2026, 10, 31, tzinfo=UTC)),
    ("7d", 7, datetime(2026, 11, 23, tzinfo=UTC)),
    ("90D", 90, datetime(2026, 9, 1, tzinfo=UTC)),
    ("14 days", 14, datetime(2026, 11, 16, tzinfo=UTC)),
    ("1d", 1, datetime(2026, 11, 29, tzinfo=UTC)),
    ("all", None, None),
])
def test_windows_are_whole_utc_days_ending_today(text, days, since):
    window = stats.parse_window(text, now=NOW)
    assert (window.days, window.since, window.until) == (days, since, NOW)


def test_window_days_are_utc_days_whatever_the_clock_zone():
    kolkata = NOW.astimezone(ZoneInfo("Asia/Kolkata"))  # 15:30 on the same day there
    assert stats.parse_window("7d", now=kolkata).since == datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.parametrize("text", ["0d", "367d", "last month", "7x", "-7d", "30d please"])
def test_a_bad_window_says_what_works(text):
    with pytest.raises(UserError) as caught:
        stats.parse_window(text, now=NOW)
    assert "7d, 30d, 90d or all" in caught.value.message
    assert "stats 7d" in caught.value.examples


@pytest.mark.parametrize("window", ["7d", "30d", "90d"])
def test_a_record_exactly_at_the_window_start_counts_one_second_before_does_not(
        store, window):
    start = stats.parse_window(window, now=NOW).since
    assert start is not None
    store.save_meeting(meeting(1, at=start))
    store.save_meeting(meeting(2, host="early@example.com", at=start - timedelta(seconds=1)))
    store.add_event(Event("refusal", start, data={"command": "stats"}))
    store.add_event(Event("refusal", start - timedelta(seconds=1), data={"command": "end"}))
    figures = stats.compute(store, window, now=NOW).figures
    assert (figures.meetings_created, figures.distinct_hosts, figures.refusals) == (1, 1, 1)
    assert dict(figures.refusals_by_command) == {"stats": 1}


def test_a_record_written_with_a_non_utc_time_counts_on_its_utc_day(store):
    evening = datetime(2026, 11, 29, 2, 0, tzinfo=ZoneInfo("America/New_York"))  # 07:00 UTC
    store.save_meeting(meeting(1, at=evening))
    assert stats.compute(store, "1d", now=NOW).figures.meetings_created == 1


# -- who may see it, and what they see -------------------------------------------------

def test_non_admins_are_refused_politely_and_the_refusal_is_recorded(store):
    build_dataset(store)
    with pytest.raises(NotAllowed) as caught:
        stats.run(ctx_for(store), MEMBER, "30d")
    assert "Only SecureMeet admins" in caught.value.message
    (refusal,) = [e for e in store.events(kinds=["refusal"]) if e.actor == MEMBER.user
                  and e.at == NOW]
    assert refusal.data == {"command": "stats"} and refusal.outcome == "refused"
    assert stats.compute(store, "7d", now=NOW).figures.refusals_by_command["stats"] == 2


def test_an_empty_database_gets_a_friendly_answer(store):
    reply = stats.run(ctx_for(store), ADMIN, "")
    assert reply.title == "📊 No meetings yet" and not reply.error
    assert "tomorrow 3pm" in reply.text and not reply.attachments
    assert "0" not in reply.plain_text()


def test_a_quiet_window_says_so_and_suggests_a_longer_one(store):
    store.save_meeting(meeting(1, at=day(60)))
    reply = stats.run(ctx_for(store), ADMIN, "7d")
    assert reply.title == "📊 Nothing in the last 7 days" and "stats 90d" in reply.text


def test_the_admin_reply_has_figures_a_sparkline_a_chart_and_a_csv(store):
    build_dataset(store)
    reply = stats.run(ctx_for(store), ADMIN, "30d")
    facts = {f.label: f.value for f in reply.facts}
    assert reply.private and not reply.error and not reply.has_secret
    assert facts["Meetings created"] == "4 (Slack 3 · Teams 1)"
    assert facts["Hosts"] == "3 distinct"
    assert facts["Locked down at creation"].startswith("50 % (2 of 4)")
    assert facts["Why not"] == "Waiting room on ×2 · Strong, fresh passcode ×1"
    assert facts["Ended"] == "2 for all · 1 left running by the host"
    assert facts["Moved · cancelled"] == "2 moved · 1 cancelled"
    assert facts["Unparsed times"] == "3 — top: “tmrw 3ish” ×2 · “asap” ×1"
    assert facts["Weekly trend"].startswith("▁▁▁▃█ meetings/week")
    assert "4 meetings by 3 hosts" in reply.text
    (png_name, png_type, png), (csv_name, csv_type, data) = reply.attachments
    assert (png_name, png_type) == ("securemeet-stats.png", "image/png")
    assert Image.open(io.BytesIO(png)).size == (800, 360)
    assert (csv_name, csv_type) == ("securemeet-stats.csv", "text/csv")
    rows = {(r["section"], r["item"]): r["value"]
            for r in csv.DictReader(io.StringIO(data.decode()))}
    assert rows[("meetings", "created")] == "4"
    assert rows[("failing_rule", "waiting-room")] == "2"
    assert rows[("week_meetings", "2026-11-23")] == "3"
    assert (rows[("moves", "count")], rows[("cancellations", "count")]) == ("2", "1")


def test_a_perfect_record_shows_no_why(store):
    store.save_meeting(meeting(1, at=day(1)))
    facts = {f.label: f.value for f in stats.run(ctx_for(store), ADMIN, "").facts}
    assert facts["Locked down at creation"] == "100 % (1 of 1)" and "Why not" not in facts


@pytest.mark.parametrize(("rate", "shown"), [
    (1.0, "100 %"), (2999 / 3000, "99.9 %"), (0.5, "50 %"), (2 / 3, "66.7 %"), (0.0, "0 %"),
    (None, "–"),
])
def test_a_near_miss_is_never_rounded_up_to_100_percent(rate, shown):
    assert stats._percent(rate) == shown


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(store):
    store.add_event(Event("parse_failure", day(1), data={"phrase": "=HYPERLINK(\"x\")"}))
    text = stats.as_csv(stats.compute(store, "7d", now=NOW))
    assert "top_phrase,\"'=hyperlink(\"\"x\"\")\",1" in text


@pytest.mark.parametrize(("values", "line"), [
    ([], ""), ([0, 0], "▁▁"), ([0, 7], "▁█"), ([1, 2, 3, 4, 5, 6, 7, 8], "▂▃▄▅▅▆▇█"),
    ([5], "█"),
])
def test_sparkline(values, line):
    assert sparkline(values) == line


def test_the_chart_is_deterministic_and_handles_no_weeks():
    weeks = [(date(2026, 11, 2), 3, 2), (date(2026, 11, 9), 0, 0)]
    from commands.stats_chart import weekly_png
    assert weekly_png(weeks, title="t") == weekly_png(weeks, title="t")
    assert Image.open(io.BytesIO(weekly_png([], title="t"))).format == "PNG"


def test_every_json_key_is_documented():
    doc = (ROOT / "docs" / "STATS.md").read_text("utf-8")
    paths = [key for key in EXPECTED_30D if key != "fixes_by_rule"] + [
        f"{key}.{sub}" for key in ("compliance_at_creation", "audits", "ended",
                                   "parse_failures") for sub in EXPECTED_30D[key]]
    assert "`fixes_by_rule`" in doc
    for path in paths:
        assert f"`{path}`" in doc, f"docs/STATS.md does not describe {path}"


# -- the CLI ---------------------------------------------------------------------------

@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    for var in ("SECUREMEET_ADMINS", "ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET",
                "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SECUREMEET_DB", str(path))
    return path


def test_cli_stats_json_keys_and_numbers(cli_db):
    from click.testing import CliRunner

    from bot.cli import main

    now = datetime.now(UTC)
    store = SqliteStore(cli_db)
    store.save_meeting(meeting(1, host="a@example.com", at=now - timedelta(days=2)))
    store.save_meeting(meeting(2, host="b@example.com", platform="teams",
                               failed=("waiting-room",), at=now - timedelta(days=3)))
    store.save_meeting(meeting(3, host="a@example.com", at=now - timedelta(days=200)))
    store.add_event(Event("end", now - timedelta(days=2), meeting_id=1, outcome="ended"))
    store.close()
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == set(EXPECTED_30D)
    assert data["window"] == "30d" and data["meetings_created"] == 2
    assert data["distinct_hosts"] == 2
    assert data["by_platform"] == {"slack": 1, "teams": 1, "console": 0}
    assert data["compliance_at_creation"] == {"rate": 0.5, "percent": 50.0, "compliant": 1,
                                              "total": 2, "failing_rules": {"waiting-room": 1}}
    assert data["ended"] == {"for_all": 1, "left_running": 0}
    everything = json.loads(CliRunner().invoke(main, ["stats", "-w", "all", "--json"]).output)
    assert everything["meetings_created"] == 3 and everything["since"] is None


def test_cli_stats_csv_text_chart_and_errors(cli_db, tmp_path):
    from click.testing import CliRunner

    from bot.cli import main

    runner = CliRunner()
    empty = runner.invoke(main, ["stats"])
    assert empty.exit_code == 0 and "No meetings yet" in empty.output
    assert json.loads(runner.invoke(main, ["stats", "--json"]).output)[
        "meetings_created"] == 0
    store = SqliteStore(cli_db)
    store.save_meeting(meeting(1, at=datetime.now(UTC) - timedelta(hours=1)))
    store.close()
    text = runner.invoke(main, ["stats", "--window", "7d"])
    assert text.exit_code == 0 and "Meetings created" in text.output
    exported = runner.invoke(main, ["stats", "--csv"])
    assert exported.output.startswith("section,item,value\n")
    chart = tmp_path / "trend.png"
    assert runner.invoke(main, ["stats", "--chart", str(chart)]).exit_code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    bad = runner.invoke(main, ["stats", "--window", "fortnight"])
    assert bad.exit_code == 2 and "7d, 30d, 90d or all" in bad.output
    both = runner.invoke(main, ["stats", "--json", "--csv"])
    assert both.exit_code == 2 and "one of --json and --csv" in both.output


# -- the rollups: migrations, triggers, and a property test against a naive recount --

def test_the_migration_counts_rows_that_were_there_before_it(tmp_path):
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m002_stats_rollups")
    db["meetings"].insert({"meeting_id": 1, "host_email": "a@example.com", "platform": "slack",
                           "compliant": 0, "failed_rules": '["passcode"]',
                           "created_at": iso(day(1))})
    db["events"].insert({"kind": "audit", "at": iso(day(1)), "outcome": "compliant",
                         "data": '{"failed": []}'})
    db.close()
    store = SqliteStore(path)  # applies m002, which counts what is there
    try:
        figures = store.stats(since=day(29), until=NOW)
        assert (figures.meetings_created, figures.distinct_hosts, figures.audits_run,
                dict(figures.failing_rules)) == (1, 1, 1, {"passcode": 1})
        assert figures == rollups.recount(store.db.conn, since=day(29).date(),
                                          until=NOW.date())
    finally:
        store.close()


def test_every_rollup_trigger_exists_after_all_migrations(store):
    """A later migration that rebuilds ``meetings`` or ``events`` (sqlite-utils'
    ``transform``) drops their triggers: it must recreate them, or this fails."""
    names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master "
                                            "WHERE type = 'trigger'")}
    assert set(rollups.ROLLUP_TRIGGERS) <= names


HOSTS = ("a@example.com", "A@Example.com", "b@example.com", "c@example.com", "")
RULE_IDS = ("waiting-room", "passcode", "fresh-id")
KINDS = ("schedule", "audit", "fix", "end", "meeting_ended", "meeting_started", "refusal",
         "parse_failure", "error")
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=130)
_value = st.one_of(_text, st.sampled_from(RULE_IDS), st.booleans(), st.integers(-2, 2),
                   st.none(), st.lists(st.sampled_from(RULE_IDS + ("x",)), max_size=4),
                   st.lists(st.one_of(st.integers(), _text), max_size=2))
_data = st.dictionaries(st.sampled_from(("failed", "rule", "phrase", "command",
                                         "ended_for_all", "peak", "by")), _value, max_size=4)
_when = st.tuples(st.integers(0, 20), st.integers(0, 86399))
_ops = st.lists(st.one_of(
    st.tuples(st.just("meeting"), st.integers(1, 6), st.sampled_from(HOSTS),
              st.sampled_from(("slack", "teams", "console", "")),
              st.lists(st.sampled_from(RULE_IDS), max_size=3), st.booleans(), _when),
    st.tuples(st.just("delete"), st.integers(1, 6)),
    st.tuples(st.just("event"), st.sampled_from(KINDS), st.one_of(st.none(), st.integers(1, 4)),
              st.sampled_from(("ok", "ended", "compliant", "noncompliant", "fixed",
                               "not_applied", "refused", "")), _data, _when),
), max_size=40)
BASE = datetime(2026, 11, 1, tzinfo=UTC)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops)
def test_rollup_totals_equal_a_naive_recount_for_any_stream_of_writes(ops):
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "p.db")
        try:
            for op in ops:
                _apply(store, op)
            for since in (None, 0, 3, 12):
                for until in (20, 12, 5):
                    lo = None if since is None else (BASE + timedelta(days=since)).date()
                    hi = (BASE + timedelta(days=until)).date()
                    fast = store.stats(since=_midnight(lo), until=_midnight(hi))
                    assert fast == rollups.recount(store.db.conn, since=lo, until=hi)
            before = _rollup_rows(store)
            with store.db.atomic():
                rollups.rebuild(store.db.conn)
            assert _rollup_rows(store) == before
        finally:
            store.close()


def _apply(store, op):
    if op[0] == "meeting":
        _, meeting_id, host, platform, failed, compliant, (d, s) = op
        at = BASE + timedelta(days=d, seconds=s)
        record = meeting(meeting_id, host=host, platform=platform, failed=failed, at=at)
        store.save_meeting(replace(record, compliant=compliant))
    elif op[0] == "delete":
        store.db.execute("DELETE FROM meetings WHERE meeting_id = ?", [op[1]])
    else:
        _, kind, meeting_id, outcome, data, (d, s) = op
        store.add_event(Event(kind, BASE + timedelta(days=d, seconds=s), "u", "slack",
                              meeting_id, outcome, data))


def _rollup_rows(store):
    return {table: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM {table}"))
            for table in ("host_days", "hosts", "endings")} | {
        "daily_counts": sorted(tuple(r) for r in store.db.execute(
            "SELECT * FROM daily_counts WHERE n <> 0"))}


def _midnight(d):
    return None if d is None else datetime(d.year, d.month, d.day, tzinfo=UTC)


# -- real commands through the router, against the Zoom emulator ----------------------

def test_figures_from_real_schedule_end_and_refusal_runs(tmp_path, zoom, zoom_client):
    from bot.app import build
    from bot.config import Config
    from commands import router

    app = build(Config(db_path=str(tmp_path / "real.db")), zoom=zoom_client)
    try:
        host = Requester("slack:T1:UHOST", "slack", "host@example.com")
        other = Requester("teams:aad-2", "teams", "other@example.com")
        first = router.dispatch(app.ctx, host, "tomorrow 3pm for 45m Budget review")
        second = router.dispatch(app.ctx, other, "next tue 10:30 for 1h Design sync")
        assert not first.error and not second.error, (first, second)
        assert router.dispatch(app.ctx, host, "whenever suits blah").error
        meeting_id = next(a.command.split()[1] for a in first.actions if a.verb == "end")
        zoom.start_meeting(int(meeting_id))  # the host is in it: there is something to end
        assert not router.dispatch(app.ctx, host, f"end {meeting_id}").error
        refused = router.dispatch(app.ctx, host, "stats")
        assert refused.error and "Only SecureMeet admins" in refused.plain_text()
        reply = router.dispatch(app.ctx, ADMIN, "stats 7d")
        assert not reply.error and reply.attachments
        data = stats.as_json(stats.compute(app.store, "7d", now=app.ctx.now()))
        assert data["meetings_created"] == 2 and data["distinct_hosts"] == 2
        assert data["by_platform"] == {"slack": 1, "teams": 1, "console": 0}
        records = [app.store.get_meeting(int(next(a.command.split()[1] for a in r.actions
                                                  if a.verb == "end"))) for r in (first, second)]
        failing: dict[str, int] = {}
        for record in records:  # as each meeting was judged when Zoom gave it back
            for rule in record.failed_rules:
                failing[rule] = failing.get(rule, 0) + 1
        cca = data["compliance_at_creation"]
        assert (cca["total"], cca["compliant"]) == (2, sum(r.compliant for r in records))
        assert cca["failing_rules"] == failing
        assert data["ended"] == {"for_all": 1, "left_running": 0}
        assert data["refusals"] == 1
        assert data["parse_failures"] == {"count": 1, "top_phrases": [["whenever suits blah", 1]]}
        assert (data["moves"], data["cancellations"]) == (0, 0)
        other_id = next(a.command.split()[1] for a in second.actions if a.verb == "end")
        moved = router.dispatch(app.ctx, other, f"move {other_id} to in 9 days 9am")
        assert not moved.error, moved.plain_text()
        router.dispatch(app.ctx, other, f"move {other_id} to in 9 days 9am")  # already then
        router.dispatch(app.ctx, host, f"move {other_id} to in 8 days 9am")  # refused
        for _ in range(2):  # a double press
            router.dispatch(app.ctx, other, f"cancel {other_id} confirm")
        data = stats.as_json(stats.compute(app.store, "7d", now=app.ctx.now()))
        assert (data["moves"], data["cancellations"], data["refusals"]) == (1, 1, 2)
        # the record kept in step (new time, then none) is still one meeting created
        assert (data["meetings_created"], data["distinct_hosts"]) == (2, 2)
        assert data["compliance_at_creation"]["total"] == 2
        rows = stats.as_csv(stats.compute(app.store, "7d", now=app.ctx.now()))
        assert "moves,count,1\ncancellations,count,1\n" in rows
    finally:
        app.close()
