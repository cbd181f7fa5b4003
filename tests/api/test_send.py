"""The one send path: a new exchange, a reply, and every way a draft can be refused."""
from __future__ import annotations

from kernel.models import Exchange, Membership, Message, MessageAttachment
from support.factories import bearer, make_account, make_patient, make_structure


def _counts():
    return Exchange.select().count(), Message.select().count(), Membership.select().count()


def test_start_exchange_stores_exchange_members_and_message(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    patient = make_patient(in_care_of=alice)
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id,
        "subject": "Plaie du pied", "body": "Bonjour, pouvez-vous la voir ?"})
    assert r.status_code == 201, r.json
    exchange = Exchange.get_by_id(r.json["exchange"]["id"])
    assert (exchange.channel, exchange.space, exchange.subject) == ("test_chat", "chat", "Plaie du pied")
    assert exchange.patient_id == patient.id and exchange.acting_as_id == alice.identity_id
    assert {m.identity_id for m in exchange.memberships} == {alice.identity_id, bob.identity_id}
    message = exchange.messages.get()
    assert (message.author_id, message.acting_as_id, message.body) == (alice.id, alice.identity_id,
                                                                       "Bonjour, pouvez-vous la voir ?")
    assert r.headers["Location"] == f"/api/v1/exchanges/{exchange.id}"


def test_acting_for_a_structure_stamps_both(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    repap = make_structure("Coordination REPAP", delegates=(alice,))
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": repap.id, "members": [bob.identity_id], "subject": "Sortie", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    assert r.json["message"]["author"]["id"] == alice.id
    assert r.json["message"]["acting_as"] == {"id": repap.id, "name": "Coordination REPAP",
                                               "label": "Coordination REPAP"}


def test_acting_without_delegation_is_refused_and_nothing_stored(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    repap = make_structure("Coordination REPAP", delegates=(bob,))
    before = _counts()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": repap.id, "members": [bob.identity_id], "subject": "Sortie", "body": "Bonjour"})
    assert r.status_code == 422
    assert r.json == {"errors": {"acting_as": ["Vous n'avez pas de délégation pour agir au nom de cette identité."]}}
    assert _counts() == before


def test_bad_drafts_get_french_errors_at_their_field(app, client):
    alice = make_account("alice")
    headers = bearer(alice)
    before = _counts()
    cases = [
        ({"acting_as": alice.identity_id, "members": [], "subject": " "},
         {"members": ["Choisissez au moins une personne."], "subject": ["Ce champ est obligatoire."]}),
        ({"acting_as": alice.identity_id, "members": [999999], "subject": "x"},
         {"members": ["Une des personnes choisies n'a pas de compte sur la plateforme : "
                      "écrivez-lui un mail sécurisé ou invitez-la."]}),
        ({"acting_as": alice.identity_id, "members": ["abc"], "subject": "x"},
         {"members": ["Saisissez un nombre entier."]}),
        ({"acting_as": alice.identity_id, "members": [alice.identity_id], "subject": "x", "patient": 424242},
         {"patient": ["Ce patient est introuvable."]}),
        ({"acting_as": alice.identity_id, "members": [alice.identity_id], "subject": "x", "attachments": [77]},
         {"attachments": ["Une pièce jointe est introuvable : ajoutez-la de nouveau."]}),
        ({"acting_as": alice.identity_id, "members": [alice.identity_id], "subject": "x", "surprise": 1},
         {"surprise": ["Champ inconnu."]}),
        ({"members": [alice.identity_id], "subject": "x"}, {"acting_as": ["Ce champ est obligatoire."]}),
        ({"acting_as": alice.identity_id, "members": [alice.identity_id], "subject": "x" * 251},
         {"subject": ["250 caractères au plus."]}),
    ]
    for payload, errors in cases:
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, json=payload)
        assert r.status_code == 422, payload
        assert r.json == {"errors": errors}, payload
    assert _counts() == before


def test_malformed_json_unknown_channel_and_wrong_content_type(app, client):
    alice = make_account("alice")
    headers = bearer(alice)
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, data="{oops",
                    content_type="application/json")
    assert r.status_code == 400 and r.json == {"errors": {"_schema": ["Le corps de la requête n'est pas un JSON valide."]}}
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, json=[1, 2])
    assert r.status_code == 400 and "_schema" in r.json["errors"]
    r = client.post("/api/v1/channels/nope/exchanges", headers=headers, json={})
    assert r.status_code == 404 and r.json["errors"]["channel"]
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, data="a=b",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_reply_uses_a_member_identity_and_needs_content(app, client):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "Un"})
    exchange_id = r.json["exchange"]["id"]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "Deux"})
    assert r.status_code == 201 and r.json["message"]["acting_as"]["id"] == bob.identity_id
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob), json={"body": "  "})
    assert r.status_code == 422 and r.json["errors"] == {"body": ["Écrivez un message ou joignez un fichier."]}
    # A non-member learns nothing, not even that the exchange exists.
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(carol), json={"body": "Intrus"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(carol)).status_code == 404
    assert client.get(f"/api/v1/exchanges/{exchange_id}").status_code == 401
    assert Message.select().where(Message.exchange == exchange_id).count() == 2


def test_attachments_are_linked_and_readable_by_members_only(app, client):
    import io

    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    up = client.post("/api/v1/attachments", headers=bearer(alice),
                     data={"file": (io.BytesIO(b"%PDF-1.4\n%test\n"), "Compte-rendu opératoire.pdf")},
                     content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    att = up.json["attachment"]
    assert att["filename"] == "Compte-rendu opératoire.pdf" and att["content_type"] == "application/pdf"
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "CR", "attachments": [att["id"]]})
    assert r.status_code == 201
    assert MessageAttachment.select().count() == 1
    got = client.get(att["url"] + "?download=1", headers=bearer(bob))
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert "Compte-rendu" in got.headers["Content-Disposition"]
    assert client.get(att["url"], headers=bearer(carol)).status_code == 404
    # Bob cannot re-send Alice's upload as his own attachment in another exchange.
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(bob), json={
        "acting_as": bob.identity_id, "members": [carol.identity_id], "subject": "x", "attachments": [att["id"]]})
    assert r.status_code == 422


def test_renaming_does_not_write_back_what_changed_meanwhile(app, client, monkeypatch):
    """A mail stored between the rename's read and its write keeps its date and its sender in the search."""
    import datetime as dt

    from kernel.api import exchanges as exchanges_api
    from kernel.models import Exchange

    alice, bob = make_account("alice"), make_account("bob")
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avant", "body": "x"}).json["exchange"]["id"]
    later = dt.datetime(2030, 1, 2, 3, 4, 5)
    read = exchanges_api.visible_exchange

    def read_then_someone_writes(exchange_id):
        exchange = read(exchange_id)
        Exchange.update(last_message_at=later, search_senders=" bob").where(Exchange.id == exchange_id).execute()
        return exchange

    monkeypatch.setattr(exchanges_api, "visible_exchange", read_then_someone_writes)
    r = client.patch(f"/api/v1/exchanges/{exchange_id}", headers=bearer(alice), json={"status": "closed"})
    assert r.status_code == 200
    stored = Exchange.get_by_id(exchange_id)
    assert (stored.status, stored.last_message_at, stored.search_senders) == ("closed", later, " bob")
    r = client.patch(f"/api/v1/exchanges/{exchange_id}", headers=bearer(alice), json={"subject": "Après"})
    stored = Exchange.get_by_id(exchange_id)
    assert (stored.subject, stored.search_subject, stored.search_senders) == ("Après", " apres", " bob")
