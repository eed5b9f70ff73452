"""``SECUREMEET_DB``: a SQLite path, or a PostgreSQL URL; and how to show it safely.

A URL may carry a password (``postgresql://user:secret@host/db``, or ``?password=``).
:func:`describe` is the only form of it that may reach a log, ``securemeet doctor`` or
an error message: backend, user, host, port and database, never the password.
"""

from __future__ import annotations

from pathlib import Path

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(dsn: str) -> bool:
    """True for a ``postgresql://`` (or libpq's ``postgres://``) URL."""
    return dsn.strip().lower().startswith(POSTGRES_SCHEMES)


def describe(dsn: str) -> str:
    """The backend and where it is, without a password: ``sqlite /srv/securemeet.db`` or
    ``postgresql://securemeet@db.internal:5432/securemeet``."""
    if not is_postgres(dsn):
        if dsn in ("", ":memory:"):
            return "sqlite (in memory)"
        return f"sqlite {Path(dsn).expanduser().resolve()}"
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # never echo a URL we could not parse: it may hold a secret
        return "postgresql (SECUREMEET_DB is not a valid URL)"
    user = parts.get("user") or "(default user)"
    host = str(parts.get("host") or "localhost")
    port = parts.get("port") or "5432"
    dbname = parts.get("dbname") or user
    if host.startswith("/"):  # a Unix socket directory
        return f"postgresql://{user}@/{dbname}?host={host}"
    return f"postgresql://{user}@{host}:{port}/{dbname}"
