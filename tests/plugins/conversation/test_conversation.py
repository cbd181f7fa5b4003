"""The conversation channel: its single screen, its rules, existing conversations, its PDF synthesis."""
from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from kernel.models import Delegation, Message
from plugins.conversation import hooks as conversation
from kernel.testing import make_patient, make_structure

PNG_1PX = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9as"
           b"\x00\x00\x00\x16IDATx\x9cc\xfc\xcf\xc0\xf0\x9f\x81\x81\x81\x81\x09\x88\x19\x18\x00\x00\x1b\xfd\x03"
           b"\xfd\x8b\x9e\x8b\xf5\x00\x00\x00\x00IEND\xaeB`\x82")


pytestmark = pytest.mark.relais(plugins=[("conversation", conversation)])


def _start(author, members, **fields):
    return author.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": author.identity_id, "members": [m.identity_id for m in members], "subject": "Plaie",
        "body": "Bonjour", **fields})


def test_the_screen_has_every_field_and_prefills_the_subject_from_the_patient(relais_alice):
    patient = make_patient(in_care_of=relais_alice.account)
    client = relais_alice.api
    fields = client.get(f"/api/v1/channels/conversation/form?patient={patient.id}").json["fields"]
    assert [f["name"] for f in fields] == ["acting_as", "members", "patient", "existing", "subject", "body",
                                           "attachments"]
    by_name = {f["name"]: f for f in fields}
    assert by_name["subject"]["default"] == "Cecilia REPAP TEST" and by_name["subject"]["required"]
    assert by_name["members"]["options"] == {"kind": "account"} and by_name["members"]["many"]
    assert by_name["existing"]["options"] == {"url": "/conversation/existantes", "watch": ["members", "patient"]}
    panel = client.get("/api/v1/channels").json["channels"]
    assert {"name": "conversation", "label": "Démarrer une conversation", "group": "MonSisra"}.items() <= panel[0].items()


def test_members_must_be_other_platform_users(relais_alice, relais_bob):
    alice, bob = relais_alice, relais_bob
    r = _start(alice, [alice])
    assert r.status_code == 422 and r.json == {"errors": {"members": ["Choisissez au moins un autre participant que vous-même."]}}
    r = alice.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": alice.identity_id, "members": [424242], "subject": "Plaie"})
    assert r.status_code == 422 and "compte sur la plateforme" in r.json["errors"]["members"][0]
    r = alice.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": ""})
    assert r.status_code == 422 and r.json["errors"] == {"subject": ["Ce champ est obligatoire."]}
    assert _start(alice, [bob]).status_code == 201
    assert Message.select().count() == 1


def test_existing_conversations_say_who_is_in_them_by_name():
    from plugins.conversation.existing import _with
    assert _with([]) == "Vous seul"
    assert _with(["Bob DURAND"]) == "Avec Bob DURAND"
    assert _with(["A B", "C D", "E F"]) == "Avec A B, C D et E F"
    assert _with(["A B", "C D", "E F", "G H", "I J"]) == "Avec A B, C D, E F et 2 autres"
    assert _with(["A B", "C D", "E F", "G H"]) == "Avec A B, C D, E F et 1 autre"


def test_existing_conversations_with_the_same_people_or_patient(relais_app, relais_alice, relais_bob, relais_user):
    alice, bob = relais_alice, relais_bob
    carol, mallory = relais_user("carol", "Carole", "Roux"), relais_user("mallory", "Mallory", "Noir")
    patient = make_patient(in_care_of=alice.account)
    _start(alice, [bob], patient=patient.id, subject="Pansement")
    _start(alice, [bob, carol], subject="Sortie")
    _start(mallory, [bob], subject="Secret de Mallory")
    url = "/conversation/existantes"
    client = alice.api
    r = client.get(f"{url}?members={bob.identity_id}").json
    assert r["count"] == 2 and r["title"] == "Vous avez 2 conversations existantes avec ces participants"
    assert [i["label"] for i in r["items"]] == ["Sortie", "Pansement"]
    assert r["items"][0]["url"].startswith("/echanges/") and r["items"][0]["detail"] == "Avec Bob DURAND et Carole ROUX"
    r = client.get(f"{url}?members={bob.identity_id},{carol.identity_id}").json
    assert r["count"] == 1 and r["title"] == "Vous avez 1 conversation existante avec ces participants"
    r = client.get(f"{url}?patient={patient.id}").json
    assert r["title"] == "Vous avez 1 conversation existante au sujet de ce patient"
    r = client.get(f"{url}?members={alice.identity_id}").json
    assert r == {"title": "", "items": [], "count": 0}
    assert client.get(f"{url}?members=abc").status_code == 400
    assert client.get(f"{url}?members={10**30}").status_code == 400  # no 64-bit id
    assert client.get(f"{url}?patient={10**30}").status_code == 400
    assert relais_app.test_client().get(f"{url}?members={bob.identity_id}").status_code == 401


