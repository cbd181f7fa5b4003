"""PostgreSQL: the hand-written statements of the hot paths (kernel/statements.py) run as prepared statements.

psycopg2 sends every statement as text, which PostgreSQL parses, analyses and plans again on each run. On the
send path the planning cost more than the running: pg_stat_statements counted 2.1 ms of plan and execution per
send, 0.65 ms of it execution (the audience query alone 0.73 ms, 0.66 of it planning). A statement built by
kernel/statements.py (``register``) is therefore prepared once per connection, in the round trip of its first
run (``PREPARE name AS ...; EXECUTE name(...)``), and run as ``EXECUTE name(...)`` afterwards: PostgreSQL keeps
its parse tree and, after five runs, a generic plan (re-planned by itself when a table it reads changes, or the
search_path).

A prepared statement belongs to its connection and outlives a rollback, so which ones a connection holds is
known per connection, and recorded only once the round trip that prepared it succeeded: after a failed trip its
statements are prepared again, under new names, next time (each name is used once per process), so a failure
never leaves one that cannot run (a column whose type a migration changed, say). Statements that are not
registered (peewee's query builder, plugins' SQL) run as they always did. A pooler in transaction mode between
the nodes and PostgreSQL (PgBouncer before 1.21) would hand a connection's prepared statements to another client:
the nodes connect to PostgreSQL directly (docs/deployment.md).

Writes whose result nobody reads can also wait for the transaction's next round trip (``defer``): they go in front
of its next statement, or of its COMMIT, in the same text (psycopg2 sends a semicolon-joined text at once).
"""
from __future__ import annotations

import datetime as dt
import itertools
import weakref
from typing import Any

# The registered texts (psycopg2's %s style). Bounded: statements built with a variable number of
# placeholders (IN lists) register one text per length; past the bound they simply run unprepared.
_REGISTERED: set[str] = set()
_MAX_REGISTERED = 4000
# A connection prepares at most this many statements (each keeps its parse tree and plan in the server process,
# per connection, for the connection's life), and only statements of at most MAX_PARAMETERS placeholders: the
# hot ones have a dozen at most, while one with a long IN list is one text per length (a live socket's exchanges).
MAX_PER_CONNECTION = 100
MAX_PARAMETERS = 16
_names = itertools.count(1)


def register(sql: str) -> None:
    """Mark ``sql`` (placeholders ``%s``) as worth preparing: a hand-written statement of a hot path."""
    if len(_REGISTERED) < _MAX_REGISTERED:
        _REGISTERED.add(sql)


def _numbered(sql: str) -> tuple[str, int]:
    """``sql`` with its ``%s`` numbered as ``$1``, ``$2``...; and how many there are (``%%`` stays as it is:
    the whole text still goes through psycopg2's formatting, which makes it ``%``)."""
    parts = sql.split("%s")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], 1):
        out.append(f"${n}")
        out.append(part)
    return "".join(out), len(parts) - 1


# A prepared statement's parameters take the types PostgreSQL inferred when preparing it (an "id" = $1 is an
# INTEGER), where a literal keeps its own (a bigint literal compared with an integer column matches nothing, a
# decimal one compares as a decimal). Only values that mean the same either way are run prepared; any other (a
# number beyond 32 bits, a float, a tuple adapted as a row) runs the statement as written.
_SAME_EITHER_WAY = frozenset({str, bool, dt.datetime, dt.date, type(None)})  # and int within 32 bits


def _preparable(sql: str, params: Any) -> bool:
    if sql not in _REGISTERED:
        return False
    if params is None:
        return True
    if type(params) is not list and type(params) is not tuple:
        return False
    for value in params:  # exact types: run on every statement of every request
        kind = type(value)
        if kind is int:
            if not -2147483648 <= value <= 2147483647:
                return False
        elif kind not in _SAME_EITHER_WAY:
            return False
    return True


