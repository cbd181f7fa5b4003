"""Versioned schema migrations (peewee's migration runner), one history table per namespace.

The kernel's migrations live in kernel/migrations; a plugin returns its own folder from the
``register_migrations`` hook. Each migration is a numbered file with ``up(migrator, db)``; its
tables are frozen copies, never the live models, so an old database always upgrades the same way.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import peewee as pw
from playhouse.migrations import Runner

log = logging.getLogger(__name__)
KERNEL_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant: serialises instances of the platform migrating one PostgreSQL database at once.
_PG_LOCK_KEY = 7235_0001


@dataclass(frozen=True)
class MigrationSet:
    namespace: str
    directory: str | Path


def runner(database: pw.Database, migration_set: MigrationSet) -> Runner:
    return Runner(database, str(migration_set.directory),
                  table_name=f"relais_migrations_{migration_set.namespace}")


def pending(database: pw.Database, sets: list[MigrationSet]) -> dict[str, list[str]]:
    return {s.namespace: [m.name for m in runner(database, s).status() if m.path and not m.applied]
            for s in sets}


def upgrade(database: pw.Database, sets: list[MigrationSet]) -> dict[str, list[str]]:
    """Apply every pending migration, kernel first; returns what was applied per namespace."""
    applied: dict[str, list[str]] = {}
    postgres = isinstance(database, pw.PostgresqlDatabase)
    with database.connection_context():
        if postgres:
            database.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
        try:
            for migration_set in sets:
                done = runner(database, migration_set).up()
                if done:
                    log.info("migrations applied for %s: %s", migration_set.namespace, ", ".join(done))
                applied[migration_set.namespace] = done
        finally:
            if postgres:
                database.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))
    return applied