def test_synthesis_is_a_real_pdf_posted_in_the_thread(relais_alice, relais_bob, relais_user, tmp_path):
    import os

    os.makedirs("test-artifacts", exist_ok=True)
    alice, bob, dora = relais_alice, relais_bob, relais_user("dora", "Dora", "Petit")
    repap = make_structure("Coordination REPAP", delegates=(dora.account,))
    patient = make_patient(in_care_of=alice.account)
    photo = bob.api.post("/api/v1/attachments", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(PNG_1PX), "Plaie J3.png")}).json["attachment"]
    exchange_id = _start(alice, [bob, dora], patient=patient.id, subject="Plaie du pied").json["exchange"]["id"]
    bob.api.post(f"/api/v1/exchanges/{exchange_id}/messages",
                 json={"body": "Voici la photo d'aujourd'hui.", "attachments": [photo["id"]]})
    alice.api.post(f"/api/v1/exchanges/{exchange_id}/members", json={"members": [repap.id]})
    dora.api.post(f"/api/v1/exchanges/{exchange_id}/messages",
                  json={"body": "Passage infirmier prévu demain.", "acting_as": repap.id})
    r = alice.api.post(f"/api/v1/exchanges/{exchange_id}/synthesis", json={})
    assert r.status_code == 201, r.json
    pdf = bob.api.get(r.json["attachment"]["url"]).data
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
    assert last.kind == "synthesis" and last.author_id == alice.account.id
    again = alice.api.post(f"/api/v1/exchanges/{exchange_id}/synthesis", json={})
    newest = Message.select().order_by(Message.id.desc()).get()
    assert again.status_code == 201 and last.id not in newest.data["messages"]


def test_the_synthesis_names_a_physician_acted_for_as_the_thread_does(relais, relais_alice, relais_bob, relais_user):
    """« pour le compte de Dr MARTIN » (behalf.py's rule, as the thread, receipts and system lines say it)."""
    alice, bob = relais_alice, relais_bob
    secretary = relais_user("isabelle", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    Delegation.create(delegate=secretary.account, principal=alice.account.identity_id)
    Delegation.create(delegate=secretary.account, principal=bob.account.identity_id)
    exchange_id = _start(alice, [bob], subject="Sortie").json["exchange"]["id"]
    for who, body in ((alice, "Rendez-vous pris pour mardi."), (bob, "Pansement refait.")):
        r = secretary.api.post(f"/api/v1/exchanges/{exchange_id}/messages",
                               json={"body": body, "acting_as": who.identity_id})
        assert r.status_code == 201, r.json
    r = alice.api.post(f"/api/v1/exchanges/{exchange_id}/synthesis", json={})
    assert r.status_code == 201, r.json
    reader = PdfReader(io.BytesIO(alice.api.get(r.json["attachment"]["url"]).data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Isabelle ROUX pour le compte de Dr MARTIN" in text  # a physician
    assert "Isabelle ROUX pour le compte de Bob DURAND" in text  # a nurse: by full name


def test_the_thread_offers_the_synthesis_action(relais_alice, relais_bob):
    exchange_id = _start(relais_alice, [relais_bob]).json["exchange"]["id"]
    actions = relais_bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["actions"]
    assert [a["name"] for a in actions] == ["synthesis"]


def test_members_see_the_conversation_live_and_others_nothing(relais_alice, relais_bob, relais_user, relais_ws):
    carol = relais_user("carol", "Carole", "Roux")
    bob_live, carol_live = relais_ws(relais_bob), relais_ws(carol)
    # From the page, as a browser sends it: session cookie and CSRF header.
    r = relais_alice.browser.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": relais_alice.identity_id, "members": [relais_bob.identity_id], "subject": "Plaie",
        "body": "En direct"})
    assert r.status_code == 201, r.json
    event = bob_live.next_event("message.created")
    assert (event["exchange_id"], event["data"]["body"]) == (r.json["exchange"]["id"], "En direct")
    carol_live.assert_silent()
