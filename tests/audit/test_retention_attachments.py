"""Retention and attachments: the rows of a purged exchange's attachments go inside the purge's transaction (so
they roll back with it), never while a draft still holds them; after the commit only the files no row names
any more are unlinked."""
from __future__ import annotations

import pytest

from kernel.models import Attachment, Draft, Exchange
from support.factories import make_account, make_patient
from support.retention import age, expired_exchange_with_a_file, retention_app, start, upload  # noqa: F401


def test_an_attachment_a_draft_still_holds_outlives_the_purge(retention_app):
    app, client = retention_app, retention_app.test_client()
    alice, bob = make_account("alice"), make_account("bob")
    held = upload(client, alice, b"a transferer", "transfert.txt")
    alone = upload(client, alice, b"rien ne le garde", "seul.txt")
    old = start(client, alice, bob, make_patient(in_care_of=alice), "Ancien", [held, alone])
    # Bob is writing a new exchange with the old one's attachment (a forward not sent yet).
    Draft.create(account=bob, screen="new:test_chat", fields={"body": "Pour avis"}, attachments=[held])
    age(old, 31)
    store = app.extensions["relais"].attachments
    path = {a.id: store.path_for(a.sha256) for a in Attachment.select()}

    from kernel.services.retention import purge_expired

    purge_expired()

    assert Exchange.get_or_none(Exchange.id == old) is None
    assert {a.id for a in Attachment.select()} == {held}
    assert path[held].exists()
    assert not path[alone].exists()


def test_the_rows_go_inside_the_purge_transaction(retention_app, monkeypatch):
    old, attachment, path = expired_exchange_with_a_file(retention_app)

    from kernel.services import retention

    seen = []

    def fail_before_commit(callback):  # still inside the transaction: look, then make it roll back
        seen.append(Attachment.get_or_none(Attachment.id == attachment))
        raise RuntimeError("disque plein")

    monkeypatch.setattr(retention, "on_commit", fail_before_commit)
    with pytest.raises(RuntimeError):
        retention.purge_expired()
    monkeypatch.undo()
    assert seen == [None]  # deleted in the transaction...
    assert Attachment.get_or_none(Attachment.id == attachment) is not None  # ...and back with its rollback
    assert Exchange.get_or_none(Exchange.id == old) is not None
    assert path.exists()

    retention.purge_expired()
    assert Attachment.get_or_none(Attachment.id == attachment) is None
    assert not path.exists()
