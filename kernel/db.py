"""The database handle every model uses: it resolves to the database of the Flask app in context.

Models are classes shared by every app in the process, but each app (each regional "operator" in a
test) has its own database. Binding models to one global database would leak data between apps, so
the models are bound to this proxy, which looks the real database up in the current app context.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import peewee
from flask import current_app, has_app_context
from playhouse.db_url import connect as connect_url
from playhouse.pool import PooledPostgresqlDatabase  # noqa: F401  (registers the pool schemes)


class AppDatabase(peewee.DatabaseProxy):
    """A peewee database proxy whose target is the current app's database."""

    __slots__ = ()

    def __init__(self) -> None:  # noqa: D401 - no state of its own
        pass

    @property
    def obj(self) -> peewee.Database:  # type: ignore[override]
        if not has_app_context():
            raise RuntimeError("Relais models need an app context (with app.app_context(): ...)")
        return current_app.extensions["relais"].database

    @obj.setter
    def obj(self, value: Any) -> None:  # peewee's Proxy.initialize; never used here
        raise AttributeError("AppDatabase resolves its database from the app context")

    @property
    def _callbacks(self) -> list:  # type: ignore[override]
        return []


database = AppDatabase()


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: what every DateTimeField stores (both SQLite and PostgreSQL agree on it)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class JSONField(peewee.TextField):
    """JSON stored as text, the same on SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


def open_database(url: str) -> peewee.Database:
    """Open the database named by ``url`` with the settings Relais relies on."""
    if url.startswith("sqlite"):
        # Pooled: a request returns its connection instead of closing it. Closing the last
        # connection of a WAL database checkpoints and removes the WAL file, about a millisecond
        # on every request; opening one again re-reads the schema.
        if url.startswith("sqlite://"):
            url = "sqlite+pool://" + url.split("://", 1)[1]
        # Every app context returns its connection at teardown (kernel/app.py), so 64 is plenty; a burst
        # beyond it waits for a free connection (timeout) instead of failing the request.
        db = connect_url(url, max_connections=64, stale_timeout=300, timeout=10, pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10000,
            "synchronous": "normal",
        }, check_same_thread=False)
        return db
    if url.startswith(("postgres://", "postgresql://")):
        # A pooled connection per thread: the web server and the job runner are threaded.
        url = "postgresql+pool://" + url.split("://", 1)[1]
        return connect_url(url, max_connections=32, stale_timeout=300, timeout=10)
    return connect_url(url)


def write_transaction():
    """A transaction that will write. On SQLite it takes the write lock up front (BEGIN IMMEDIATE),
    so two concurrent senders wait for each other instead of failing with "database is locked"."""
    real = database.obj
    if isinstance(real, peewee.SqliteDatabase):
        return real.atomic("IMMEDIATE")
    return real.atomic()


def column(sql: str, params: tuple | list) -> list:
    """First column of a hand-written query on the hottest paths (written with ``?`` placeholders).

    Building a query with peewee costs more than running it on these tiny lookups, which every send
    and every read makes; the SQL here is plain enough to be the same on SQLite and PostgreSQL.
    """
    real = database.obj
    if real.param != "?":
        sql = sql.replace("?", real.param)
    return [row[0] for row in real.execute_sql(sql, params).fetchall()]


# --- the statements every send runs, without peewee's query builder ------------------------
# Building a peewee query (walking its expression tree, copying it at each chained call) costs
# several times more than SQLite takes to run these one-row statements. The few that every message
# send and every API call make are written once here, from the models' own metadata, and cached.
_statements: dict[tuple, str] = {}


def _statement(key: tuple, build: Any) -> str:
    real = database.obj
    full_key = (real.param, *key)
    sql = _statements.get(full_key)
    if sql is None:
        sql = build()
        if real.param != "?":
            sql = sql.replace("?", real.param)
        _statements[full_key] = sql
    return sql


def fetch_by_id(model: type[peewee.Model], row_id: Any) -> Any:
    """``model.get_or_none(model.id == row_id)`` for the hottest lookups."""
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
    sql = _statement(("by_id", table), lambda: f'SELECT {columns} FROM "{table}" WHERE "id" = ? LIMIT 1')
    rows = list(model.raw(sql, row_id))
    return rows[0] if rows else None


def insert_row(model: type[peewee.Model], values: dict[str, Any]) -> int:
    """Insert one row given by field name (each value converted by its field); returns its id."""
    fields = [model._meta.fields[name] for name in values]
    table = model._meta.table_name

    def build() -> str:
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        return f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(fields))}) RETURNING "id"'

    sql = _statement(("insert", table, *values), build)
    params = [f.db_value(v) for f, v in zip(fields, values.values())]
    return database.obj.execute_sql(sql, params).fetchone()[0]


def statement(sql: str) -> str:
    """A hand-written statement (``?`` placeholders) in the current database's parameter style."""
    return _statement(("raw", sql), lambda: sql)


def execute(sql: str, params: tuple | list) -> int:
    """Run a hand-written write statement (``?`` placeholders); returns the rows it changed."""
    return database.obj.execute_sql(statement(sql), params).rowcount
