"""A psycopg2 cursor that records every text it sends, for tests of what reaches PostgreSQL and in how many trips."""
from __future__ import annotations

import psycopg2.extensions

SENT: list[str] = []


class RecordingCursor(psycopg2.extensions.cursor):
    def execute(self, sql, params=None):  # noqa: ANN001
        SENT.append(sql if isinstance(sql, str) else sql.decode())
        return super().execute(sql, params)
