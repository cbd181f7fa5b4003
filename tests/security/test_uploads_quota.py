"""Per-account upload limits and the removal of uploads never attached (issue #10, item 9)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os

from kernel.core_hooks import purge_unattached_uploads
from kernel.db import utcnow
from kernel.models import Attachment, AuditEvent
from support.factories import bearer, make_account

KB = 1024


def _upload(client, account, data: bytes, name: str = "cr.pdf"):
    return client.post("/api/v1/attachments", headers=bearer(account), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def _send(client, alice, bob, attachment_ids):
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Fichiers", "body": "Voici",
        "attachments": attachment_ids})
    assert r.status_code == 201, r.json


def test_uploads_waiting_to_be_sent_are_capped_per_account(make_app, backend):
    app = make_app(backend, upload_quota_bytes=10 * KB, upload_daily_bytes=100 * KB)
    with app.app_context():
        alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
        client = app.test_client()
        first = _upload(client, alice, b"a" * 6 * KB).json["attachment"]["id"]
        r = _upload(client, alice, b"b" * 6 * KB)
        assert r.status_code == 413
        assert r.json["errors"]["file"][0].startswith("Vos fichiers en attente d'envoi dépassent 10 Ko")
        # Nothing of the refused upload stays, row nor file.
        assert Attachment.select().count() == 1
        assert not app.extensions["relais"].attachments.path_for(
            hashlib.sha256(b"b" * 6 * KB).hexdigest()).exists()
        assert AuditEvent.get(AuditEvent.action == "attachment.upload", AuditEvent.outcome == "refused").account_id \
            == alice.id
        # Another account has its own allowance; sending frees Alice's.
        assert _upload(client, carol, b"c" * 6 * KB).status_code == 201
        _send(client, alice, bob, [first])
        assert _upload(client, alice, b"b" * 6 * KB).status_code == 201


def test_uploads_in_a_day_are_capped_attached_or_not(make_app):
    app = make_app("sqlite", upload_quota_bytes=10 * KB, upload_daily_bytes=15 * KB)
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        client = app.test_client()
        for n in range(2):
            _send(client, alice, bob, [_upload(client, alice, bytes([n]) * 6 * KB).json["attachment"]["id"]])
        r = _upload(client, alice, b"z" * 6 * KB)
        assert r.status_code == 413 and r.json["errors"]["file"] == [
            "Vous avez déposé plus de 15 Ko de fichiers en 24 heures : réessayez demain."]
        # A day later, the allowance is back.
        Attachment.update(created_at=utcnow() - dt.timedelta(days=1, minutes=1)).execute()
        assert _upload(client, alice, b"z" * 6 * KB).status_code == 201


def test_uploads_never_attached_are_removed_after_a_day_with_their_files(make_app, backend):
    app = make_app(backend)
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        client = app.test_client()
        store = app.extensions["relais"].attachments
        ids = {name: _upload(client, alice, data, f"{name}.pdf").json["attachment"]["id"] for name, data in
               (("sent", b"shared content"), ("copy", b"shared content"), ("alone", b"only here"),
                ("recent", b"recent"))}
        _send(client, alice, bob, [ids["sent"]])
        old = utcnow() - dt.timedelta(days=1, minutes=5)
        Attachment.update(created_at=old).where(Attachment.id != ids["recent"]).execute()
        for attachment in Attachment.select():  # the files too were written over a day ago
            path = store.path_for(attachment.sha256)
            stamp = old.replace(tzinfo=dt.timezone.utc).timestamp()
            os.utime(path, (stamp, stamp))
        purge_unattached_uploads({})
        left = {a.id for a in Attachment.select()}
        assert left == {ids["sent"], ids["recent"]}
        # The copy's bytes are the sent file's: kept. The lone one's are gone.
        assert store.path_for(hashlib.sha256(b"shared content").hexdigest()).exists()
        assert not store.path_for(hashlib.sha256(b"only here").hexdigest()).exists()
        assert client.get(f"/api/v1/attachments/{ids['sent']}", headers=bearer(bob)).status_code == 200
