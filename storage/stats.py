"""Stats from daily rollups that SQLite keeps up to date as rows are written.

Why rollups: counting raw rows grows with the data (an indexed GROUP BY over a million
meetings and three million events takes 300–500 ms, a Python loop seconds). The
figures are instead kept per UTC day as rows are written, and a window is answered by
summing its days: a 30-day window reads ~30 days × a few dozen keys, whatever the
size of the ``meetings`` and ``events`` tables. Every key space is bounded (rules,
front ends, event kinds, commands; unparsed phrases are capped at 100 ranked a day),
so the work per window has a ceiling however large the tables grow.

Tables (migration ``m002_stats_rollups``)::

    daily_counts(metric, day, key, n)   PRIMARY KEY (metric, day, key), WITHOUT ROWID:
                                        each metric's window is one range of the key
    host_days(host, day, n)             meetings per host per day
    hosts(host, last_day)               each host's latest day with a meeting
    endings(meeting_id, day, for_all)   one row per meeting occurrence that ended

``daily_counts`` metrics (``key`` in brackets):

    meetings ['']   meetings_compliant ['']   meetings_platform [platform]
    meetings_failed_rule [rule]               events [kind]
    audit_compliant ['']   audit_failed_rule [rule]   fix_rule [rule]
    parse_phrase [phrase]  refusal_command [command]
    ended_for_all ['']     left_running ['']  host_last ['']
    leak_channel [channel type]               (m008: a join link with its passcode
                                              posted where others read it)

How they stay right: **triggers**, so the rollup changes in the same statement (and
so the same transaction) as the row, whichever code path writes it —
``SqliteStore.add_event``/``save_meeting``, a later repository function, or a bulk
insert. ``meetings`` is mirrored exactly: an insert adds the row's contribution, a
delete subtracts it, and an update (sqlite-utils' upsert is ``INSERT … ON CONFLICT DO
UPDATE``) subtracts the old row and adds the new one, so saving a meeting twice never
counts it twice. ``events`` is an append-only history: deleting old events (say, a
retention purge) leaves the figures as they were. Each table's trigger hands its row to
a view (``rollup_meeting``, ``rollup_event``) whose ``INSTEAD OF`` triggers do the
counting, one part each, with a ``WHEN`` that skips JSON work a row does not need; so
the counting is written once, and :func:`rebuild` replays existing rows through the
very same code.

Distinct hosts cannot be summed from daily counts (a host active on 20 days is one
host, not 20). ``hosts.last_day`` is each host's latest day with a meeting, and
``host_last`` keeps a histogram of it: when a host's latest day moves from d1 to d2,
d1 loses one and d2 gains one. Every host active in ``[since, until]`` has its latest
day there **provided no host's latest day is after ``until``** — always true for the
windows the bot asks ("the last N days, up to now"), checked with one range read of
the days after ``until``. Then the distinct count is the histogram's sum over the
window's days: exact, and as flat as every other figure. For a window that ends in
the past, ``host_days`` (indexed by day) gives the exact count with a ``COUNT(DISTINCT
host)`` over that window's host-days. Deleting or re-dating a meeting moves the
histogram back: ``host_days`` counts meetings, and when a host's last host-day goes,
its ``last_day`` falls back to the latest remaining one.

Meeting endings are counted per occurrence, a (meeting ID, UTC day) pair: ``end``
(SecureMeet ended it for all) and Zoom's ``meeting_ended`` webhook for the same
occurrence count once; ended for all by either wins over "left running".

The trigger SQL below is applied by a migration, so it is frozen: to change it, add a
new version and a new migration that drops and recreates what changed.

:func:`recount` is the slow reference: a plain Python loop over every row with the
same definitions. The property test and ``benchmarks/bench_stats.py`` check the
rollups against it.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from commands.stats_model import (
    FIX_APPLIED,
    PHRASE_MAX,
    PHRASES_PER_DAY,
    TOP_PHRASES,
    DayCount,
    StatsFigures,
    top,
)

ROLLUP_TABLES = ("host_days", "hosts", "endings", "daily_counts")

# Frozen: applied by migration m002_stats_rollups. Change = new version + new migration.
ROLLUPS_V1 = """
CREATE TABLE daily_counts (
    metric TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (metric, day, key)
) WITHOUT ROWID;
CREATE TABLE host_days (
    host TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (host, day)
) WITHOUT ROWID;
CREATE INDEX host_days_by_day ON host_days (day, host);
CREATE TABLE hosts (host TEXT NOT NULL PRIMARY KEY, last_day TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE endings (
    meeting_id INTEGER NOT NULL, day TEXT NOT NULL, for_all INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, day)
) WITHOUT ROWID;

