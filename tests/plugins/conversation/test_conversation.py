"""The conversation channel: its single screen, its rules, existing conversations, its PDF synthesis."""
from __future__ import annotations

import io
import subprocess

import pytest

from kernel.models import Message
from plugins.conversation import hooks as conversation
from support.factories import bearer, make_account, make_patient, make_structure

PNG_1PX = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9as"
           b"\x00\x00\x00\x16IDATx\x9cc\xfc\xcf\xc0\xf0\x9f\x81\x81\x81\x81\x09\x88\x19\x18\x00\x00\x1b\xfd\x03"
           b"\xfd\x8b\x9e\x8b\xf5\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def conv(make_app, backend):
    app = make_app(backend, plugins=[("conversation", conversation)])
    with app.app_context():
        yield app


def _start(client, author, members, **fields):
    return client.post("/api/v1/channels/conversation/exchanges", headers=bearer(author), json={
        "acting_as": author.identity_id, "members": [m.identity_id for m in members], "subject": "Plaie",
        "body": "Bonjour", **fields})


def test_the_screen_has_every_field_and_prefills_the_subject_from_the_patient(conv):
    alice = make_account("alice")
    patient = make_patient()
    client = conv.test_client()
    fields = client.get(f"/api/v1/channels/conversation/form?patient={patient.id}", headers=bearer(alice)).json["fields"]
    assert [f["name"] for f in fields] == ["acting_as", "members", "patient", "existing", "subject", "body",
                                           "attachments"]
    by_name = {f["name"]: f for f in fields}
    assert by_name["subject"]["default"] == "Cecilia REPAP TEST" and by_name["subject"]["required"]
    assert by_name["members"]["options"] == {"kind": "account"} and by_name["members"]["many"]
    assert by_name["existing"]["options"] == {"url": "/conversation/existantes", "watch": ["members", "patient"]}
    panel = client.get("/api/v1/channels", headers=bearer(alice)).json["channels"]
    assert {"name": "conversation", "label": "Démarrer une conversation", "group": "MonSisra"}.items() <= panel[0].items()


def test_members_must_be_other_platform_users(conv):
    alice, bob = make_account("alice"), make_account("bob")
    client = conv.test_client()
    r = _start(client, alice, [alice])
    assert r.status_code == 422 and r.json == {"errors": {"members": ["Choisissez au moins un autre participant que vous-même."]}}
    r = client.post("/api/v1/channels/conversation/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [424242], "subject": "Plaie"})
    assert r.status_code == 422 and "compte sur la plateforme" in r.json["errors"]["members"][0]
    r = client.post("/api/v1/channels/conversation/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": ""})
    assert r.status_code == 422 and r.json["errors"] == {"subject": ["Ce champ est obligatoire."]}
    assert _start(client, alice, [bob]).status_code == 201
    assert Message.select().count() == 1


def test_existing_conversations_with_the_same_people_or_patient(conv):
    alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
    carol, mallory = make_account("carol", "Carole", "Roux"), make_account("mallory", "Mallory", "Noir")
    patient = make_patient()
    client = conv.test_client()
    _start(client, alice, [bob], patient=patient.id, subject="Pansement")
    _start(client, alice, [bob, carol], subject="Sortie")
    _start(client, mallory, [bob], subject="Secret de Mallory")
    url = "/conversation/existantes"
    r = client.get(f"{url}?members={bob.identity_id}", headers=bearer(alice)).json
    assert r["count"] == 2 and r["title"] == "Vous avez 2 conversations existantes avec ces participants"
    assert [i["label"] for i in r["items"]] == ["Sortie", "Pansement"]
    assert r["items"][0]["url"].startswith("/echanges/") and r["items"][0]["detail"] == "AM BD CR"
    r = client.get(f"{url}?members={bob.identity_id},{carol.identity_id}", headers=bearer(alice)).json
    assert r["count"] == 1 and r["title"] == "Vous avez 1 conversation existante avec ces participants"
    r = client.get(f"{url}?patient={patient.id}", headers=bearer(alice)).json
    assert r["title"] == "Vous avez 1 conversation existante au sujet de ce patient"
    r = client.get(f"{url}?members={alice.identity_id}", headers=bearer(alice)).json
    assert r == {"title": "", "items": [], "count": 0}
    assert client.get(f"{url}?members=abc", headers=bearer(alice)).status_code == 400
    assert client.get(f"{url}?members={10**30}", headers=bearer(alice)).status_code == 400  # no 64-bit id
    assert client.get(f"{url}?patient={10**30}", headers=bearer(alice)).status_code == 400
    assert client.get(f"{url}?members={bob.identity_id}").status_code == 401


def test_synthesis_is_a_real_pdf_posted_in_the_thread(conv, tmp_path):
    import os

    os.makedirs("test-artifacts", exist_ok=True)
    alice, bob, dora = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand"), \
        make_account("dora", "Dora", "Petit")
    repap = make_structure("Coordination REPAP", delegates=(dora,))
    patient = make_patient()
    client = conv.test_client()
    photo = client.post("/api/v1/attachments", headers=bearer(bob), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(PNG_1PX), "Plaie J3.png")}).json["attachment"]
    exchange_id = _start(client, alice, [bob, dora], patient=patient.id, subject="Plaie du pied").json["exchange"]["id"]
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob),
                json={"body": "Voici la photo d'aujourd'hui.", "attachments": [photo["id"]]})
    client.post("/api/v1/exchanges/{}/members".format(exchange_id), headers=bearer(alice), json={"members": [repap.id]})
    client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(dora),
                json={"body": "Passage infirmier prévu demain.", "acting_as": repap.id})
    r = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=bearer(alice), json={})
    assert r.status_code == 201, r.json
    pdf = client.get(r.json["attachment"]["url"], headers=bearer(bob)).data
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "synthese.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), "test-artifacts/synthese"])
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    for expected in ("Synthèse de la conversation", "Plaie du pied", "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901",
                     "Alice MARTIN, Bob DURAND, Dora PETIT", "Voici la photo d'aujourd'hui.", "Plaie J3.png",
                     "Dora PETIT pour le compte de Coordination REPAP", "Page 1 sur 1"):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3  # header lines + the photo
    # The synthesis is posted in the thread, and the next one leaves it out.
    last = Message.select().order_by(Message.id.desc()).get()
    assert last.kind == "synthesis" and last.author_id == alice.id
    again = client.post(f"/api/v1/exchanges/{exchange_id}/synthesis", headers=bearer(alice), json={})
    newest = Message.select().order_by(Message.id.desc()).get()
    assert again.status_code == 201 and last.id not in newest.data["messages"]


def test_the_thread_offers_the_synthesis_action(conv):
    alice, bob = make_account("alice"), make_account("bob")
    client = conv.test_client()
    exchange_id = _start(client, alice, [bob]).json["exchange"]["id"]
    actions = client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).json["exchange"]["actions"]
    assert [a["name"] for a in actions] == ["synthesis"]
