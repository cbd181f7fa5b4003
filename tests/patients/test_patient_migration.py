"""Migration 0004: patients stored before it become searchable, and one INS held twice stops the upgrade."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel import create_app
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, runner
from kernel.models import Patient, PatientUse
from kernel.services.patients import search, take_into_care
from support.factories import make_account


def _drop_every_table(db, backend):
    if backend == "postgres":
        for table in db.get_tables():
            db.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        return
    # Triggers first (they may name tables dropped before theirs), then full-text virtual tables (they
    # drop their own shadow tables), then whatever is left, without foreign-key checks.
    db.execute_sql("PRAGMA foreign_keys = 0")
    for kind, sql in (("trigger", "type = 'trigger'"),
                      ("table", "type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"),
                      ("table", "type = 'table' AND name NOT LIKE 'sqlite_%'")):
        for (name,) in db.execute_sql(f"SELECT name FROM sqlite_master WHERE {sql}").fetchall():
            db.execute_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')
    db.execute_sql("PRAGMA foreign_keys = 1")


def _database_before_0004(make_app, backend):
    app = make_app(backend, name="old")
    relais = app.extensions["relais"]
    db = relais.database
    with app.app_context():
        _drop_every_table(db, backend)
        old = runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS))
        before = [m.name for m in old.status() if m.name < "0004"]
        assert old.up(target=before[-1]) == before
    return app, db


def _insert_patient(db, birth_name, first_names, birth_date, ins=None):
    db.execute_sql(("INSERT INTO patient (birth_name, used_name, first_names, birth_date, sex, birthplace_code, ins, "
                    "qualified, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)").replace("%s", db.param),
                   (birth_name, "", first_names, birth_date, "F", "", ins, ins is not None, dt.datetime(2026, 1, 2)))


def test_patients_stored_before_become_searchable(make_app, backend):
    app, db = _database_before_0004(make_app, backend)
    with app.app_context():
        _insert_patient(db, "LÉGER", "Zoé Anne", dt.date(2001, 1, 1), "279035121518989")
        _insert_patient(db, "Leger", "zoe", dt.date(2001, 1, 1))
        db.close()
    upgraded = create_app(app.extensions["relais"].config, plugins=[])
    with upgraded.app_context():
        alice = make_account("alice")
        for patient in Patient.select():  # a name search looks among the patients in one's care
            take_into_care(alice.identity_id, patient.id)
        found = search(alice, "zoe leger")
        assert [(p.birth_name, p.homonym) for p in found] == [("LÉGER", True), ("Leger", True)]
        assert Patient.get(Patient.birth_name == "LÉGER").search_text == " leger zoe anne"
        assert PatientUse.select().count() == 0
        upgraded.extensions["relais"].database.close()


def test_an_ins_held_twice_stops_the_upgrade(make_app, backend):
    app, db = _database_before_0004(make_app, backend)
    with app.app_context():
        _insert_patient(db, "DUPONT", "Marie", dt.date(1979, 3, 12), "279035121518989")
        _insert_patient(db, "DUPONT", "Marie-Hélène", dt.date(1979, 3, 12), "279035121518989")
        with pytest.raises(RuntimeError, match="INS held by several patients"):
            runner(db, MigrationSet("kernel", KERNEL_MIGRATIONS)).up()
        # Nothing of 0004 was applied: the records wait for a human to merge them.
        assert "search_text" not in {c.name for c in db.get_columns("patient")}
        assert db.execute_sql("SELECT COUNT(*) FROM patient").fetchone()[0] == 2
        db.close()