-- One meeting row's contribution (sign +1 or -1), written once; each INSTEAD OF
-- trigger on the view does one part, and its WHEN skips the JSON work when there is none.
CREATE VIEW rollup_meeting (day, host, platform, compliant, failed_rules, sign) AS
    SELECT '', '', '', 0, '[]', 0 WHERE 0;
CREATE TRIGGER rollup_meeting_count INSTEAD OF INSERT ON rollup_meeting BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.day, 'meetings', '', NEW.sign)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_counts (day, metric, key, n)
        SELECT NEW.day, 'meetings_compliant', '', NEW.sign WHERE NEW.compliant
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_counts (day, metric, key, n)
        VALUES (NEW.day, 'meetings_platform', NEW.platform, NEW.sign)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO host_days (host, day, n) SELECT NEW.host, NEW.day, NEW.sign WHERE NEW.host <> ''
        ON CONFLICT (host, day) DO UPDATE SET n = n + excluded.n;
    DELETE FROM host_days WHERE host = NEW.host AND day = NEW.day AND n <= 0;
END;
CREATE TRIGGER rollup_meeting_rules INSTEAD OF INSERT ON rollup_meeting
WHEN NEW.failed_rules NOT IN ('', '[]') AND json_valid(NEW.failed_rules) BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        SELECT DISTINCT NEW.day, 'meetings_failed_rule', value, NEW.sign
        FROM json_each(CASE json_type(NEW.failed_rules) WHEN 'array'
                       THEN NEW.failed_rules ELSE '[]' END)
        WHERE type = 'text'
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER rollup_meetings_insert AFTER INSERT ON meetings BEGIN
    INSERT INTO rollup_meeting VALUES (
        coalesce(substr(NEW.created_at, 1, 10), ''), lower(coalesce(NEW.host_email, '')),
        coalesce(NEW.platform, ''), coalesce(NEW.compliant, 0),
        coalesce(NEW.failed_rules, ''), 1);
END;
CREATE TRIGGER rollup_meetings_delete AFTER DELETE ON meetings BEGIN
    INSERT INTO rollup_meeting VALUES (
        coalesce(substr(OLD.created_at, 1, 10), ''), lower(coalesce(OLD.host_email, '')),
        coalesce(OLD.platform, ''), coalesce(OLD.compliant, 0),
        coalesce(OLD.failed_rules, ''), -1);
END;
CREATE TRIGGER rollup_meetings_update
AFTER UPDATE OF created_at, host_email, platform, compliant, failed_rules ON meetings BEGIN
    INSERT INTO rollup_meeting VALUES (
        coalesce(substr(OLD.created_at, 1, 10), ''), lower(coalesce(OLD.host_email, '')),
        coalesce(OLD.platform, ''), coalesce(OLD.compliant, 0),
        coalesce(OLD.failed_rules, ''), -1);
    INSERT INTO rollup_meeting VALUES (
        coalesce(substr(NEW.created_at, 1, 10), ''), lower(coalesce(NEW.host_email, '')),
        coalesce(NEW.platform, ''), coalesce(NEW.compliant, 0),
        coalesce(NEW.failed_rules, ''), 1);
END;

-- Distinct hosts: each host's latest day, and a per-day histogram of it.
CREATE TRIGGER rollup_host_day_new AFTER INSERT ON host_days BEGIN
    INSERT INTO hosts (host, last_day) VALUES (NEW.host, NEW.day)
        ON CONFLICT (host) DO UPDATE SET last_day = excluded.last_day
        WHERE excluded.last_day > hosts.last_day;
END;
CREATE TRIGGER rollup_host_day_gone AFTER DELETE ON host_days BEGIN
    DELETE FROM hosts
        WHERE host = OLD.host AND NOT EXISTS (SELECT 1 FROM host_days WHERE host = OLD.host);
    UPDATE hosts SET last_day = (SELECT max(day) FROM host_days WHERE host = OLD.host)
        WHERE host = OLD.host AND last_day = OLD.day;
