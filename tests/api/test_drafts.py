"""Drafts kept on the server: saved per account and screen, read back on return (another device too), only
by their owner, size-limited, and removed by the send that sends them, in its transaction."""
from __future__ import annotations

import io

from kernel.models import Draft, Message
from kernel.services.drafts import MAX_DRAFT_BYTES
from support.factories import bearer, make_account, make_patient


def _chat(client, alice, bob, **more):
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "body": "Bonjour", **more})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def _upload(client, account, name="note.txt"):
    r = client.post("/api/v1/attachments", headers=bearer(account),
                    data={"file": (io.BytesIO(b"une note"), name)}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def test_a_send_screen_draft_is_saved_replaced_and_read_back_from_another_device(app, client):
    alice = make_account("alice")
    note = _upload(client, alice)
    r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice),
                   json={"fields": {"subject": "Plaie", "body": "<p>Bonjour</p>"}, "attachments": [note]})
    assert r.status_code == 200, r.json
    r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice),
                   json={"fields": {"subject": "Plaie du pied", "body": "<p>Bonjour, pouvez</p>"}, "attachments": [note]})
    assert r.status_code == 200, r.json
    # Another device: a new client, the same account.
    r = app.test_client().get("/api/v1/drafts/channel:test_chat", headers=bearer(alice))
    assert r.status_code == 200
    draft = r.json["draft"]
    assert draft["screen"] == "channel:test_chat"
    assert draft["fields"] == {"subject": "Plaie du pied", "body": "<p>Bonjour, pouvez</p>"}
    assert [(a["id"], a["filename"]) for a in draft["attachments"]] == [(note, "note.txt")]
    assert Draft.select().count() == 1


def test_only_the_owner_reads_a_draft_and_a_screen_one_cannot_see_is_404(app, client):
    alice, bob, carol = make_account("alice"), make_account("bob", "Bob", "Durand"), make_account("carol", "Carole")
    exchange_id = _chat(client, alice, bob)
    assert client.put(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(alice),
                      json={"fields": {"body": "Réponse en cours"}}).status_code == 200
    # Bob, a member, has no draft of his own there: nothing to take back (204, no body), and Alice's stays hers.
    r = client.get(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(bob))
    assert (r.status_code, r.data) == (204, b"")
    assert client.delete(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(bob)).status_code == 204
    for method in (client.get, client.delete):  # not a member: 404, as if the exchange were not there
        assert method(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(carol)).status_code == 404
    r = client.put(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(carol), json={"fields": {"body": "x"}})
    assert r.status_code == 404
    for screen in ("exchange:999999", "channel:inconnu", "n-importe-quoi", "channel:test_chat:patient:424242"):
        r = client.put(f"/api/v1/drafts/{screen}", headers=bearer(alice), json={"fields": {}})
        assert r.status_code == 404, screen
        assert r.json == {"errors": {"_schema": ["Introuvable, ou vous n'y avez pas accès."]}}
    assert client.get(f"/api/v1/drafts/exchange:{exchange_id}", headers=bearer(alice)).json["draft"]["fields"] == {
        "body": "Réponse en cours"}
    assert Draft.select().count() == 1


def test_another_s_attachment_is_refused_and_a_removed_one_is_not_given_back(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    bobs = _upload(client, bob)
    r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice), json={"attachments": [bobs]})
    assert r.status_code == 422
    assert r.json == {"errors": {"attachments": ["Une pièce jointe est introuvable : ajoutez-la de nouveau."]}}
    assert Draft.select().count() == 0
    # Stored while it was Alice's own, then gone: the draft no longer offers it.
    mine = _upload(client, alice)
    assert client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice),
                      json={"attachments": [mine]}).status_code == 200
    Draft.update(attachments=[mine, bobs]).execute()
    assert [a["id"] for a in client.get("/api/v1/drafts/channel:test_chat", headers=bearer(alice))
            .json["draft"]["attachments"]] == [mine]


def test_bad_drafts_get_french_errors_and_nothing_is_stored(app, client):
    alice = make_account("alice")
    cases = [
        ({"fields": "texte"}, 422, {"fields": ["Un objet est attendu."]}),
        ({"attachments": ["abc"]}, 422, {"attachments": ["Saisissez un nombre entier."]}),
        ({"surprise": 1}, 422, {"surprise": ["Champ inconnu."]}),
        ({"fields": {"body": "x" * (MAX_DRAFT_BYTES + 1)}}, 413,
         {"fields": ["Ce brouillon est trop long pour être gardé (256 Ko au plus) : "
                     "raccourcissez le texte ou joignez-le comme fichier."]}),
    ]
    for payload, status, errors in cases:
        r = client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice), json=payload)
        assert (r.status_code, r.json) == (status, {"errors": errors}), payload
    assert Draft.select().count() == 0


def test_a_send_removes_its_screen_s_draft_in_its_transaction(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    patient = make_patient(in_care_of=alice)
    for screen in ("channel:test_chat", f"channel:test_chat:patient:{patient.id}", "channel:test_mail"):
        assert client.put(f"/api/v1/drafts/{screen}", headers=bearer(alice),
                          json={"fields": {"body": "..."}}).status_code == 200
    exchange_id = _chat(client, alice, bob, patient=patient.id)
    # The send screen's drafts went with the send; another channel's stayed.
    assert [d.screen for d in Draft.select()] == ["channel:test_mail"]

    box = f"/api/v1/drafts/exchange:{exchange_id}"
    assert client.put(box, headers=bearer(alice), json={"fields": {"body": "Suite"}}).status_code == 200
    assert client.put(box, headers=bearer(bob), json={"fields": {"body": "Réponse de Bob"}}).status_code == 200
    # A refused send keeps the draft: nothing was sent.
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(alice), json={"body": " "})
    assert r.status_code == 422
    assert client.get(box, headers=bearer(alice)).status_code == 200
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(alice), json={"body": "Suite"})
    assert r.status_code == 201
    assert client.get(box, headers=bearer(alice)).status_code == 204
    assert client.get(box, headers=bearer(bob)).json["draft"]["fields"] == {"body": "Réponse de Bob"}
    assert Message.select().where(Message.exchange == exchange_id).count() == 2


def test_a_draft_is_removed_on_demand(app, client):
    alice = make_account("alice")
    client.put("/api/v1/drafts/channel:test_chat", headers=bearer(alice), json={"fields": {"body": "x"}})
    assert client.delete("/api/v1/drafts/channel:test_chat", headers=bearer(alice)).status_code == 204
    # Already gone (another tab's send took it): the same calm answer.
    assert client.delete("/api/v1/drafts/channel:test_chat", headers=bearer(alice)).status_code == 204
    assert Draft.select().count() == 0
