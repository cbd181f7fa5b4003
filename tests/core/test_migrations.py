"""Schema migrations: an old database upgrades without losing data, and the models match the migrations."""
from __future__ import annotations

import datetime as dt

from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from kernel import create_app
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, pending, runner
from kernel.models import KERNEL_MODELS, Account, Exchange, Message


def test_fresh_database_matches_the_models(app):
    """Every model change comes with its migration: a migrated database has exactly the models' tables."""
    relais = app.extensions["relais"]
    diff = diff_models(relais.database, list(KERNEL_MODELS) + relais.models)
    assert not diff, f"models and migrations disagree, write a migration:\n{diff}"
    assert pending(relais.database, [MigrationSet("kernel", KERNEL_MIGRATIONS)]) == {"kernel": []}


def _empty_database(backend: str, tmp_path, request) -> str:
    """A database URL with nothing in it yet (SQLite file, or a new PostgreSQL schema dropped after)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    import uuid

    import psycopg2

    base = request.getfixturevalue("postgres_url")
    schema = f"old_{uuid.uuid4().hex[:10]}"
    with psycopg2.connect(base) as conn:
        conn.autocommit = True
        conn.cursor().execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()
    request.addfinalizer(drop)
    return f"{base}?options=-c%20search_path%3D{schema}"


def test_database_made_by_the_first_schema_upgrades_with_its_data(backend, tmp_path, request):
    from kernel.config import load_config
    from kernel.db import open_database

    url = _empty_database(backend, tmp_path, request)
    config = load_config({"data_dir": str(tmp_path / "data"), "database_url": url, "plugins": [],
                          "log_level": "WARNING"}, environ={})
    # A database as the very first version of Relais left it.
    db = open_database(url)
    with db.connection_context():
        old = runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS))
        assert old.up(target="0001_initial") == ["0001_initial"]
        now = dt.datetime(2026, 1, 2, 3, 4, 5)
        db.execute_sql("INSERT INTO identity (kind, display_name, mssante_eligible, created_at) VALUES (%s, %s, %s, %s)"
                       .replace("%s", db.param), ("person", "Julie BERNARD", True, now))
        identity_id = db.execute_sql("SELECT id FROM identity").fetchone()[0]
        db.execute_sql(("INSERT INTO account (login, password_hash, first_name, last_name, profession, identity_id, "
                        "is_admin, active, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
                       .replace("%s", db.param),
                       ("jbernard", "x", "Julie", "Bernard", "Médecin", identity_id, False, True, now))
        db.execute_sql(("INSERT INTO exchange (channel, space, subject, status, acting_as_id, created_at, "
                        "last_message_at, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)").replace("%s", db.param),
                       ("test_chat", "chat", "Ancien échange", "open", identity_id, now, now, "{}"))
        exchange_id = db.execute_sql("SELECT id FROM exchange").fetchone()[0]
        db.execute_sql(("INSERT INTO message (exchange_id, kind, body, created_at, data) VALUES (%s, %s, %s, %s, %s)")
                       .replace("%s", db.param), (exchange_id, "text", "Message d'avant", now, "{}"))
        assert "last_login_at" not in {c.name for c in db.get_columns("account")}
    db.close()

    # Starting the current version upgrades it.
    upgraded = create_app(config, plugins=[])
    with upgraded.app_context():
        applied = Runner(upgraded.extensions["relais"].database, str(KERNEL_MIGRATIONS),
                         table_name="relais_migrations_kernel").applied()
        every = {path.stem for path in KERNEL_MIGRATIONS.glob("[0-9]*.py")}
        assert set(applied) == every and {"0001_initial", "0002_account_last_login"} <= every
        account = Account.get(Account.login == "jbernard")
        assert (account.full_name, account.last_login_at) == ("Julie BERNARD", None)
        assert Exchange.get().subject == "Ancien échange"
        assert Message.get().body == "Message d'avant"
        upgraded.extensions["relais"].database.close()


def test_upgrading_twice_changes_nothing(make_app):
    app = make_app("sqlite")
    relais = app.extensions["relais"]
    from kernel.migrate import upgrade

    assert upgrade(relais.database, [MigrationSet("kernel", KERNEL_MIGRATIONS)]) == {"kernel": []}
