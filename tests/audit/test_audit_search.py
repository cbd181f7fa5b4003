"""Audit search for administrators: every filter, newest first, pages, the CSV file (BOM, « ; », formulas
neutralised), French errors at their field, 403 for anyone else; and no line ever holds a message's words."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from kernel.models import AuditEvent
from support.factories import bearer, make_account, make_patient, make_structure

SECRET_WORD = "Zygopetalum7431"


@pytest.fixture
def trail(app, client):
    """Alice writes to Bob about a patient, twice, as herself and for her structure; Bob opens it."""
    admin = make_account("admin", is_admin=True)
    alice, bob = make_account("alice"), make_account("bob")
    structure = make_structure("Coordination REPAP", delegates=(alice,))
    patient = make_patient(in_care_of=alice)
    other = make_patient(in_care_of=alice)
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "patient": patient.id,
        "body": f"Bonjour {SECRET_WORD}"})
    exchange_id = r.json["exchange"]["id"]
    assert client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob),
                       json={"body": f"Réponse {SECRET_WORD}"}).status_code == 201
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": structure.id, "members": [bob.identity_id], "subject": "Autre", "patient": other.id,
        "body": "Second"})
    other_exchange = r.json["exchange"]["id"]
    assert client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).status_code == 200
    return dict(admin=admin, alice=alice, bob=bob, structure=structure, patient=patient, other=other,
                exchange_id=exchange_id, other_exchange=other_exchange)


def _search(client, admin, **params):
    r = client.get("/api/v1/admin/audit", headers=bearer(admin), query_string=params)
    assert r.status_code == 200, r.json
    return r.json


def test_no_audit_line_holds_a_message_s_content(trail, client):
    for line in AuditEvent.select():
        assert SECRET_WORD not in f"{line.target} {line.detail} {line.request}"
    csv_text = client.get("/api/v1/admin/audit/export.csv", headers=bearer(trail["admin"])).get_data(as_text=True)
    assert SECRET_WORD not in csv_text


def test_each_filter(trail, client):
    t, admin = trail, trail["admin"]
    everything = _search(client, admin)["lines"]
    assert [line["id"] for line in everything] == sorted((line["id"] for line in everything), reverse=True)

    by_bob = _search(client, admin, account=t["bob"].login)["lines"]
    assert {line["action"] for line in by_bob} == {"message.create", "exchange.consult"}
    assert all(line["account"]["login"] == "bob" for line in by_bob)
    assert _search(client, admin, account=str(t["bob"].id))["lines"] == by_bob

    for_structure = _search(client, admin, acting_as=str(t["structure"].id))["lines"]
    assert [(line["action"], line["exchange_id"]) for line in for_structure] == [("exchange.create", t["other_exchange"])]
    assert for_structure[0]["acting_as"]["display_name"] == "Coordination REPAP"

    about = _search(client, admin, exchange=t["exchange_id"])["lines"]
    assert [line["action"] for line in about] == ["exchange.consult", "message.create", "exchange.create"]

    # A patient's lines: about them, and about their exchanges (the exchange's lines name no patient).
    of_patient = _search(client, admin, patient=str(t["patient"].id))["lines"]
    assert {line["exchange_id"] for line in of_patient} == {t["exchange_id"]}
    assert len(of_patient) == 3

    consults = _search(client, admin, action="exchange.consult")["lines"]
    assert [(c["account"]["id"], c["exchange_id"]) for c in consults] == [(t["bob"].id, t["exchange_id"])]
    assert consults[0]["action_label"] == "Consultation d'un échange"

    assert _search(client, admin, outcome="refused")["lines"] == []
    today = dt.date.today()
    assert len(_search(client, admin, **{"from": (today - dt.timedelta(days=1)).isoformat(),
                                         "to": (today + dt.timedelta(days=1)).isoformat()})["lines"]) == len(everything)
    assert _search(client, admin, **{"to": (today - dt.timedelta(days=2)).isoformat()})["lines"] == []


def test_pages_newest_first(trail, client):
    admin = trail["admin"]
    first = _search(client, admin, per_page=2)
    second = _search(client, admin, per_page=2, page=2)
    assert first["has_more"] and len(first["lines"]) == 2
    assert first["lines"][-1]["id"] > second["lines"][0]["id"]
    everything = _search(client, admin, per_page=200)
    assert not everything["has_more"]


@pytest.mark.parametrize("params, field, message", [
    ({"account": "personne"}, "account", "Aucun compte n'a cet identifiant ni ce numéro."),
    ({"acting_as": "inconnu@exemple.mssante.fr"}, "acting_as", "Aucune identité n'a cette adresse MSSanté ni ce numéro."),
    ({"patient": "999999"}, "patient", "Aucun patient n'a cet INS ni ce numéro."),
    ({"exchange": "douze"}, "exchange", "Saisissez un nombre entier."),
    ({"exchange": "0"}, "exchange", "Saisissez un numéro d'échange."),
    ({"action": "message.read_all"}, "action", "Cette action n'existe pas : choisissez-en une de la liste."),
    ({"outcome": "peut-être"}, "outcome", "Choisissez un résultat de la liste."),
    ({"from": "2026-02-30"}, "from", "Saisissez une date valide (AAAA-MM-JJ)."),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "Le dernier jour doit suivre le premier."),
    ({"per_page": "500"}, "per_page", "De 1 à 200 lignes par page."),
    ({"page": "0"}, "page", "Page de 1 à 100 000."),
])
def test_bad_filters_are_refused_at_their_field(trail, client, params, field, message):
    for url in ("/api/v1/admin/audit", "/api/v1/admin/audit/export.csv"):
        r = client.get(url, headers=bearer(trail["admin"]), query_string=params)
        assert r.status_code == 422
        assert r.json == {"errors": {field: [message]}}


def test_only_administrators(trail, client):
    for url in ("/api/v1/admin/audit", "/api/v1/admin/audit/export.csv", "/api/v1/admin/audit/choices"):
        r = client.get(url, headers=bearer(trail["alice"]))
        assert (r.status_code, r.json) == (403, {"errors": {"_schema": ["Réservé aux administrateurs de la plateforme."]}})
        assert client.get(url).status_code == 401


def test_csv_export(trail, client):
    t = trail
    # A line whose text would be a formula in a spreadsheet.
    with client.application.app_context():
        client.application.extensions["relais"].audit.record("login", target="login:x", detail="=HYPERLINK(1)", outcome="refused")
    r = client.get("/api/v1/admin/audit/export.csv", headers=bearer(t["admin"]),
                   query_string={"exchange": t["exchange_id"]})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="journal-audit-')
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Date et heure (Paris)", "Compte", "Identifiant", "Agissant pour", "Action"]
    assert [row[5] for row in rows[1:]] == ["exchange.consult", "message.create", "exchange.create"]
    assert rows[1][1:5] == [t["bob"].full_name, "bob", t["bob"].full_name, "Consultation d'un échange"]
    everything = client.get("/api/v1/admin/audit/export.csv", headers=bearer(t["admin"]),
                            query_string={"outcome": "refused"}).get_data().decode("utf-8-sig")
    assert ";'=HYPERLINK(1)\r\n" in everything
    # The export is itself in the trail, with the filters used but not what they matched.
    [export] = AuditEvent.select().where(AuditEvent.action == "audit.export").order_by(AuditEvent.id).limit(1)
    assert (export.account_id, export.detail) == (t["admin"].id, "filters=exchange")


def test_choices(trail, client):
    r = client.get("/api/v1/admin/audit/choices", headers=bearer(trail["admin"]))
    actions = {c["value"]: c["label"] for c in r.json["actions"]}
    assert actions["exchange.consult"] == "Consultation d'un échange"
    assert "message.create" in actions and "login" in actions
    assert {"value": "refused", "label": "Refusé"} in r.json["outcomes"]
