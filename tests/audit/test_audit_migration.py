"""Migration 0016: audit lines written before it get their exchange and patient from their target, and a line
about an exchange gets that exchange's patient, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import uuid

from kernel import create_app
from kernel.config import load_config
from kernel.db import open_database
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, runner
from kernel.models import AuditEvent

BEFORE = sorted(p.stem for p in KERNEL_MIGRATIONS.glob("[0-9]*.py") if p.stem < "0016")[-1]


def _empty_database(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
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


def test_past_lines_get_their_exchange_and_patient(backend, tmp_path, request):
    url = _empty_database(backend, tmp_path, request)
    config = load_config({"data_dir": str(tmp_path / "data"), "database_url": url, "plugins": [],
                          "log_level": "WARNING"}, environ={})
    db = open_database(url)
    now = dt.datetime(2026, 6, 1, 8, 0, 0)

    def insert(sql: str, params: tuple) -> int:
        db.execute_sql(sql.replace("%s", db.param), params)
        return db.execute_sql("SELECT MAX(id) FROM " + sql.split()[2]).fetchone()[0]

    with db.connection_context():
        runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS)).up(target=BEFORE)
        patient = insert("INSERT INTO patient (birth_name, used_name, first_names, birth_date, sex, birthplace_code, "
                         "qualified, created_at, search_text, homonym_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         ("DUPONT", "", "Jeanne", dt.date(1950, 1, 1), "F", "", False, now, " dupont jeanne", "k"))
        about = insert("INSERT INTO exchange (channel, space, subject, status, created_at, last_message_at, data, "
                       "patient_id, search_subject, search_senders) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                       ("test_chat", "chat", "Avis", "open", now, now, "{}", patient, " avis", ""))
        lines = {}
        for target in (f"exchange:{about}", "exchange:4242", f"patient:{patient}", "patient:7x", "exchange:",
                       "login:jdupont", "exchange:123456789012345678901", ""):
            lines[target] = insert("INSERT INTO audit_event (at, action, target, outcome, request, detail) "
                                   "VALUES (%s, %s, %s, %s, %s, %s)", (now, "test", target, "ok", "{}", ""))
    db.close()

    upgraded = create_app(config, plugins=[])
    with upgraded.app_context():
        got = {target: (e.exchange_id, e.patient_id) for target in lines
               for e in [AuditEvent.get_by_id(lines[target])]}
        assert got == {
            f"exchange:{about}": (about, patient),  # the exchange's patient, too
            "exchange:4242": (4242, None),  # an exchange that no longer exists: its id all the same
            f"patient:{patient}": (None, patient),
            "patient:7x": (None, None), "exchange:": (None, None), "login:jdupont": (None, None),
            "exchange:123456789012345678901": (None, None), "": (None, None),
        }
        upgraded.extensions["relais"].database.close()
