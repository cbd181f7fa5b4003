"""Opening an exchange writes one ``exchange.consult`` line per account, exchange and hour (patient's right to
know who saw their data), with the identity the account saw it through; polls and reloads add nothing."""
from __future__ import annotations

import datetime as dt

from kernel.models import AuditEvent
from kernel.testing import sign_in
from support.factories import bearer, make_account, make_patient, make_structure


def _consults(exchange_id: int) -> list[AuditEvent]:
    return list(AuditEvent.select().where((AuditEvent.action == "exchange.consult")
                                          & (AuditEvent.exchange_id == exchange_id)).order_by(AuditEvent.id))


def _start(client, alice, members, patient) -> int:
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": members, "subject": "Avis", "patient": patient.id,
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_opening_is_audited_once_per_hour_with_the_identity_acted_for(app, client):
    alice, bob, dora = make_account("alice"), make_account("bob"), make_account("dora")
    structure = make_structure("Coordination REPAP", delegates=(dora,))
    patient = make_patient(in_care_of=alice)
    exchange_id = _start(client, alice, [bob.identity_id, structure.id], patient)
    assert _consults(exchange_id) == []  # sending is no consultation

    for _ in range(3):  # the thread page asks the exchange, then its messages, then polls
        assert client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).status_code == 200
        assert client.get(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob)).status_code == 200
    assert client.get(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(dora)).status_code == 200

    lines = _consults(exchange_id)
    assert [(line.account_id, line.acting_as_id) for line in lines] == [(bob.id, bob.identity_id),
                                                                          (dora.id, structure.id)]
    assert all(line.patient_id == patient.id for line in lines)
    assert lines[0].detail == "channel=test_chat via=api"
    assert lines[0].request["path"] == f"/api/v1/exchanges/{exchange_id}"

    # An hour later (the line made older), one more: the memory of this node and the database agree.
    AuditEvent.update(at=lines[0].at - dt.timedelta(minutes=61)).where(AuditEvent.id == lines[0].id).execute()
    app.extensions["relais_consultations"]._seen.clear()
    assert client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).status_code == 200
    assert [line.account_id for line in _consults(exchange_id)] == [bob.id, dora.id, bob.id]


def test_a_refused_opening_writes_no_consultation(app, client):
    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    exchange_id = _start(client, alice, [bob.identity_id], make_patient(in_care_of=alice))
    assert client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(mallory)).status_code == 404
    assert client.get(f"/api/v1/exchanges/{exchange_id}/messages").status_code == 401
    assert client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob),
                       json={"body": "Réponse"}).status_code == 201
    assert _consults(exchange_id) == []


def test_the_thread_page_is_audited(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    exchange_id = _start(client, alice, [bob.identity_id], make_patient(in_care_of=alice))
    assert sign_in(app, bob).browser.get(f"/echanges/{exchange_id}").status_code == 200
    [line] = _consults(exchange_id)
    assert (line.account_id, line.detail) == (bob.id, "channel=test_chat via=page")
