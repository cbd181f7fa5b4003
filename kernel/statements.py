"""Hand-written statements for the hottest paths (every send, every API call), in the current app database's
parameter style, and models built straight from their rows: peewee's query builder costs more than these tiny
statements take to run."""
from __future__ import annotations

from typing import Any

import peewee

from .db import database
from .db_prepared import register

def column(sql: str, params: tuple | list) -> list:
    """First column of a hand-written query on the hottest paths (written with ``?`` placeholders).

    Building a query with peewee costs more than running it on these tiny lookups, which every send
    and every read makes; the SQL here is plain enough to be the same on SQLite and PostgreSQL.
    """
    return [row[0] for row in database.obj.execute_sql(statement(sql), params).fetchall()]


# --- the statements every send runs, without peewee's query builder ------------------------
# Building a peewee query (walking its expression tree, copying it at each chained call) costs
# several times more than SQLite takes to run these one-row statements. The few that every message
# send and every API call make are written once here, from the models' own metadata, and cached. On
# PostgreSQL they are also prepared once per connection (kernel/db_prepared.py): planning them again on
# every run cost PostgreSQL more than running them.
_statements: dict[tuple, str] = {}
_MAX_CACHED = 4000  # statements with a variable number of placeholders (IN lists) are one per length


def _statement(key: tuple, build: Any) -> str:
    real = database.obj
    full_key = (real.param, *key)
    sql = _statements.get(full_key)
    if sql is None:
        sql = build()
        if real.param != "?":
            sql = sql.replace("?", real.param)
            register(sql)
        if len(_statements) < _MAX_CACHED:
            _statements[full_key] = sql
    return sql


def fetch_by_id(model: type[peewee.Model], row_id: Any) -> Any:
    """``model.get_or_none(model.id == row_id)`` for the hottest lookups."""
    table = model._meta.table_name

    def build() -> str:  # once per table and database
        columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
        return f'SELECT {columns} FROM "{table}" WHERE "id" = ? LIMIT 1'

    return fetch_one(model, _statement(("by_id", table), build), (row_id,))


def fetch_one(model: type[peewee.Model], sql: str, params: tuple | list) -> Any:
    """The first row of a hand-written SELECT (in the database's parameter style) as a ``model`` instance, or
    None: what ``list(model.raw(sql, *params))[0]`` gives (columns of the model's fields converted by them and
    set as fields, not dirty; any other column set as a plain attribute), built directly. peewee's raw-query
    wrapper resolves the cursor's columns against the model on every query and builds the instance through
    ``setattr`` per field: on the token lookup and the two by-id lookups of every send that cost four times
    what building it from a cached plan does."""
    cursor = database.obj.execute_sql(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    plan = _row_plans.get((model, sql))
    if plan is None:
        plan = _row_plans[(model, sql)] = _row_plan(model, cursor.description)
    data: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for value, (name, convert, is_field) in zip(row, plan):
        if is_field:
            data[name] = value if convert is None else convert(value)
        else:
            extra[name] = value
    instance = model.__new__(model)
    instance.__dict__.update(extra)
    instance.__data__, instance._dirty, instance.__rel__ = data, set(), {}
    return instance


# (model, sql) -> per column: (name, converter or None, whether it is a field of the model)
_row_plans: dict[tuple, list[tuple[str, Any, bool]]] = {}


def _row_plan(model: type[peewee.Model], description: Any) -> list[tuple[str, Any, bool]]:
    """How each column of a cursor becomes part of a ``model`` instance, as peewee's raw queries decide it
    (``_resolve_model_columns`` with nothing selected): a column named as a field, or as a field's column,
    is that field, converted by its ``python_value``; any other is a plain attribute under its own name."""
    combined = model._meta.combined
    plan = []
    for item in description:
        column = item[0]
        dot = column.rfind(".")
        if dot != -1:
            column = column[dot + 1:]
        column = column.strip('()"`')
        field = combined.get(column)
        if isinstance(field, peewee.Field):
            plan.append((field.name, field.python_value, True))
        else:
            plan.append((column, None, False))
    return plan


def _insert(model: type[peewee.Model], values: dict[str, Any], returning: str) -> tuple[str, list]:
    """The INSERT of one row given by field name (cached text) and its values, each converted by its field."""
    fields = [model._meta.fields[name] for name in values]
    table = model._meta.table_name

    def build() -> str:
        columns = ", ".join(f'"{f.column_name}"' for f in fields)
        return f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(fields))}){returning}'

    key = ("insert" if returning else "insert_later", table, *values)
    return _statement(key, build), [f.db_value(v) for f, v in zip(fields, values.values())]


def insert_row(model: type[peewee.Model], values: dict[str, Any]) -> int:
    """Insert one row given by field name (each value converted by its field); returns its id."""
    sql, params = _insert(model, values, ' RETURNING "id"')
    return database.obj.execute_sql(sql, params).fetchone()[0]


def statement(sql: str) -> str:
    """A hand-written statement (``?`` placeholders) in the current database's parameter style."""
    return _statement(("raw", sql), lambda: sql)


def execute(sql: str, params: tuple | list) -> int:
    """Run a hand-written write statement (``?`` placeholders); returns the rows it changed."""
    return database.obj.execute_sql(statement(sql), params).rowcount


def defer(sql: str, params: tuple | list) -> None:
    """Run a hand-written write whose result nobody reads (``?`` placeholders). On PostgreSQL, in a transaction, it
    travels with the transaction's next round trip (its next statement or its COMMIT: kernel/db_prepared.py); on
    SQLite, where a statement costs no round trip, it runs now."""
    _defer(statement(sql), params)


def _defer(sql: str, params: tuple | list) -> None:  # sql in the database's parameter style
    real = database.obj
    later = getattr(real, "defer", None)
    if later is None:
        real.execute_sql(sql, params)
    else:
        later(sql, params)


def insert_later(model: type[peewee.Model], values: dict[str, Any]) -> None:
    """``insert_row`` for a row whose id nobody reads: run with ``defer``."""
    _defer(*_insert(model, values, ""))
