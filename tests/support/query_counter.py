"""Count the SQL statements an app runs: performance guards count queries, never seconds."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def count_queries(app) -> Iterator[list[str]]:
    database = app.extensions["relais"].database
    seen: list[str] = []
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    together = getattr(database, "execute_together", None)  # PostgreSQL: several statements, one round trip
    if together is not None:
        def counting_together(statements):
            seen.append("; ".join(sql for sql, _ in statements))
            return together(statements)

        database.execute_together = counting_together
    try:
        yield seen
    finally:
        del database.execute_sql
        if together is not None:
            del database.execute_together
