"""Admin stats: windows, admins only, empty data, the reply, CSV, chart, CLI.

Everything runs on the real ``SqliteStore`` over a temp file, written through the
store's own methods. What the store counts (exact figures, window edges, rollups =
recount) runs on both backends in ``tests/storage/test_stats_store.py``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot import charts
from commands import stats
from commands.context import Context, Requester
from commands.errors import NotAllowed, UserError
from commands.records import Event
from commands.stats import sparkline
from storage.sqlite_store import SqliteStore
from tests.core.stats_data import EXPECTED_30D, NOW, build_dataset, day, meeting
from tests.paths import ROOT

ADMIN = Requester("slack:T1:UADMIN", "slack", "admin@example.com", is_admin=True)
MEMBER = Requester("slack:T1:U2", "slack", "member@example.com")


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "stats.db")
    yield s
    s.close()


def ctx_for(store, now=NOW):
    return Context(zoom=None, store=store, clock=lambda: now)  # type: ignore[arg-type]


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
    assert reply.chart is not None and len(reply.chart.weeks) == 5  # drawn by front ends
    (png_name, png_type, png), (csv_name, csv_type, data) = charts.with_png(reply).attachments
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
    assert charts.weekly_png(weeks, title="t") == charts.weekly_png(weeks, title="t")
    assert Image.open(io.BytesIO(charts.weekly_png([], title="t"))).format == "PNG"


def test_every_json_key_is_documented():
    doc = (ROOT / "docs" / "STATS.md").read_text("utf-8")
    nested = ("compliance_at_creation", "audits", "ended", "parse_failures", "leaks_caught")
    paths = [key for key in EXPECTED_30D if key not in ("fixes_by_rule", "leaks_caught")] + [
        f"{key}.{sub}" for key in nested for sub in EXPECTED_30D[key]]
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


# -- real commands through the router, against the Zoom emulator ----------------------

def test_figures_from_real_schedule_end_and_refusal_runs(tmp_path, zoom, zoom_client):
    from bot.bootstrap import bootstrap
    from bot.config import Config
    from commands import router

    app = bootstrap(Config(db_path=str(tmp_path / "real.db")), zoom=zoom_client)
    try:
        host = Requester("slack:T1:UHOST", "slack", "host@example.com")
        other = Requester("teams:aad-2", "teams", "other@example.com")
        first = router.dispatch(app.ctx, host, "tomorrow 3pm for 45m Budget review")
        second = router.dispatch(app.ctx, other, "tue 10:30 for 1h Design sync")
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
