"""Bulk writes for the import: one prepared statement for many rows, the fastest way on each database.

peewee's ``insert_many`` converts every value through its field, which costs more than the database
itself on a million rows; the directory's tables hold plain strings, numbers and booleans only.
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Any, Sequence

import peewee as pw


class Bulk:
    def __init__(self, db: pw.Database) -> None:
        self.db = db
        self.sqlite = isinstance(db, pw.SqliteDatabase)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               ignore_duplicates: bool = False, template: str | None = None) -> None:
        """``template``: PostgreSQL's row of values, when a value goes through a function."""
        if not rows:
            return
        names = ", ".join(columns)
        cursor = self.db.cursor()
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            verb = "INSERT OR IGNORE" if ignore_duplicates else "INSERT"
            cursor.executemany(f"{verb} INTO {table} ({names}) VALUES ({marks})", rows)
        elif ignore_duplicates or template:
            from psycopg2.extras import execute_values

            tail = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
            execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s{tail}", rows, template=template,
                           page_size=1000)
        else:  # COPY: several times faster than INSERT statements, the values being formatted once
            text = "".join("\t".join(_copy_value(v) for v in row) + "\n" for row in rows)
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(text))

    def update(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement (with the database's parameter marks) once per row."""
        if not rows:
            return
        cursor = self.db.cursor()
        if self.sqlite:
            cursor.executemany(sql, rows)
        else:
            from psycopg2.extras import execute_batch

            execute_batch(cursor, sql, rows, page_size=500)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value).translate(_COPY_ESCAPES)
