"""Upgrading a platform that already has accounts: migration 0003 indexes them, as the live sync would."""
from __future__ import annotations

import datetime as dt

import uuid

import psycopg2

from kernel import create_app
from kernel.config import load_config
from kernel.db import open_database
from kernel.directory import sync_all_identities
from kernel.directory.search import DirectoryQuery, search
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, runner


def _insert(db, sql: str, values: tuple) -> int:
    db.execute_sql(sql.replace("%s", db.param), values)
    return db.execute_sql("SELECT max(id) FROM " + sql.split()[2]).fetchone()[0]


def _empty_database(backend: str, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    base, schema = request.getfixturevalue("postgres_url"), f"old_{uuid.uuid4().hex[:10]}"

    def execute(sql: str) -> None:
        conn = psycopg2.connect(base)
        conn.autocommit = True
        conn.cursor().execute(sql)
        conn.close()
    execute(f"CREATE SCHEMA {schema}")
    request.addfinalizer(lambda: execute(f"DROP SCHEMA {schema} CASCADE"))
    return f"{base}?options=-c%20search_path%3D{schema}"


def test_existing_accounts_and_structures_are_searchable_after_the_upgrade(backend, tmp_path, request):
    url = _empty_database(backend, tmp_path, request)
    config = load_config({"data_dir": str(tmp_path / "data"), "database_url": url, "plugins": [],
                          "log_level": "WARNING"}, environ={})
    db = open_database(url)
    with db.connection_context():
        runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS)).up(target="0002_account_last_login")
        now = dt.datetime(2026, 1, 2, 3, 4, 5)
        julie = _insert(db, "INSERT INTO identity (kind, display_name, mssante_eligible, created_at) "
                            "VALUES (%s, %s, %s, %s)", ("person", "Dr Julie BERNARD", True, now))
        _insert(db, "INSERT INTO account (login, password_hash, first_name, last_name, profession, rpps, identity_id, "
                    "is_admin, active, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                ("jbernard", "x", "Julie", "Bernard", "Médecin généraliste", "10003412870", julie, False, True, now))
        _insert(db, "INSERT INTO mail_address (identity_id, address, created_at) VALUES (%s, %s, %s)",
                (julie, "julie.bernard@demo.mssante.fr", now))
        repap = _insert(db, "INSERT INTO identity (kind, display_name, structure_type, mssante_eligible, created_at) "
                            "VALUES (%s, %s, %s, %s, %s)", ("structure", "Coordination REPAP", "coordination", True, now))
    db.close()

    upgraded = create_app(config, plugins=[])
    queries = [DirectoryQuery(q="julie"), DirectoryQuery(q="bernard julie"), DirectoryQuery(q="generaliste"),
               DirectoryQuery(q="repap", kind="account"), DirectoryQuery(q="coord")]
    with upgraded.app_context():
        found = [search(q) for q in queries]
        entry = found[0]["professionals"][0]
        assert (entry["display_name"], entry["identity_id"], entry["has_account"], entry["rpps"]) == (
            "Dr Julie BERNARD", julie, True, "10003412870")
        assert entry["addresses"] == [{"address": "julie.bernard@demo.mssante.fr", "type": "PER", "label": ""}]
        assert found[3]["services"][0]["identity_id"] == repap
        sync_all_identities()  # the live rules give the same directory
        assert [search(q) for q in queries] == found
        upgraded.extensions["relais"].database.close()
