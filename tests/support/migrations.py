"""Old databases for migration tests: an empty database on the test's backend, filled as a past version left
it, then upgraded by starting the current version on it."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from kernel import create_app
from kernel.config import load_config
from kernel.db import open_database
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, runner


def empty_database(backend: str, tmp_path: Path, request: Any) -> str:
    """A database URL with nothing in it yet (SQLite file, or a new PostgreSQL schema dropped after the test)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    import psycopg2

    base = request.getfixturevalue("postgres_url")
    schema = f"old_{uuid.uuid4().hex[:10]}"

    def execute(sql: str) -> None:
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(sql)
        conn.close()
    execute(f"CREATE SCHEMA {schema}")
    request.addfinalizer(lambda: execute(f"DROP SCHEMA {schema} CASCADE"))
    return f"{base}?options=-c%20search_path%3D{schema}"


@contextmanager
def old_database(url: str) -> Iterator[Any]:
    """The database at url, opened without the app (its models may not match it yet), closed after."""
    db = open_database(url)
    try:
        with db.connection_context():
            yield db
    finally:
        db.close()


def migrate_kernel_to(db: Any, target: str) -> list[str]:
    """Apply the kernel's migrations up to target (included), as the version that stopped there did."""
    return runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS)).up(target=target)


def insert(db: Any, sql: str, params: tuple) -> int:
    """Run an INSERT written with %s placeholders on either backend; the id of the row it added."""
    db.execute_sql(sql.replace("%s", db.param), params)
    return db.execute_sql("SELECT MAX(id) FROM " + sql.split()[2]).fetchone()[0]


@contextmanager
def upgraded(url: str, tmp_path: Path) -> Iterator[Any]:
    """The current version, with no plugin, started on the database at url (which upgrades it); inside its app
    context, its database closed after."""
    config = load_config({"data_dir": str(tmp_path / "data"), "database_url": url, "plugins": [],
                          "log_level": "WARNING"}, environ={})
    app = create_app(config, plugins=[])
    with app.app_context():
        try:
            yield app
        finally:
            app.extensions["relais"].database.close()
