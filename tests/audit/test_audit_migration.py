"""Migration 0016: audit lines written before it get their exchange and patient from their target, and a line
about an exchange gets that exchange's patient, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from kernel.migrate import KERNEL_MIGRATIONS
from kernel.models import AuditEvent
from support.migrations import empty_database, insert, migrate_kernel_to, old_database, upgraded

BEFORE = sorted(p.stem for p in KERNEL_MIGRATIONS.glob("[0-9]*.py") if p.stem < "0016")[-1]


def test_past_lines_get_their_exchange_and_patient(backend, tmp_path, request):
    url = empty_database(backend, tmp_path, request)
    now = dt.datetime(2026, 6, 1, 8, 0, 0)
    with old_database(url) as db:
        migrate_kernel_to(db, BEFORE)
        patient = insert(db, "INSERT INTO patient (birth_name, used_name, first_names, birth_date, sex, "
                             "birthplace_code, qualified, created_at, search_text, homonym_key) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         ("DUPONT", "", "Jeanne", dt.date(1950, 1, 1), "F", "", False, now, " dupont jeanne", "k"))
        about = insert(db, "INSERT INTO exchange (channel, space, subject, status, created_at, last_message_at, data, "
                           "patient_id, search_subject, search_senders) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                       ("test_chat", "chat", "Avis", "open", now, now, "{}", patient, " avis", ""))
        lines = {}
        for target in (f"exchange:{about}", "exchange:4242", f"patient:{patient}", "patient:7x", "exchange:",
                       "login:jdupont", "exchange:123456789012345678901", ""):
            lines[target] = insert(db, "INSERT INTO audit_event (at, action, target, outcome, request, detail) "
                                       "VALUES (%s, %s, %s, %s, %s, %s)", (now, "test", target, "ok", "{}", ""))

    with upgraded(url, tmp_path):
        got = {target: (e.exchange_id, e.patient_id) for target in lines
               for e in [AuditEvent.get_by_id(lines[target])]}
        assert got == {
            f"exchange:{about}": (about, patient),  # the exchange's patient, too
            "exchange:4242": (4242, None),  # an exchange that no longer exists: its id all the same
            f"patient:{patient}": (None, patient),
            "patient:7x": (None, None), "exchange:": (None, None), "login:jdupont": (None, None),
            "exchange:123456789012345678901": (None, None), "": (None, None),
        }