class PreparedStatements:
    """Mixed into the PostgreSQL database class: registered statements run prepared (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # connection -> {statement text: its "EXECUTE name(...)"}; forgotten with the connection
        self._prepared: "weakref.WeakKeyDictionary[Any, dict[str, str]]" = weakref.WeakKeyDictionary()
        self.prepare_statements = True  # tests that look at the texts sent turn it off

    def execute_sql(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        pending = self._take_deferred()
        if not pending:
            if sql not in _REGISTERED or not self.prepare_statements:
                return super().execute_sql(sql, params, *args, **kwargs)  # type: ignore[misc]
            known = self._known()
            run = known.get(sql)
            if run is not None and _preparable(sql, params):  # most runs: prepared on this connection already
                try:
                    return super().execute_sql(run, params, *args, **kwargs)  # type: ignore[misc]
                except Exception:
                    known.pop(sql, None)  # as in _run_together
                    raise
        return self._run_together([*pending, (sql, params)])

    # --- writes whose result nobody reads travel with the transaction's next round trip --------------------
    def defer(self, sql: str, params: Any = None) -> None:
        """Run a write whose result nobody reads (placeholders ``%s``) with the transaction's next round trip:
        its next statement, or its COMMIT; at once outside a transaction. Statements keep their order, and a
        failure surfaces at that next statement or at the commit, which then rolls the transaction back."""
        if not self.in_transaction():  # type: ignore[attr-defined]
            self.execute_sql(sql, params)
            return
        conn = self.connection()  # type: ignore[attr-defined]
        state = self._state  # type: ignore[attr-defined]
        pending = getattr(state, "deferred", None)
        if pending is None or pending[0] is not conn:
            pending = state.deferred = (conn, [])
        pending[1].append((sql, params))

    def _take_deferred(self) -> list[tuple[str, Any]]:
        state = self._state  # type: ignore[attr-defined]
        pending = getattr(state, "deferred", None)
        if pending is None:
            return []
        state.deferred = None
        return pending[1] if pending[0] is state.conn and state.conn is not None else []

    def commit(self) -> None:
        pending = self._take_deferred()
        if pending:  # the writes, then COMMIT, in one round trip (with the BEGIN if nothing else ran)
            self._run_together([*pending, ("COMMIT", None)])
            return
        super().commit()  # type: ignore[misc]

    def rollback(self) -> None:
        self._take_deferred()  # never sent: nothing of them to undo
        super().rollback()  # type: ignore[misc]

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        pending = self._take_deferred()
        if pending:  # whoever takes the driver's cursor (a COPY) comes after them
            self._run_together(pending)
        return super().cursor(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> Any:
        self._state.deferred = None  # type: ignore[attr-defined]
        return super().close()  # type: ignore[misc]

    def execute_together(self, statements: list[tuple[str, Any]]) -> Any:
        """Run several statements (placeholders ``%s``) in one round trip, in order, in the current transaction
        (or each on its own outside one); the cursor holds the last one's result."""
        return self._run_together(statements)

    def _run_together(self, statements: list[tuple[str, Any]]) -> Any:
        known = self._known()
        texts: list[str] = []
        values: list[Any] = []
        new: dict[str, str] = {}
        statements = [*self._take_deferred(), *statements]
        prepare = self.prepare_statements
        for sql, params in statements:
            count = len(params) if params else 0
            if count:
                values.extend(params)
            if not prepare or not _preparable(sql, params):
                texts.append(sql)
                continue
            run = known.get(sql) or new.get(sql)  # "EXECUTE name(%s, ...)"
            if run is None:
                body, placeholders = _numbered(sql)
                if placeholders != count or count > MAX_PARAMETERS or len(known) + len(new) >= MAX_PER_CONNECTION:
                    texts.append(sql)
                    continue
                name = f"relais_{next(_names)}"
                run = new[sql] = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
                texts.append(f"PREPARE {name} AS {body}")
            texts.append(run)
        try:
            cursor = super().execute_sql("; ".join(texts), values)  # type: ignore[misc]
        except Exception:
            # Whatever failed (a unique key, or a column whose type changed under a statement prepared with the
            # old one), the statements of this trip are prepared afresh next time: a failure costs one PREPARE,
            # and never leaves a statement that cannot run again on this connection.
            for sql, _ in statements:
                known.pop(sql, None)
            raise
        known.update(new)
        return cursor

    def _known(self) -> dict[str, str]:
        conn = self.connection()  # type: ignore[attr-defined]  # connects (checks a pooled one out) if needed
        known = self._prepared.get(conn)
        if known is None:
            known = self._prepared[conn] = {}
        return known
