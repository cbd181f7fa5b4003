"""« Qui a consulté ? »: a file pushed into hospital software (« Envoyer vers mon logiciel ») is read out of the
platform, as a download is: one ``exchange.consult`` line per exchange carrying it, ``attachment:<id>``, once
per account, file and hour whichever way it was read; a push that fails at once writes none."""
from __future__ import annotations

import io

import pytest

from kernel import Connector, IntegrationReceipt, hookimpl
from kernel.models import AuditEvent
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account, make_patient


class Software:
    """« sur » integrates; « instable » fails the first time it is asked, then answers later (pending)."""

    def __init__(self) -> None:
        self.asked = 0

    @hookimpl
    def register_connectors(self):
        return [Connector("sur", "Logiciel sûr"), Connector("instable", "Logiciel instable")]

    @hookimpl
    def integrate(self, document, target, integration):
        if target == "sur":
            return IntegrationReceipt("sur", True, "Document intégré.", reference="S-1")
        if target == "instable":
            self.asked += 1
            if self.asked == 1:
                return IntegrationReceipt("instable", False, "Le logiciel a refusé le document.")
            return IntegrationReceipt("instable", True, "Envoi en cours.", pending=True)
        return None


@pytest.fixture
def pushing(make_app, backend):
    app = make_app(backend, plugins=[("test_chat", ChatChannel()), ("software", Software())])
    with app.app_context():
        yield app


def _consults() -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == "exchange.consult").order_by(AuditEvent.id))


def _sent(client, alice, bob, patient) -> tuple[int, list[int]]:
    """A file alice sent to bob in two exchanges about the patient."""
    r = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4 compte rendu"), "cr-dupont.pdf")})
    attachment = r.json["attachment"]["id"]
    exchanges = []
    for subject in ("Avis", "Suite"):
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": subject,
            "patient": patient.id, "body": "Bonjour", "attachments": [attachment]})
        assert r.status_code == 201, r.json
        exchanges.append(r.json["exchange"]["id"])
    return attachment, exchanges


def test_a_file_pushed_to_software_is_a_consultation_of_each_exchange_carrying_it(pushing):
    client = pushing.test_client()
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    admin = make_account("admin", is_admin=True)
    patient = make_patient(in_care_of=alice)
    attachment, exchanges = _sent(client, alice, bob, patient)
    assert _consults() == []

    r = client.post(f"/api/v1/attachments/{attachment}/integrate", headers=bearer(bob),
                    json={"target": "sur", "exchange": exchanges[0]})
    assert r.status_code == 200, r.json
    lines = _consults()
    assert [(line.account_id, line.exchange_id, line.acting_as_id, line.patient_id, line.target, line.detail)
            for line in lines] == [
        (bob.id, exchange, bob.identity_id, patient.id, f"attachment:{attachment}", "channel=test_chat via=integration")
        for exchange in exchanges]
    assert "dupont" not in " ".join(str(line.request) + line.detail for line in lines).lower()

    # Pushed again, then downloaded, within the hour: the file was already counted for bob.
    assert client.post(f"/api/v1/attachments/{attachment}/integrate", headers=bearer(bob),
                       json={"target": "sur"}).status_code == 200
    assert client.get(f"/api/v1/attachments/{attachment}", headers=bearer(bob)).status_code == 200
    assert len(_consults()) == 2

    answer = client.get(f"/api/v1/admin/patients/{patient.id}/consultations", headers=bearer(admin)).json
    assert {(c["account"]["login"], c["via"], c["via_label"]) for c in answer["consultations"]} == {
        ("bob", "integration", f"Une pièce jointe, envoyée vers un logiciel ou un dossier patient (n° {attachment})")}


def test_a_push_that_fails_at_once_is_no_consultation_its_retry_is(pushing):
    client = pushing.test_client()
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    patient = make_patient(in_care_of=alice)
    attachment, exchanges = _sent(client, alice, bob, patient)
    r = client.post(f"/api/v1/attachments/{attachment}/integrate", headers=bearer(bob), json={"target": "instable"})
    assert r.status_code == 502, r.json
    assert _consults() == []
    r = client.post(f"/api/v1/integrations/{r.json['integration']['id']}/retry", headers=bearer(bob))
    assert r.status_code == 202, r.json  # on its way: the software has it
    assert [(line.account_id, line.exchange_id, line.detail) for line in _consults()] == [
        (bob.id, exchange, "channel=test_chat via=integration") for exchange in exchanges]


def test_an_upload_not_yet_sent_pushed_by_its_uploader_consults_nothing(pushing):
    client = pushing.test_client()
    alice = make_account("alice")
    r = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4 brouillon"), "brouillon.pdf")})
    attachment = r.json["attachment"]["id"]
    assert client.post(f"/api/v1/attachments/{attachment}/integrate", headers=bearer(alice),
                       json={"target": "sur"}).status_code == 200
    assert _consults() == []
