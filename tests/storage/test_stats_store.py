"""What the store counts, on both backends: exact figures for a constructed data set,
window edges, the rollups equal to a naive recount (a property test), and migrations
that count rows already there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import stats
from commands.records import Event
from storage import stats as rollups
from storage.postgres import stats as pg_rollups
from tests.core.stats_data import EXPECTED_30D, NOW, build_dataset, day, meeting
from tests.storage.conftest import sql


def test_figures_exactly_right_on_a_constructed_data_set(store):
    build_dataset(store)
    report = stats.compute(store, "30d", now=NOW)
    assert stats.as_json(report) == EXPECTED_30D


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
            assert fast == store.recount(since=since, until=until)


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
    sql(store, "DELETE FROM meetings WHERE meeting_id = 2")
    now = store.stats(since=day(29), until=NOW)
    assert (now.meetings_created, now.distinct_hosts, dict(now.failing_rules)) == \
        (1, 1, {"passcode": 1})
    assert store.stats(since=day(5), until=NOW).distinct_hosts == 0
    assert sql(store, "SELECT host, last_day FROM hosts") == \
        [("a@example.com", day(10).date().isoformat())]


def test_a_day_ranks_at_most_so_many_distinct_phrases_but_counts_them_all(store):
    from commands.stats_model import PHRASES_PER_DAY

    # one number, three places
    assert f"< {PHRASES_PER_DAY} THEN phrase" in rollups.ROLLUPS_V1
    assert f"AND key <> '') >= {PHRASES_PER_DAY} THEN" in pg_rollups.ROLLUPS_V1
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
    assert figures == store.recount(since=day(2).date(), until=NOW.date())


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


# -- the rollups: migrations, triggers, and a property test against a naive recount --

def test_the_migration_counts_rows_that_were_there_before_it(backend, tmp_path, postgres):
    """Migration m002 (the rollups) counts what the tables already hold."""
    if backend == "sqlite":
        from sqlite_utils import Database

        from storage.schema import migrations
        from storage.sqlite_store import SqliteStore, iso

        path = tmp_path / "old.db"
        db = Database(path)
        migrations.apply(db, stop_before="m002_stats_rollups")
        db["meetings"].insert({"meeting_id": 1, "host_email": "a@example.com",
                               "platform": "slack", "compliant": 0,
                               "failed_rules": '["passcode"]', "created_at": iso(day(1))})
        db["events"].insert({"kind": "audit", "at": iso(day(1)), "outcome": "compliant",
                             "data": '{"failed": []}'})
        db.close()
        store = SqliteStore(path)  # applies m002, which counts what is there
    else:
        import psycopg
        from psycopg.types.json import Jsonb

        from storage.postgres import PostgresStore, migrate_dsn

        dsn = postgres.create_database("old")
        assert migrate_dsn(dsn, stop_before="m002_stats_rollups") == 1
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO meetings (meeting_id, host_email, platform, compliant, "
                         "failed_rules, created_at) VALUES (1, 'a@example.com', 'slack', "
                         "false, %s, %s)", [Jsonb(["passcode"]), day(1)])
            conn.execute("INSERT INTO events (kind, at, outcome, data) "
                         "VALUES ('audit', %s, 'compliant', %s)", [day(1), Jsonb({"failed": []})])
        store = PostgresStore(dsn, pool_size=2)  # applies m002 onwards
    try:
        figures = store.stats(since=day(29), until=NOW)
        assert (figures.meetings_created, figures.distinct_hosts, figures.audits_run,
                dict(figures.failing_rules)) == (1, 1, 1, {"passcode": 1})
        assert figures == store.recount(since=day(29).date(), until=NOW.date())
    finally:
        store.close()
        if backend == "postgresql":
            postgres.drop_database(dsn)


def test_every_rollup_trigger_exists_after_all_migrations(store, backend):
    """A later migration that rebuilds ``meetings`` or ``events`` (sqlite-utils'
    ``transform``, or a PostgreSQL table swap) drops their triggers: it must recreate
    them, or this fails."""
    if backend == "sqlite":
        names = {r[0] for r in sql(store, "SELECT name FROM sqlite_master "
                                          "WHERE type = 'trigger'")}
        assert set(rollups.ROLLUP_TRIGGERS + rollups.ROLLUP_TRIGGERS_V2) <= names
    else:
        names = {r[0] for r in sql(store, "SELECT tgname FROM pg_trigger "
                                          "WHERE NOT tgisinternal")}
        assert set(pg_rollups.ROLLUP_TRIGGERS + pg_rollups.ROLLUP_TRIGGERS_V2) <= names


# Hosts differ in case: ASCII letters fold on both backends, others do not (SQLite's
# lower() is ASCII-only, and PostgreSQL's with COLLATE "C").
HOSTS = ("a@example.com", "A@Example.com", "b@example.com", "ülla@example.com",
         "Ülla@example.com", "")
RULE_IDS = ("waiting-room", "passcode", "fresh-id")
KINDS = ("schedule", "audit", "fix", "end", "meeting_ended", "meeting_started", "refusal",
         "parse_failure", "error", "invite", "leak")
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=130)
_value = st.one_of(_text, st.sampled_from(RULE_IDS), st.booleans(), st.integers(-2, 2),
                   st.none(), st.lists(st.sampled_from(RULE_IDS + ("x",)), max_size=4),
                   st.lists(st.one_of(st.integers(), _text), max_size=2))
_data = st.dictionaries(st.sampled_from(("failed", "rule", "phrase", "command",
                                         "ended_for_all", "peak", "by", "channel_type")),
                        _value, max_size=4)
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


@settings(max_examples=100, deadline=None,
          # open_store is a factory: each example opens its own store on an empty database
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_rollup_totals_equal_a_naive_recount_for_any_stream_of_writes(open_store, ops):
    store = open_store()
    try:
        for op in ops:
            _apply(store, op)
        for since in (None, 0, 3, 12):
            for until in (20, 12, 5):
                lo = None if since is None else (BASE + timedelta(days=since)).date()
                hi = (BASE + timedelta(days=until)).date()
                fast = store.stats(since=_midnight(lo), until=_midnight(hi))
                assert fast == store.recount(since=lo, until=hi)
        before = _rollup_rows(store)
        store.rebuild_rollups()
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
        sql(store, "DELETE FROM meetings WHERE meeting_id = ?", [op[1]])
    else:
        _, kind, meeting_id, outcome, data, (d, s) = op
        store.add_event(Event(kind, BASE + timedelta(days=d, seconds=s), "u", "slack",
                              meeting_id, outcome, data))


def _rollup_rows(store):
    return {table: sorted(sql(store, f"SELECT * FROM {table}"))
            for table in ("host_days", "hosts", "endings")} | {
        "daily_counts": sorted(sql(store, "SELECT * FROM daily_counts WHERE n <> 0"))}


def _midnight(d):
    return None if d is None else datetime(d.year, d.month, d.day, tzinfo=UTC)