END;
CREATE TRIGGER rollup_host_new AFTER INSERT ON hosts BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.last_day, 'host_last', '', 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_host_moved AFTER UPDATE OF last_day ON hosts BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (OLD.last_day, 'host_last', '', -1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.last_day, 'host_last', '', 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_host_gone AFTER DELETE ON hosts BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (OLD.last_day, 'host_last', '', -1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;

-- One event's contribution (events are append-only history), one trigger per part.
-- ``data`` arrives as stored; JSON is read only where the WHEN has checked it is valid.
CREATE VIEW rollup_event (day, kind, outcome, meeting_id, data) AS
    SELECT '', '', '', NULL, '{}' WHERE 0;
CREATE TRIGGER rollup_event_count INSTEAD OF INSERT ON rollup_event BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.day, 'events', NEW.kind, 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_counts (day, metric, key, n)
        SELECT NEW.day, 'audit_compliant', '', 1
        WHERE NEW.kind = 'audit' AND NEW.outcome = 'compliant'
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_event_audit INSTEAD OF INSERT ON rollup_event
WHEN NEW.kind = 'audit' AND json_valid(NEW.data) BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        SELECT DISTINCT NEW.day, 'audit_failed_rule', value, 1
        FROM json_each(CASE json_type(NEW.data, '$.failed') WHEN 'array'
                       THEN json_extract(NEW.data, '$.failed') ELSE '[]' END)
        WHERE type = 'text'
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_event_fix INSTEAD OF INSERT ON rollup_event
WHEN NEW.kind = 'fix' AND NEW.outcome IN ('fixed', 'ok') BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        VALUES (NEW.day, 'fix_rule', CASE WHEN json_valid(NEW.data) THEN
            CASE json_type(NEW.data, '$.rule') WHEN 'text'
            THEN json_extract(NEW.data, '$.rule') ELSE '' END ELSE '' END, 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
-- A day ranks at most 100 distinct phrases (the first seen); later new ones that day,
-- and empty ones, count under key '' (in the total, never in the top list).
CREATE TRIGGER rollup_event_parse_failure INSTEAD OF INSERT ON rollup_event
WHEN NEW.kind = 'parse_failure' BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        SELECT NEW.day, 'parse_phrase',
            CASE WHEN phrase = '' THEN ''
            WHEN EXISTS (SELECT 1 FROM daily_counts WHERE metric = 'parse_phrase'
                         AND day = NEW.day AND key = phrase) THEN phrase
            WHEN (SELECT count(*) FROM daily_counts WHERE metric = 'parse_phrase'
                  AND day = NEW.day AND key <> '') < 100 THEN phrase
            ELSE '' END, 1
        FROM (SELECT substr(lower(trim(CASE WHEN json_valid(NEW.data) THEN
                  CASE json_type(NEW.data, '$.phrase') WHEN 'text'
                  THEN json_extract(NEW.data, '$.phrase') ELSE '' END ELSE '' END)), 1, 120)
              AS phrase)
        WHERE true
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_event_refusal INSTEAD OF INSERT ON rollup_event
WHEN NEW.kind = 'refusal' BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        VALUES (NEW.day, 'refusal_command', CASE WHEN json_valid(NEW.data) THEN
            CASE json_type(NEW.data, '$.command') WHEN 'text'
            THEN json_extract(NEW.data, '$.command') ELSE '' END ELSE '' END, 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_event_ending INSTEAD OF INSERT ON rollup_event
WHEN NEW.meeting_id IS NOT NULL
    AND ((NEW.kind = 'end' AND NEW.outcome = 'ended') OR NEW.kind = 'meeting_ended') BEGIN
    INSERT INTO endings (meeting_id, day, for_all)
        VALUES (NEW.meeting_id, NEW.day, CASE WHEN NEW.kind = 'end' THEN 1
            WHEN json_valid(NEW.data) THEN json_type(NEW.data, '$.ended_for_all') IS 'true'
            ELSE 0 END)
        ON CONFLICT (meeting_id, day) DO UPDATE SET for_all = 1
        WHERE excluded.for_all = 1 AND endings.for_all = 0;
END;
CREATE TRIGGER rollup_events_insert AFTER INSERT ON events BEGIN
    INSERT INTO rollup_event VALUES (
        coalesce(substr(NEW.at, 1, 10), ''), coalesce(NEW.kind, ''), coalesce(NEW.outcome, ''),
        NEW.meeting_id, coalesce(NEW.data, ''));
END;

CREATE TRIGGER rollup_ending_new AFTER INSERT ON endings BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        VALUES (NEW.day, CASE NEW.for_all WHEN 1 THEN 'ended_for_all' ELSE 'left_running' END,
                '', 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER rollup_ending_for_all AFTER UPDATE OF for_all ON endings
WHEN OLD.for_all = 0 AND NEW.for_all = 1 BEGIN
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.day, 'left_running', '', -1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_counts (day, metric, key, n) VALUES (NEW.day, 'ended_for_all', '', 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
"""

ROLLUP_TRIGGERS = (
    "rollup_meeting_count", "rollup_meeting_rules", "rollup_meetings_insert",
    "rollup_meetings_delete", "rollup_meetings_update", "rollup_host_day_new",
    "rollup_host_day_gone", "rollup_host_new", "rollup_host_moved", "rollup_host_gone",
    "rollup_event_count", "rollup_event_audit", "rollup_event_fix",
    "rollup_event_parse_failure", "rollup_event_refusal", "rollup_event_ending",
    "rollup_events_insert", "rollup_ending_new", "rollup_ending_for_all",
)

# Frozen: applied by migration m008_sharing. Leaks caught, by channel type (an event
# of kind 'leak' whose data.channel_type is the key); invitations sent need no metric
# of their own: the 'invite' events are counted under 'events'.
ROLLUPS_V2 = """
CREATE TRIGGER rollup_event_leak INSTEAD OF INSERT ON rollup_event
WHEN NEW.kind = 'leak' BEGIN
    INSERT INTO daily_counts (day, metric, key, n)
        VALUES (NEW.day, 'leak_channel', CASE WHEN json_valid(NEW.data) THEN
            CASE json_type(NEW.data, '$.channel_type') WHEN 'text'
            THEN json_extract(NEW.data, '$.channel_type') ELSE '' END ELSE '' END, 1)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n;
END;
"""
ROLLUP_TRIGGERS_V2 = ("rollup_event_leak",)

# Replays existing rows through the same INSTEAD OF triggers (meetings in any order,
# events in insertion order, as they happened).
_REPLAY_MEETINGS = """
INSERT INTO rollup_meeting SELECT
    coalesce(substr(created_at, 1, 10), ''), lower(coalesce(host_email, '')),
    coalesce(platform, ''), coalesce(compliant, 0), coalesce(failed_rules, ''), 1
FROM meetings
"""
_REPLAY_EVENTS = """
INSERT INTO rollup_event SELECT
    coalesce(substr(at, 1, 10), ''), coalesce(kind, ''), coalesce(outcome, ''), meeting_id,
    coalesce(data, '')
FROM events ORDER BY id
"""


def install_v1(conn: sqlite3.Connection) -> None:
    """Create the rollup tables and triggers, then count what is already there."""
    for statement in _statements(ROLLUPS_V1):
        conn.execute(statement)
    rebuild(conn)


def install_v2(conn: sqlite3.Connection) -> None:
    """Add the leak counts (m008), counting any leak events already there."""
    for statement in _statements(ROLLUPS_V2):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO daily_counts (day, metric, key, n) "
        "SELECT coalesce(substr(at, 1, 10), ''), 'leak_channel', CASE WHEN json_valid(data) "
        "THEN CASE json_type(data, '$.channel_type') WHEN 'text' "
        "THEN json_extract(data, '$.channel_type') ELSE '' END ELSE '' END, count(*) "
        "FROM events WHERE kind = 'leak' GROUP BY 1, 3")


def rebuild(conn: sqlite3.Connection) -> None:
    """Recount every rollup from ``meetings`` and ``events`` (caller holds the transaction)."""
    for table in ROLLUP_TABLES:  # in this order: clearing hosts fires triggers that count
        conn.execute(f"DELETE FROM {table}")
    conn.execute(_REPLAY_MEETINGS)
    conn.execute(_REPLAY_EVENTS)


def _statements(script: str) -> list[str]:
    """Split a script of CREATE statements (triggers contain ';' before their END)."""
    out, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        buf.append(line)
        text = "\n".join(buf)
        if text.rstrip().endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            buf = []
    assert not buf, "unterminated statement in rollup SQL"
    return out


# queries -----------------------------------------------------------------------------

# Metrics whose keys are few (rules, front ends, kinds, commands): summed in one pass.
# ``parse_phrase`` has as many keys as people find ways to mistype a time, so it is
# ranked in SQL and only its top rows come back.
_SUMMED = ("meetings", "meetings_compliant", "meetings_platform", "meetings_failed_rule",
           "host_last", "events", "audit_compliant", "audit_failed_rule", "fix_rule",
           "refusal_command", "ended_for_all", "left_running", "leak_channel")


def query(conn: Any, *, since: date | None, until: date) -> StatsFigures:
    """The figures for UTC days ``since``..``until`` (inclusive) from the rollups.

    Each metric's days are one contiguous range of the primary key (metric, day, key),
    so the work is the window's days times each metric's keys, whatever the row count.
    ``conn`` is a SQLite connection, or anything with its ``execute(sql, params)`` and
    ``?`` placeholders: PostgreSQL's rollups have the same tables and text days
    (``storage/postgres/stats.py``), so this SQL serves both.
    """
    lo, hi = since.isoformat() if since else "", until.isoformat()
    sums: dict[str, Counter[str]] = {}
    daily: dict[str, list[int]] = {}
    rows = conn.execute(
        "SELECT metric, key, sum(n), CASE WHEN metric IN ('meetings', 'meetings_compliant') "
        "THEN day END AS per_day FROM daily_counts "
        f"WHERE metric IN ({', '.join('?' * len(_SUMMED))}) AND day >= ? AND day <= ? "
        "GROUP BY metric, key, per_day", [*_SUMMED, lo, hi])
    for metric, key, n, day in rows:
        if not n:
            continue
        sums.setdefault(metric, Counter())[key] += n
        if day is not None:
            daily.setdefault(day, [0, 0])[metric == "meetings_compliant"] += n
    phrases = tuple((key, n) for key, n in conn.execute(
        "SELECT key, sum(n) AS total FROM daily_counts WHERE metric = 'parse_phrase' "
        "AND day >= ? AND day <= ? AND key <> '' GROUP BY key HAVING sum(n) <> 0 "
        "ORDER BY total DESC, key LIMIT ?", [lo, hi, TOP_PHRASES]))
    later = conn.execute("SELECT count(*) FROM daily_counts WHERE metric = 'host_last' "
                         "AND day > ? AND n <> 0", [hi]).fetchone()[0]
    if later:  # a window that ends in the past: count its host-days
        hosts = conn.execute("SELECT count(DISTINCT host) FROM host_days WHERE day >= ? "
                             "AND day <= ?", [lo, hi]).fetchone()[0]
    else:
        hosts = sum(sums.get("host_last", Counter()).values())
    return _figures(since, until, _first_day(conn), sums, daily, hosts, phrases)


def _first_day(conn: Any) -> date | None:
    days = [row[0] for metric in ("meetings", "events") for row in conn.execute(
        "SELECT day FROM daily_counts WHERE metric = ? AND day > '' AND n <> 0 "
        "ORDER BY day LIMIT 1", [metric])]
    return date.fromisoformat(min(days)) if days else None


def _figures(since: date | None, until: date, first_day: date | None,
             sums: dict[str, Counter[str]], daily: dict[str, list[int]], hosts: int,
             phrases: tuple[tuple[str, int], ...]) -> StatsFigures:
    def total(metric: str) -> int:
        return sum(sums.get(metric, Counter()).values())

    def keyed(metric: str) -> dict[str, int]:
        return {k: n for k, n in sorted(sums.get(metric, Counter()).items()) if n}

    events = keyed("events")
    return StatsFigures(
        since=since, until=until, first_day=first_day,
        meetings_created=total("meetings"), distinct_hosts=hosts,
        by_platform=keyed("meetings_platform"),
        compliant_at_creation=total("meetings_compliant"),
        failing_rules=dict(top(keyed("meetings_failed_rule"))),
        audits_run=events.get("audit", 0), audits_compliant=total("audit_compliant"),
        audit_failures_by_rule=dict(top(keyed("audit_failed_rule"))),
        fixes_by_rule=dict(top(keyed("fix_rule"))),
        ended_for_all=total("ended_for_all"), left_running=total("left_running"),
        refusals=events.get("refusal", 0), refusals_by_command=dict(top(keyed("refusal_command"))),
        leaks_by_channel=dict(top(keyed("leak_channel"))),
        parse_failures=events.get("parse_failure", 0),
        top_phrases=phrases,
        daily=tuple(DayCount(date.fromisoformat(d), m, c)
                    for d, (m, c) in sorted(daily.items()) if d and (m or c)),
        events_by_kind=events,
    )


# the reference ------------------------------------------------------------------------

def recount(conn: Any, *, since: date | None, until: date) -> StatsFigures:
    """The same figures by a plain Python loop over every row: slow, obviously right.

    Used by the tests (rollups must equal this) and the benchmark (the baseline).
    ``conn`` as for :func:`query`; rows may come as SQLite stores them (ISO text, JSON
    text, 0/1) or as PostgreSQL gives them (``datetime``, parsed JSON, ``bool``).
    """
    lo, hi = since.isoformat() if since else "", until.isoformat()
    sums: dict[str, Counter[str]] = {}
    daily: dict[str, list[int]] = {}
    active: set[str] = set()
    all_days: set[str] = set()

    def add(day: str, metric: str, key: str = "", n: int = 1) -> None:
        sums.setdefault(metric, Counter())[key] += n

    for created, host, platform, compliant, failed in conn.execute(
            "SELECT created_at, host_email, platform, compliant, failed_rules FROM meetings"):
        day = _utc_day(created)
        all_days.add(day)
        if not lo <= day <= hi:
            continue
        add(day, "meetings")
        daily.setdefault(day, [0, 0])[0] += 1
        if compliant:
            add(day, "meetings_compliant")
            daily[day][1] += 1
        add(day, "meetings_platform", platform or "")
        for rule in set(_json_list(failed)):
            add(day, "meetings_failed_rule", rule)
        if host:
            active.add(_ascii_lower(host))

    endings: dict[tuple[int, str], bool] = {}
    phrases_seen: dict[str, set[str]] = {}
    for at, kind, outcome, meeting_id, data in conn.execute(
            "SELECT at, kind, outcome, meeting_id, data FROM events ORDER BY id"):
        day, kind, outcome = _utc_day(at), kind or "", outcome or ""
        all_days.add(day)
        if not lo <= day <= hi:
            continue
        obj = _json_object(data)
        add(day, "events", kind)
        if kind == "audit":
            if outcome == "compliant":
                add(day, "audit_compliant")
            failed = obj.get("failed")
            for rule in set(failed if isinstance(failed, list) else []):
                if isinstance(rule, str):
                    add(day, "audit_failed_rule", rule)
        elif kind == "fix" and outcome in FIX_APPLIED:
            add(day, "fix_rule", _text(obj, "rule"))
        elif kind == "parse_failure":
            phrase = _ascii_lower(_text(obj, "phrase").strip(" "))[:PHRASE_MAX]
            ranked = phrases_seen.setdefault(day, set())
            if phrase and (phrase in ranked or len(ranked) < PHRASES_PER_DAY):
                ranked.add(phrase)
            else:
                phrase = ""
            add(day, "parse_phrase", phrase)
        elif kind == "refusal":
            add(day, "refusal_command", _text(obj, "command"))
        elif kind == "leak":
            add(day, "leak_channel", _text(obj, "channel_type"))
        if meeting_id is not None and ((kind == "end" and outcome == "ended")
                                       or kind == "meeting_ended"):
            for_all = kind == "end" or obj.get("ended_for_all") is True
            endings[(meeting_id, day)] = endings.get((meeting_id, day), False) or for_all
    for (_, day), for_all in endings.items():
        add(day, "ended_for_all" if for_all else "left_running")

    days = sorted(d for d in all_days if d)
    first = date.fromisoformat(days[0]) if days else None
    phrases = top({k: n for k, n in sums.get("parse_phrase", Counter()).items() if k},
                  TOP_PHRASES)
    return _figures(since, until, first, sums, daily, len(active), phrases)


def _utc_day(moment: Any) -> str:
    """'YYYY-MM-DD' of a stored time: SQLite's UTC ISO text, or a ``datetime``."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).date().isoformat()
    return (moment or "")[:10]


def _json(value: Any) -> Any:
    """Stored JSON: text (SQLite) or already parsed (PostgreSQL); None if invalid."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _json_list(stored: Any) -> list[str]:
    value = _json(stored)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _json_object(stored: Any) -> dict[str, Any]:
    value = _json(stored)
    return value if isinstance(value, dict) else {}


def _text(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    return value if isinstance(value, str) else ""


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """SQLite's ``lower()`` without ICU: ASCII letters only, as the triggers do."""
    return text.translate(_ASCII_LOWER)
