"""Every exchange endpoint: anonymous gets 401, a non-member 404, a delegate of a member gets in."""
from __future__ import annotations

import io

import pytest

from support.factories import bearer, make_account, make_structure

ENDPOINTS = [
    ("get", "/api/v1/exchanges/{id}", None),
    ("get", "/api/v1/exchanges/{id}/messages", None),
    ("post", "/api/v1/exchanges/{id}/messages", {"body": "x"}),
    ("post", "/api/v1/exchanges/{id}/read", {}),
    ("get", "/api/v1/exchanges/{id}/receipts", None),
    ("post", "/api/v1/exchanges/{id}/members", {"members": [1]}),
    ("patch", "/api/v1/exchanges/{id}", {"subject": "Piraté"}),
    ("post", "/api/v1/exchanges/{id}/synthesis", {}),
    ("get", "/api/v1/attachments/{attachment}", None),
    ("post", "/api/v1/attachments/{attachment}/integrate", {"target": "x"}),
]


@pytest.fixture
def setting(app, client):
    alice, bob, mallory, dora = (make_account(n) for n in ("alice", "bob", "mallory", "dora"))
    repap = make_structure("Coordination REPAP", delegates=(dora,))
    up = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"compte rendu"), "cr.txt")}).json["attachment"]
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id, repap.id], "subject": "Confidentiel",
        "body": "Bonjour", "attachments": [up["id"]]})
    return {"id": r.json["exchange"]["id"], "attachment": up["id"], "mallory": mallory, "dora": dora}


@pytest.mark.parametrize("method, url, body", ENDPOINTS)
def test_anonymous_gets_401_and_outsider_404(setting, client, method, url, body):
    url = url.format(**setting)
    call = getattr(client, method)
    r = call(url, json=body) if body is not None else call(url)
    assert r.status_code == 401, r.json
    r = call(url, json=body, headers=bearer(setting["mallory"])) if body is not None else \
        call(url, headers=bearer(setting["mallory"]))
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Introuvable, ou vous n'y avez pas accès."]}}


def test_a_delegate_of_a_member_structure_sees_and_answers_for_it(setting, client):
    dora = setting["dora"]
    headers = bearer(dora)
    assert client.get(f"/api/v1/exchanges/{setting['id']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/attachments/{setting['attachment']}", headers=headers).status_code == 200
    r = client.post(f"/api/v1/exchanges/{setting['id']}/messages", headers=headers, json={"body": "Reçu"})
    assert r.status_code == 201 and r.json["message"]["acting_as"]["name"] == "Coordination REPAP"
    assert r.json["message"]["author"]["id"] == dora.id
    # Dora's own identity is not a member: she cannot pretend to write for herself here.
    r = client.post(f"/api/v1/exchanges/{setting['id']}/messages", headers=headers,
                    json={"body": "x", "acting_as": dora.identity_id})
    assert r.status_code == 422 and r.json["errors"] == {"acting_as": ["Cette identité ne participe pas à cet échange."]}


def test_rename_and_add_members_leave_system_lines(app, client):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol", "Carole", "Roux")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avant", "body": "Bonjour"})
    eid = r.json["exchange"]["id"]
    r = client.patch(f"/api/v1/exchanges/{eid}", headers=bearer(bob), json={"subject": "Après"})
    assert r.status_code == 200 and r.json["exchange"]["subject"] == "Après"
    r = client.post(f"/api/v1/exchanges/{eid}/members", headers=bearer(bob), json={"members": [carol.identity_id]})
    assert r.status_code == 201 and r.json["added"] == [{"id": carol.identity_id, "display_name": "Carole ROUX"}]
    assert client.post(f"/api/v1/exchanges/{eid}/members", headers=bearer(bob),
                       json={"members": [carol.identity_id]}).json == {"added": []}
    lines = client.get(f"/api/v1/exchanges/{eid}/messages", headers=bearer(carol)).json["messages"]
    system = [m["body"] for m in lines if m["kind"] == "system"]
    assert system == [f"{bob.full_name} a renommé l'échange en « Après ».", f"{bob.full_name} a ajouté Carole ROUX."]


def test_bad_updates_are_refused_in_french(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S"})
    eid = r.json["exchange"]["id"]
    r = client.patch(f"/api/v1/exchanges/{eid}", headers=bearer(alice), json={"subject": "  "})
    assert r.status_code == 422 and r.json == {"errors": {"subject": ["Ce champ est obligatoire."]}}
    r = client.post(f"/api/v1/exchanges/{eid}/members", headers=bearer(alice), json={"members": [987654]})
    assert r.status_code == 422 and "members" in r.json["errors"]
    r = client.post(f"/api/v1/exchanges/{eid}/members", headers=bearer(alice), json={"members": []})
    assert r.status_code == 422 and r.json == {"errors": {"members": ["Ce champ est obligatoire."]}}
    r = client.get(f"/api/v1/exchanges/{eid}/messages?before=abc", headers=bearer(alice))
    assert r.status_code == 400 and r.json == {"errors": {"before": ["Nombre entier attendu."]}}
    r = client.post(f"/api/v1/exchanges/{eid}/synthesis", headers=bearer(alice), json={})
    assert r.status_code == 409 and r.json == {"errors": {"_schema": ["Ce type d'échange ne propose pas de synthèse."]}}
    r = client.post(f"/api/v1/attachments/1/integrate", headers=bearer(alice), json={"target": "dpi"})
    assert r.status_code == 404
