"""The SQLite schema, as sqlite-utils migrations: each change is a new function, never
an edit. PostgreSQL has the same migrations, by the same names, in
``storage/postgres/migrations.py`` (a test keeps the two lists equal).

``SCHEMA_VERSION`` is the number of migrations; ``securemeet doctor`` shows it.
``SqliteStore`` applies them under SQLite's write lock, so processes that open one new
file at once do not race (``storage/sqlite_store.py``).
Nothing here stores a passcode, a start URL or a token: passcode reuse is detected
through keyed fingerprints (``commands.passcode.fingerprint``).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("securemeet")


@migrations()
def m001_core(db: Database) -> None:
    db["meetings"].create({
        "meeting_id": int, "host_email": str, "requester": str, "platform": str, "topic": str,
        "start_time": str, "duration_min": int, "timezone": str, "recurrence": str,
        "policy_level": str, "policy_version": str, "compliant": int, "failed_rules": str,
        "created_at": str, "sandbox": int, "join_url_public": str,
    }, pk="meeting_id")
    db["meetings"].create_index(["host_email", "start_time"])
    db["meetings"].create_index(["created_at"])
    db["events"].create({
        "id": int, "kind": str, "at": str, "actor": str, "platform": str, "meeting_id": int,
        "outcome": str, "data": str,
    }, pk="id")
    db["events"].create_index(["at"])
    db["events"].create_index(["kind", "at"])
    db["events"].create_index(["meeting_id"])
    db["audits"].create({
        "id": int, "meeting_id": int, "actor": str, "at": str, "policy_level": str,
        "compliant": int, "results": str,
    }, pk="id")
    db["audits"].create_index(["meeting_id", "at"])
    db["people"].create({
        "user": str, "email": str, "tz": str, "is_admin": int, "name": str, "fetched_at": str,
    }, pk="user")
    db["claims"].create({"key": str, "at": str}, pk="key")
    db["passcode_fingerprints"].create({"host_email": str, "fingerprint": str, "at": str},
                                       pk=("host_email", "fingerprint"))


@migrations()
def m002_stats_rollups(db: Database) -> None:
    """Daily rollups kept by triggers, for ``stats`` (see ``storage/stats.py``), counted
    from the rows already there."""
    from storage import stats

    stats.install_v1(db.conn)


@migrations()
def m003_teams_conversations(db: Database) -> None:
    """Where the Teams bot can reach a user later (``storage/teams.py``)."""
    from storage import teams

    teams.create(db)


@migrations()
def m004_live_meetings(db: Database) -> None:
    """Live meetings from Zoom webhooks: state and timeline (``storage/live.py``)."""
    from storage import live

    live.create(db)


@migrations()
def m005_pending_creates(db: Database) -> None:
    """Creates asked of Zoom and not yet recorded (``commands/recovery.py``)."""
    db["pending_creates"].create({
        "key": str, "host_email": str, "topic": str, "fingerprint": str, "requester": str,
        "platform": str, "at": str,
    }, pk="key")
    db["pending_creates"].create_index(["at"])


@migrations()
def m006_open_requests(db: Database) -> None:
    """Chat requests claimed and not yet answered (``commands/recovery.py``)."""
    db["open_requests"].create({
        "key": str, "requester": str, "platform": str, "command": str, "at": str,
    }, pk="key")
    db["open_requests"].create_index(["at"])


@migrations()
def m007_shared_work(db: Database) -> None:
    """What several replicas share: durable timers, leases on the sweep's work, named
    leases, small shared values and rate budgets (``storage/sqlite_work.py``)."""
    from storage import sqlite_work

    sqlite_work.create(db)


@migrations()
def m008_sharing(db: Database) -> None:
    """Sharing privately: invitations sent, the hosts of Zoom's join links, and leaks
    caught counted by channel type (``storage/stats.py``, ``ROLLUPS_V2``)."""
    from storage import stats

    db["invitations"].create({
        "meeting_id": int, "user": str, "email": str, "name": str, "tz": str, "at": str,
    }, pk=("meeting_id", "user"))
    db["join_hosts"].create({"host": str, "at": str}, pk="host")
    stats.install_v2(db.conn)


SCHEMA_VERSION = len(migrations._migrations)
MIGRATION_NAMES = tuple(m.name for m in migrations._migrations)
