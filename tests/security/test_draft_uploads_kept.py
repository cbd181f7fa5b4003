"""The hourly purge of uploads never attached to a message (kernel/services/attachments.py purge_unattached)
keeps the files a draft of their uploader still names: a file joined to a draft on Monday is still there when
the professional comes back to it on Wednesday. Once the draft lets go of it, the file goes with the next purge."""
from __future__ import annotations

import datetime as dt
import io
import os

from kernel.core_hooks import purge_unattached_uploads
from kernel.db import utcnow
from kernel.models import Attachment
from kernel.services import drafts
from support.factories import bearer, make_account


def _upload(client, account, data: bytes, name: str):
    r = client.post("/api/v1/attachments", headers=bearer(account), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(data), name)})
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def _age(store, days: float = 2) -> None:
    """Every upload and its file as written ``days`` ago."""
    old = utcnow() - dt.timedelta(days=days)
    Attachment.update(created_at=old).execute()
    stamp = old.replace(tzinfo=dt.timezone.utc).timestamp()
    for attachment in Attachment.select():
        os.utime(store.path_for(attachment.sha256), (stamp, stamp))


def test_a_drafts_attachments_survive_the_purge_until_the_draft_lets_them_go(make_app, backend):
    app = make_app(backend)
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        client = app.test_client()
        store = app.extensions["relais"].attachments
        kept = _upload(client, alice, b"compte rendu du brouillon", "brouillon.pdf")
        dropped = _upload(client, alice, b"jamais joint", "oubli.pdf")
        r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice),
                       json={"fields": {"subject": "À finir"}, "attachments": [kept]})
        assert r.status_code == 200, r.json
        # Someone else's draft naming alice's upload keeps nothing alive (a draft only opens its owner's files).
        foreign = _upload(client, alice, b"nomme par un autre", "autre.pdf")
        drafts.save(bob.id, "channel:test_chat", {}, [foreign])
        _age(store)

        purge_unattached_uploads({})

        left = {a.id for a in Attachment.select()}
        assert left == {kept}
        assert store.path_for(Attachment.get_by_id(kept).sha256).exists()
        r = client.get("/api/v1/drafts/channel:test_chat", headers=bearer(alice))
        assert [a["id"] for a in r.json["draft"]["attachments"]] == [kept]
        assert client.get(f"/api/v1/attachments/{kept}", headers=bearer(alice)).status_code == 200

        # The draft lets the file go (removed from it): the next purge takes it.
        r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice),
                       json={"fields": {"subject": "À finir"}, "attachments": []})
        assert r.status_code == 200, r.json
        sha = Attachment.get_by_id(kept).sha256
        purge_unattached_uploads({})
        assert not Attachment.select().exists()
        assert not store.path_for(sha).exists()
