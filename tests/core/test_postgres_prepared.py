"""PostgreSQL: the hand-written statements of kernel/statements.py run prepared (kernel/db_prepared.py): prepared in
the round trip of their first run on a connection, then run as EXECUTE, with the same results; a failed trip, a
rollback, a new connection or a table whose columns changed never leave a statement unrunnable.

Each test looks at what reaches the driver (the texts psycopg2's cursors execute)."""
from __future__ import annotations

import pytest

import kernel.db_prepared
import kernel.statements
from kernel.db import database, write_transaction
from kernel.services.sending import write_together
from kernel.statements import column, defer, execute
from support.sql_sent import SENT, RecordingCursor

INSERT = 'INSERT INTO "prepared_probe" ("n", "label") VALUES (?, ?)'
SELECT = 'SELECT "n" FROM "prepared_probe" WHERE "n" >= ? ORDER BY "n"'


@pytest.fixture
def db(app, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL's prepared statements only")
    db = app.extensions["relais"].database
    with app.app_context():
        db.close()
        db.close_all()
        db.connect_params["cursor_factory"] = RecordingCursor
        database.obj.execute_sql('CREATE TABLE "prepared_probe" ("id" SERIAL PRIMARY KEY, "n" INTEGER UNIQUE, '
                                 '"label" TEXT)')
        SENT.clear()
        yield db
        db.close()
        db.close_all()
        del db.connect_params["cursor_factory"]


def test_a_statement_is_prepared_once_then_executed_with_the_same_results(db):
    execute(INSERT, (1, "un"))
    execute(INSERT, (2, "deux"))
    assert SENT[0].startswith('PREPARE relais_') and ' AS INSERT INTO "prepared_probe"' in SENT[0], SENT
    assert "VALUES ($1, $2); EXECUTE relais_" in SENT[0], SENT
    name = SENT[0].split()[1]
    assert SENT[1] == f"EXECUTE {name}(%s, %s)", SENT
    assert column(SELECT, (0,)) == [1, 2]
    assert column(SELECT, (2,)) == [2]
    assert SENT[-1].startswith("EXECUTE relais_"), SENT
    cursor = database.obj.execute_sql(kernel.statements.statement(SELECT), (0,))
    assert [d[0] for d in cursor.description] == ["n"] and cursor.fetchall() == [(1,), (2,)]
    assert execute('UPDATE "prepared_probe" SET "label" = ? WHERE "n" <= ?', ("x", 5)) == 2  # the row count


def test_a_statement_not_written_by_hand_is_sent_as_it_is(db):
    database.obj.execute_sql('INSERT INTO "prepared_probe" ("n") VALUES (%s)', (3,))
    assert SENT == ['INSERT INTO "prepared_probe" ("n") VALUES (%s)']


def test_a_failed_first_run_or_a_rollback_leaves_the_statement_runnable(db):
    execute(INSERT, (1, "un"))
    with pytest.raises(Exception):
        with write_transaction():
            execute('UPDATE "prepared_probe" SET "n" = ? WHERE "n" = ?', ("pas un nombre", 1))  # prepared, then fails
    with pytest.raises(Exception):
        with write_transaction():
            execute(INSERT, (1, "encore"))  # unique: fails, its transaction rolls back
    with write_transaction():  # the failed trip's name is unknown: prepared again under a new one
        assert execute('UPDATE "prepared_probe" SET "n" = ? WHERE "n" = ?', (10, 1)) == 1
        execute(INSERT, (2, "deux"))
    assert column(SELECT, (0,)) == [2, 10]
    updates = [s for s in SENT if 'UPDATE "prepared_probe"' in s]
    assert len(updates) == 2 and updates[0].split()[2] != updates[1].split()[2], updates  # two names


def test_a_new_connection_prepares_again(db):
    execute(INSERT, (1, "un"))
    db.close()
    db.close_all()  # the pool's connections closed: the server forgot their statements
    execute(INSERT, (2, "deux"))
    assert all(s.startswith("PREPARE ") for s in SENT), SENT
    assert column(SELECT, (0,)) == [1, 2]


def test_several_statements_go_in_one_round_trip(db):
    write_together([(INSERT, (1, "un")), (INSERT, (2, "deux")), ('DELETE FROM "prepared_probe" WHERE "n" = ?', (1,))])
    assert column(SELECT, (0,)) == [2]
    assert len(SENT) == 2, SENT  # the three together (outside a transaction), the SELECT
    assert SENT[0].startswith("PREPARE ") and SENT[0].count("EXECUTE ") == 3 and SENT[0].count("PREPARE ") == 2


def test_in_a_transaction_writes_nobody_reads_go_with_the_next_round_trip(db):
    with write_transaction():
        write_together([(INSERT, (1, "un")), (INSERT, (2, "deux"))])
        assert SENT == []  # nothing sent yet
        assert column(SELECT, (0,)) == [1, 2]  # a read sees them: they went first, in its round trip
        defer(INSERT, (3, "trois"))
        defer('DELETE FROM "prepared_probe" WHERE "n" = ?', (1,))
    assert len(SENT) == 2, SENT  # BEGIN, the writes and the read; the last writes and the COMMIT
    assert SENT[0].startswith("BEGIN; PREPARE ") and SENT[0].count("EXECUTE ") == 3, SENT
    assert SENT[1].endswith("; COMMIT") and SENT[1].count("EXECUTE ") == 2, SENT
    assert column(SELECT, (0,)) == [2, 3]


def test_deferred_writes_of_a_rolled_back_transaction_or_savepoint_never_last(db):
    with pytest.raises(RuntimeError):
        with write_transaction():
            defer(INSERT, (1, "un"))
            raise RuntimeError("annulé")
    assert SENT == []  # neither the write, nor BEGIN, nor ROLLBACK
    with write_transaction():
        defer(INSERT, (2, "deux"))
        try:
            with database.obj.atomic():  # a savepoint: the write before it goes with its SAVEPOINT
                defer(INSERT, (3, "trois"))
                raise RuntimeError("annulé")
        except RuntimeError:
            pass
    assert column(SELECT, (0,)) == [2]


def test_a_deferred_write_that_fails_rolls_its_transaction_back(db):
    with pytest.raises(Exception, match="duplicate key"):
        with write_transaction():
            execute(INSERT, (1, "un"))
            defer(INSERT, (1, "encore"))  # unique: fails with the COMMIT's round trip
    assert column(SELECT, (0,)) == []
    with pytest.raises(Exception, match="duplicate key"):
        with write_transaction():
            execute(INSERT, (1, "un"))
            defer(INSERT, (1, "encore"))
            column(SELECT, (0,))  # fails here, in the block
    with write_transaction():  # the connection is clean again
        execute(INSERT, (4, "quatre"))
    assert column(SELECT, (0,)) == [4]


def test_the_drivers_own_cursor_comes_after_the_deferred_writes(db):
    with write_transaction():
        defer(INSERT, (1, "un"))
        cursor = database.obj.cursor()
        cursor.execute('SELECT count(*) FROM "prepared_probe"')
        assert cursor.fetchone() == (1,)


def test_a_column_whose_type_changed_is_read_again(db):
    execute(INSERT, (1, "un"))
    assert column(SELECT, (0,)) == [1]
    database.obj.execute_sql('ALTER TABLE "prepared_probe" ALTER COLUMN "n" TYPE TEXT')
    with pytest.raises(Exception, match="text >= integer"):  # prepared with an INTEGER parameter
        column(SELECT, ("0",))
    assert column(SELECT, ("0",)) == ["1"]  # prepared afresh
    assert SENT[-1].startswith("PREPARE "), SENT


def test_a_connection_prepares_a_bounded_number_of_statements(db, monkeypatch):
    monkeypatch.setattr(kernel.db_prepared, "MAX_PER_CONNECTION", 1)
    execute(INSERT, (1, "un"))
    column(SELECT, (0,))
    column(SELECT, (0,))
    assert SENT[0].startswith("PREPARE ") and SENT[1] == SENT[2] == kernel.statements.statement(SELECT), SENT


def test_turned_off_everything_is_sent_as_written(db):
    db.prepare_statements = False
    try:
        execute(INSERT, (1, "un"))
        execute(INSERT, (2, "deux"))
    finally:
        db.prepare_statements = True
    assert SENT == ['INSERT INTO "prepared_probe" ("n", "label") VALUES (%s, %s)'] * 2


@pytest.mark.parametrize("value", [2**63 - 1, 1.4])
def test_a_value_the_inferred_type_would_change_runs_the_statement_as_written(db, value):
    execute(INSERT, (1, "un"))
    column(SELECT, (0,))  # prepared on this connection, with an INTEGER parameter
    SENT.clear()
    assert column(SELECT, (value,)) == []  # beyond every row: a bigint, or 1.4 (not rounded to 1)
    assert SENT == [kernel.statements.statement(SELECT)], SENT


def test_such_a_value_in_a_trip_of_several_statements_too(db):
    execute(INSERT, (1, "un"))
    column(SELECT, (0,))  # prepared on this connection
    SENT.clear()
    with write_transaction():
        defer(INSERT, (2, "deux"))
        assert column(SELECT, (2**40,)) == []  # with the deferred INSERT, in one trip: as written
    assert SENT[0].endswith("; " + kernel.statements.statement(SELECT)), SENT


def test_a_statement_with_a_long_list_of_values_runs_as_written(db):
    """One text per length of its IN list: not worth a prepared statement on every connection."""
    many = list(range(kernel.db_prepared.MAX_PARAMETERS + 1))
    sql = f'SELECT "n" FROM "prepared_probe" WHERE "n" IN ({", ".join("?" * len(many))})'
    execute(INSERT, (3, "trois"))
    assert column(sql, many) == [3] and column(sql, many) == [3]
    assert SENT[1:] == [kernel.statements.statement(sql)] * 2, SENT
