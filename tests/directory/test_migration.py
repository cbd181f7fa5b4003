"""Upgrading a platform that already has accounts: migration 0003 indexes them, as the live sync would."""
from __future__ import annotations

import datetime as dt

from kernel.directory import sync_all_identities
from kernel.directory.search import DirectoryQuery, search
from support.migrations import empty_database, insert, migrate_kernel_to, old_database, upgraded


def test_existing_accounts_and_structures_are_searchable_after_the_upgrade(backend, tmp_path, request):
    url = empty_database(backend, tmp_path, request)
    with old_database(url) as db:
        migrate_kernel_to(db, "0002_account_last_login")
        now = dt.datetime(2026, 1, 2, 3, 4, 5)
        julie = insert(db, "INSERT INTO identity (kind, display_name, mssante_eligible, created_at) "
                           "VALUES (%s, %s, %s, %s)", ("person", "Dr Julie BERNARD", True, now))
        insert(db, "INSERT INTO account (login, password_hash, first_name, last_name, profession, rpps, identity_id, "
                   "is_admin, active, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
               ("jbernard", "x", "Julie", "Bernard", "Médecin généraliste", "10003412870", julie, False, True, now))
        insert(db, "INSERT INTO mail_address (identity_id, address, created_at) VALUES (%s, %s, %s)",
               (julie, "julie.bernard@demo.mssante.fr", now))
        repap = insert(db, "INSERT INTO identity (kind, display_name, structure_type, mssante_eligible, created_at) "
                           "VALUES (%s, %s, %s, %s, %s)", ("structure", "Coordination REPAP", "coordination", True, now))

    queries = [DirectoryQuery(q="julie"), DirectoryQuery(q="bernard julie"), DirectoryQuery(q="generaliste"),
               DirectoryQuery(q="repap", kind="account"), DirectoryQuery(q="coord")]
    with upgraded(url, tmp_path):
        found = [search(q) for q in queries]
        entry = found[0]["professionals"][0]
        assert (entry["display_name"], entry["identity_id"], entry["has_account"], entry["rpps"]) == (
            "Dr Julie BERNARD", julie, True, "10003412870")
        assert entry["addresses"] == [{"address": "julie.bernard@demo.mssante.fr", "type": "PER", "label": ""}]
        assert found[3]["services"][0]["identity_id"] == repap
        sync_all_identities()  # the live rules give the same directory
        assert [search(q) for q in queries] == found
