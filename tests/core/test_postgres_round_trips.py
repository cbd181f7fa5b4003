"""PostgreSQL round trips: a transaction's BEGIN travels with its first statement (kernel.db.DeferredBegin), one
round trip less per transaction, and nothing else changes: atomicity, rollback, savepoints, the driver's own cursor,
reads. And the pool pings a connection only when it sat idle (kernel.db.PingWhenIdle): one trip less per request.

Each test counts what reaches the driver (the statements psycopg2's cursors execute, commits included), and checks
the outcome on a second connection, as another request would see it.
"""
from __future__ import annotations

import psycopg2
import pytest

import kernel.db
from kernel.db import database, write_transaction
from kernel.statements import execute
from support.sql_sent import SENT, RecordingCursor

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def app_context(app, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL's transactions only")
    db = app.extensions["relais"].database
    with app.app_context():
        db.close()
        db.close_all()
        db.connect_params["cursor_factory"] = RecordingCursor
        db.prepare_statements = False  # the texts as written: kernel/db_prepared.py has its own tests
        database.obj.execute_sql('CREATE TABLE "deferred_probe" ("id" SERIAL PRIMARY KEY, "n" INTEGER UNIQUE)')
        SENT.clear()
        yield db
        db.close()
        db.close_all()
        del db.connect_params["cursor_factory"]
        db.prepare_statements = True


def _seen_elsewhere(db) -> list[int]:
    """The rows another connection sees (committed ones only)."""
    conn = psycopg2.connect(dsn=None, **{k: v for k, v in db.connect_params.items() if k != "cursor_factory"},
                            database=db.database)
    try:
        with conn.cursor() as cursor:
            cursor.execute('SELECT "n" FROM "deferred_probe" ORDER BY "n"')
            return [n for (n,) in cursor.fetchall()]
    finally:
        conn.close()


def test_begin_goes_with_the_first_statement_and_the_transaction_commits(app_context):
    with write_transaction():
        execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (1,))
        assert _seen_elsewhere(app_context) == []  # in a transaction: not visible before the commit
        execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (2,))
    assert _seen_elsewhere(app_context) == [1, 2]
    assert "BEGIN" not in SENT, SENT  # never on its own
    assert SENT[0].startswith("BEGIN; INSERT"), SENT
    assert SENT[-1] == "COMMIT", SENT
    assert len(SENT) == 3, SENT


def test_a_failing_statement_rolls_the_whole_transaction_back(app_context):
    with pytest.raises(Exception):
        with write_transaction():
            execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (1,))
            execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (1,))  # unique: fails
    assert _seen_elsewhere(app_context) == []
    with pytest.raises(Exception):
        with write_transaction():  # the very first statement fails: its BEGIN ran, the ROLLBACK ends it
            execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', ("pas un nombre",))
    with write_transaction():
        execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (3,))
    assert _seen_elsewhere(app_context) == [3]


def test_an_empty_transaction_sends_nothing_and_leaves_no_begin_behind(app_context):
    with write_transaction():
        pass
    with pytest.raises(RuntimeError):
        with write_transaction():
            raise RuntimeError("nothing ran")
    assert SENT == []
    # Outside a transaction a statement is on its own (autocommit), with no BEGIN left over.
    execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (4,))
    assert SENT == ['INSERT INTO "deferred_probe" ("n") VALUES (%s)']
    assert _seen_elsewhere(app_context) == [4]


def test_a_rolled_back_savepoint_keeps_the_rest(app_context):
    with write_transaction():
        with database.obj.atomic():  # a savepoint first: it carries the BEGIN
            execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (5,))
        try:
            with database.obj.atomic():
                execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (6,))
                raise RuntimeError("annulé")
        except RuntimeError:
            pass
    assert _seen_elsewhere(app_context) == [5]
    assert SENT[0].startswith("BEGIN; SAVEPOINT"), SENT


def test_the_drivers_own_cursor_is_in_the_transaction(app_context):
    """What takes the cursor itself (a COPY, kernel/directory/bulk.py) gets the BEGIN first."""
    with pytest.raises(RuntimeError):
        with write_transaction():
            database.obj.cursor().execute('INSERT INTO "deferred_probe" ("n") VALUES (7)')
            raise RuntimeError("annulé")
    assert _seen_elsewhere(app_context) == []
    assert SENT[0] == "BEGIN", SENT


def test_a_read_in_a_transaction_returns_its_own_rows(app_context):
    with write_transaction():
        new_id = database.obj.execute_sql('INSERT INTO "deferred_probe" ("n") VALUES (%s) RETURNING "id"',
                                          (8,)).fetchone()[0]
        assert isinstance(new_id, int)
    with write_transaction():
        cursor = database.obj.execute_sql('SELECT "n" FROM "deferred_probe" WHERE "id" = %s', (new_id,))
        assert cursor.fetchall() == [(8,)]
        assert [d[0] for d in cursor.description] == ["n"]


def test_a_connection_back_from_a_request_moments_ago_is_not_pinged(app_context):
    app_context.close()  # back to the pool
    execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (9,))  # checked out again at once: no ping
    app_context.close()
    assert SENT == ['INSERT INTO "deferred_probe" ("n") VALUES (%s)']


def test_a_connection_idle_longer_is_pinged_and_a_dead_one_replaced(app_context, monkeypatch):
    app_context.close()
    monkeypatch.setattr(kernel.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (10,))
    assert SENT == ["SELECT 1", 'INSERT INTO "deferred_probe" ("n") VALUES (%s)']
    monkeypatch.setattr(kernel.db, "PING_AFTER_IDLE_SECONDS", 60.0)
    dead = app_context.connection()
    app_context.close()
    dead.close()  # closed under the pool (the server went away): not handed out again, however recent
    execute('INSERT INTO "deferred_probe" ("n") VALUES (?)', (11,))
    assert app_context.connection() is not dead
    assert _seen_elsewhere(app_context) == [10, 11]
