"""Schema migrations: an old database upgrades without losing data, and the models match the migrations."""
from __future__ import annotations

import datetime as dt

from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, pending
from kernel.models import KERNEL_MODELS, Account, Exchange, Message
from support.migrations import empty_database, insert, migrate_kernel_to, old_database, upgraded


def test_fresh_database_matches_the_models(app):
    """Every model change comes with its migration: a migrated database has exactly the models' tables."""
    relais = app.extensions["relais"]
    diff = diff_models(relais.database, list(KERNEL_MODELS) + relais.models)
    assert not diff, f"models and migrations disagree, write a migration:\n{diff}"
    assert pending(relais.database, [MigrationSet("kernel", KERNEL_MIGRATIONS)]) == {"kernel": []}


def test_database_made_by_the_first_schema_upgrades_with_its_data(backend, tmp_path, request):
    url = empty_database(backend, tmp_path, request)
    # A database as the very first version of Relais left it.
    with old_database(url) as db:
        assert migrate_kernel_to(db, "0001_initial") == ["0001_initial"]
        now = dt.datetime(2026, 1, 2, 3, 4, 5)
        identity_id = insert(db, "INSERT INTO identity (kind, display_name, mssante_eligible, created_at) "
                                 "VALUES (%s, %s, %s, %s)", ("person", "Julie BERNARD", True, now))
        insert(db, "INSERT INTO account (login, password_hash, first_name, last_name, profession, identity_id, "
                   "is_admin, active, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
               ("jbernard", "x", "Julie", "Bernard", "Médecin", identity_id, False, True, now))
        exchange_id = insert(db, "INSERT INTO exchange (channel, space, subject, status, acting_as_id, created_at, "
                                 "last_message_at, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                             ("test_chat", "chat", "Ancien échange", "open", identity_id, now, now, "{}"))
        insert(db, "INSERT INTO message (exchange_id, kind, body, created_at, data) VALUES (%s, %s, %s, %s, %s)",
               (exchange_id, "text", "Message d'avant", now, "{}"))
        assert "last_login_at" not in {c.name for c in db.get_columns("account")}

    # Starting the current version upgrades it.
    with upgraded(url, tmp_path) as app:
        applied = Runner(app.extensions["relais"].database, str(KERNEL_MIGRATIONS),
                         table_name="relais_migrations_kernel").applied()
        every = {path.stem for path in KERNEL_MIGRATIONS.glob("[0-9]*.py")}
        assert set(applied) == every and {"0001_initial", "0002_account_last_login"} <= every
        account = Account.get(Account.login == "jbernard")
        assert (account.full_name, account.last_login_at) == ("Julie BERNARD", None)
        assert Exchange.get().subject == "Ancien échange"
        assert Message.get().body == "Message d'avant"


def test_upgrading_twice_changes_nothing(make_app):
    app = make_app("sqlite")
    relais = app.extensions["relais"]
    from kernel.migrate import upgrade

    assert upgrade(relais.database, [MigrationSet("kernel", KERNEL_MIGRATIONS)]) == {"kernel": []}
