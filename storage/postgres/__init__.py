"""The PostgreSQL backend (``SECUREMEET_DB=postgresql://…``), for several replicas.

One job per module:

    pool.py         connections: psycopg 3 and psycopg_pool, and the adaptations
    migrations.py   the numbered schema, applied under an advisory lock
    stats.py        the stats rollups as PL/pgSQL triggers (frozen SQL)
    times.py        times in and out of ``timestamptz``, as SQLite keeps them
    live.py         live meetings: compare-and-set with the webhook's claim
    work.py         timers, leased sweeps, named leases, shared values, rate budgets
    store.py        :class:`PostgresStore`, the ``commands.ports.Store`` they make up
"""

from storage.postgres.store import PostgresStore, migrate_dsn

__all__ = ["PostgresStore", "migrate_dsn"]
