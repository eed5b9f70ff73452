"""The PostgreSQL schema: numbered migrations, applied under an advisory lock.

The list mirrors SQLite's (``storage/schema.py``) name for name, so ``SCHEMA_VERSION``
means the same on both backends; a test keeps the two lists equal. Each migration runs
in its own transaction with the row that records it in ``schema_migrations``, so a
failure leaves the schema at the previous version, never half-way. Never edit one
that has shipped: add the next.

Replicas that start at the same instant all call :func:`apply`. The first takes
``pg_advisory_lock`` (a session-level lock on an application-chosen number, held until
unlocked or until the session ends, so a crashed migrator cannot leave it held); the
others wait on it, then find nothing left to do. A database already current costs one
read and takes no lock.

Types: times are ``timestamptz`` (converted to UTC on the way out), JSON is ``jsonb``
(``json`` for a live meeting's state, stored as written), flags are ``boolean``. Apart
from that the tables and columns are SQLite's: ``docs/STORAGE.md`` lists them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg

from storage.postgres import stats

log = logging.getLogger("securemeet.storage")

# pg_advisory_lock takes any bigint; this one is "SecMeet" in ASCII, unlikely to be
# another application's in a shared database.
MIGRATION_LOCK = 0x5365634D656574

M001_CORE = """
CREATE TABLE meetings (
    meeting_id bigint PRIMARY KEY, host_email text, requester text, platform text,
    topic text, start_time timestamptz, duration_min integer, timezone text,
    recurrence text, policy_level text, policy_version text, compliant boolean,
    failed_rules jsonb, created_at timestamptz, sandbox boolean, join_url_public text
);
CREATE INDEX idx_meetings_host_start ON meetings (lower(host_email COLLATE "C"), start_time);
CREATE INDEX idx_meetings_created_at ON meetings (created_at);
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text, at timestamptz,
    actor text, platform text, meeting_id bigint, outcome text, data jsonb
);
CREATE INDEX idx_events_at ON events (at);
CREATE INDEX idx_events_kind_at ON events (kind, at);
CREATE INDEX idx_events_meeting_id ON events (meeting_id);
CREATE TABLE audits (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, meeting_id bigint, actor text,
    at timestamptz, policy_level text, compliant boolean, results jsonb
);
CREATE INDEX idx_audits_meeting_id_at ON audits (meeting_id, at);
CREATE TABLE people (
    "user" text PRIMARY KEY, email text, tz text, is_admin boolean, name text,
    fetched_at timestamptz
);
CREATE TABLE claims (key text PRIMARY KEY, at timestamptz);
CREATE TABLE passcode_fingerprints (
    host_email text NOT NULL, fingerprint text NOT NULL, at timestamptz,
    PRIMARY KEY (host_email, fingerprint)
);
"""

M003_TEAMS = """
CREATE TABLE teams_conversations (
    conversation_id text NOT NULL, "user" text NOT NULL, kind text, service_url text,
    tenant_id text, member_id text, bot_id text, updated_at timestamptz,
    PRIMARY KEY (conversation_id, "user")
);
CREATE INDEX idx_teams_conversations_user ON teams_conversations ("user", kind, updated_at);
CREATE INDEX idx_people_email ON people (lower(email COLLATE "C"));
"""

M004_LIVE = """
CREATE TABLE live_meetings (
    meeting_uuid text PRIMARY KEY, meeting_id bigint, version integer NOT NULL,
    state json NOT NULL, started_at timestamptz, ended_at timestamptz, peak integer,
    ended_for_all boolean, updated_at timestamptz
);
CREATE INDEX idx_live_meetings_meeting_id ON live_meetings (meeting_id);
CREATE INDEX idx_live_meetings_ended_updated ON live_meetings (ended_at, updated_at);
CREATE TABLE timeline (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, meeting_id bigint,
    meeting_uuid text, at timestamptz, kind text, data jsonb
);
CREATE INDEX idx_timeline_meeting_id_id ON timeline (meeting_id, id);
"""

M005_PENDING = """
CREATE TABLE pending_creates (
    key text PRIMARY KEY, host_email text, topic text, fingerprint text, requester text,
    platform text, at timestamptz NOT NULL
);
CREATE INDEX idx_pending_creates_at ON pending_creates (at);
"""

M006_OPEN = """
CREATE TABLE open_requests (
    key text PRIMARY KEY, requester text, platform text, command text,
    at timestamptz NOT NULL
);
CREATE INDEX idx_open_requests_at ON open_requests (at);
"""

M007_SHARED_WORK = """
CREATE TABLE timers (
    key text PRIMARY KEY, due_at timestamptz NOT NULL, data jsonb NOT NULL,
    owner text, lease_until timestamptz
);
CREATE INDEX idx_timers_due_at ON timers (due_at);
CREATE TABLE leases (name text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL);
CREATE TABLE shared_values (
    name text PRIMARY KEY, value bytea NOT NULL, expires_at timestamptz NOT NULL,
    updated_at timestamptz
);
CREATE TABLE rate_buckets (
    bucket text PRIMARY KEY, tokens double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
ALTER TABLE pending_creates ADD COLUMN owner text, ADD COLUMN lease_until timestamptz;
ALTER TABLE open_requests ADD COLUMN owner text, ADD COLUMN lease_until timestamptz;
"""


M008_SHARING = """
CREATE TABLE invitations (
    meeting_id bigint NOT NULL, "user" text NOT NULL, email text, name text, tz text,
    at timestamptz, seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (meeting_id, "user")
);
CREATE TABLE join_hosts (host text PRIMARY KEY, at timestamptz);
"""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    def apply(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(self.sql)  # no parameters: the whole script in one round trip


MIGRATIONS: tuple[Migration, ...] = (
    Migration("m001_core", M001_CORE),
    Migration("m002_stats_rollups", stats.ROLLUPS_V1 + "SELECT rollup_rebuild();"),
    Migration("m003_teams_conversations", M003_TEAMS),
    Migration("m004_live_meetings", M004_LIVE),
    Migration("m005_pending_creates", M005_PENDING),
    Migration("m006_open_requests", M006_OPEN),
    Migration("m007_shared_work", M007_SHARED_WORK),
    Migration("m008_sharing", M008_SHARING + stats.ROLLUPS_V2),
)
NAMES = tuple(m.name for m in MIGRATIONS)

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def applied(conn: psycopg.Connection[Any]) -> list[str]:
    """The migrations applied to this database, in order (none on a new one)."""
    if _one(conn, "SELECT to_regclass('schema_migrations') IS NULL"):
        return []
    rows = conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")
    return [row[0] for row in rows]


def apply(conn: psycopg.Connection[Any], *, stop_before: str | None = None) -> int:
    """Apply what is pending, on an autocommit connection, holding the advisory lock;
    the schema version reached. ``stop_before`` a name leaves it and later ones pending
    (tests of a migration over older data)."""
    wanted = NAMES[:NAMES.index(stop_before)] if stop_before else NAMES
    already = applied(conn)
    if set(wanted) <= set(already):
        return len(already)
    if not _one(conn, "SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK]):
        log.info("Another process is migrating the database; waiting for it to finish.")
        conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        conn.execute(_LEDGER)
        done = set(applied(conn))
        for migration in MIGRATIONS:
            if migration.name not in wanted or migration.name in done:
                continue
            with conn.transaction():
                migration.apply(conn)
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)",
                             [migration.name])
            log.info("Applied migration %s", migration.name)
        return len(applied(conn))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


def _one(conn: psycopg.Connection[Any], sql: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None
