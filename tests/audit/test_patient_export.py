"""The patient-data export of a right-of-access request: one PDF of every exchange about the patient, all
channels, with authors, times and attachments listed, headed by the patient's identity and the request date;
audited ``patient.export`` (counts, never content); administrators only. The PDF is read back with pypdf."""
from __future__ import annotations

import base64
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from kernel.models import AuditEvent, Delegation, Exchange, Message
from support.factories import bearer, make_account, make_patient, make_structure

INS = "279035121518989"


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def request_for_access(app, client):
    admin = make_account("admin", is_admin=True)
    alice, bob = make_account("alice"), make_account("bob")
    patient = make_patient("Philomène", "QUETZALCOATL", birth_date=dt.date(1979, 3, 15), ins=INS, in_care_of=alice)
    up = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"compte rendu"), "compte-rendu-echo.txt")}).json["attachment"]
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis sur l'échographie",
        "patient": patient.id, "body": "Pouvez-vous relire l'échographie ?", "attachments": [up["id"]]})
    chat = r.json["exchange"]["id"]
    assert client.post(f"/api/v1/exchanges/{chat}/messages", headers=bearer(bob),
                       json={"body": "Relue : rien d'anormal."}).status_code == 201
    # Another channel, with a mail received from outside the platform.
    mail = Exchange.create(channel="mail_externe", space="mail", subject="Résultats du laboratoire", patient=patient)
    Message.create(exchange=mail, kind="mail", body="Ci-joint les résultats de la NFS.",
                   data={"mail": {"from": "labo@biologie.mssante.fr", "from_name": "Laboratoire Bio"}})
    other = make_patient("Jeanne", "AUTRE", in_care_of=alice)
    client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Pas ce patient-là",
        "patient": other.id, "body": "Rien à voir."})
    return dict(admin=admin, alice=alice, patient=patient, other=other)


def test_the_pdf_holds_every_exchange_about_the_patient(request_for_access, client):
    t = request_for_access
    r = client.post(f"/api/v1/admin/patients/{t['patient'].id}/export", headers=bearer(t["admin"]))
    assert r.status_code == 200, r.json
    export = r.json["export"]
    assert (export["exchanges"], export["messages"], export["content_type"]) == (2, 3, "application/pdf")
    today = dt.datetime.now(ZoneInfo("Europe/Paris"))
    assert export["filename"] == f"donnees-patient-{t['patient'].id}-{dt.datetime.utcnow():%Y%m%d}.pdf"
    pdf = base64.b64decode(export["pdf_base64"])
    assert pdf.startswith(b"%PDF") and len(pdf) == export["size"]
    text = _text(pdf)
    for expected in ("Données du patient", "Philomène QUETZALCOATL", "née le 15/03/1979", f"INS {INS}",
                     f"Date de la demande {today:%d/%m/%Y}", "Établi par", t["admin"].full_name,
                     "Avis sur l'échographie", "Pouvez-vous relire l'échographie ?", "Relue : rien d'anormal.",
                     t["alice"].full_name, "compte-rendu-echo.txt", "Résultats du laboratoire",
                     "Laboratoire Bio <labo@biologie.mssante.fr>", "Ci-joint les résultats de la NFS.",
                     "2 échanges, 3 messages", "Page 1 sur"):
        assert expected in text, expected
    assert "Pas ce patient-là" not in text and "Rien à voir" not in text

    [line] = AuditEvent.select().where(AuditEvent.action == "patient.export")
    assert (line.account_id, line.patient_id, line.detail) == (t["admin"].id, t["patient"].id,
                                                               "exchanges=2 messages=3")


def test_a_patient_without_exchanges(request_for_access, client):
    lonely = make_patient("Paul", "SEUL", sex="M")
    r = client.post(f"/api/v1/admin/patients/{lonely.id}/export", headers=bearer(request_for_access["admin"]))
    assert r.status_code == 200
    assert "Aucun échange ne concerne ce patient" in _text(base64.b64decode(r.json["export"]["pdf_base64"]))


def test_only_administrators_and_known_patients(request_for_access, client):
    t = request_for_access
    url = f"/api/v1/admin/patients/{t['patient'].id}/export"
    r = client.post(url, headers=bearer(t["alice"]))  # in the patient's care, but no administrator
    assert (r.status_code, r.json) == (403, {"errors": {"_schema": ["Réservé aux administrateurs de la plateforme."]}})
    assert client.post(url).status_code == 401
    r = client.post("/api/v1/admin/patients/987654/export", headers=bearer(t["admin"]))
    assert (r.status_code, r.json) == (404, {"errors": {"_schema": ["Ce patient est introuvable."]}})
    assert AuditEvent.select().where(AuditEvent.action == "patient.export").count() == 0


def test_find_and_consultations(request_for_access, client):
    t = request_for_access
    admin = bearer(t["admin"])
    r = client.get("/api/v1/admin/patients/find", headers=admin, query_string={"q": "2 79 03 51 215 189 89"})
    assert r.status_code == 200 and r.json["patient"]["id"] == t["patient"].id
    assert client.get("/api/v1/admin/patients/find", headers=admin,
                      query_string={"q": str(t["other"].id)}).json["patient"]["id"] == t["other"].id
    r = client.get("/api/v1/admin/patients/find", headers=admin, query_string={"q": "179035121518989"})
    assert (r.status_code, r.json) == (404, {"errors": {"q": ["Aucun patient n'a cet INS ni ce numéro."]}})
    r = client.get("/api/v1/admin/patients/find", headers=admin, query_string={"q": "  "})
    assert (r.status_code, r.json) == (422, {"errors": {"q": ["Ce champ est obligatoire."]}})
    assert [line.outcome for line in AuditEvent.select().where(AuditEvent.action == "patient.find")
            .order_by(AuditEvent.id)] == ["ok", "ok", "refused"]

    chat = Exchange.get(Exchange.subject == "Avis sur l'échographie").id
    assert client.get(f"/api/v1/exchanges/{chat}", headers=bearer(t["alice"])).status_code == 200
    r = client.get(f"/api/v1/admin/patients/{t['patient'].id}/consultations", headers=admin)
    assert r.status_code == 200
    [seen] = r.json["consultations"]
    assert (seen["account"]["login"], seen["acting_as"]["id"], seen["exchange_id"], seen["subject"], seen["channel"],
            seen["via"]) == ("alice", t["alice"].identity_id, chat, "Avis sur l'échographie", "test_chat", "api")
    assert seen["channel_label"] == "Conversations · test_chat"
    r = client.get(f"/api/v1/admin/patients/{t['patient'].id}/consultations", headers=admin,
                   query_string={"offset": "-1"})
    assert (r.status_code, r.json) == (422, {"errors": {"offset": ["Saisissez un nombre entier positif."]}})


def test_a_message_written_for_a_physician_names_her_as_the_thread_does(app, client):
    """« pour le compte de Dr BERNARD », by the rule of the thread, receipts and system lines (behalf.py); a
    structure by its name; a non-physician professional by full name."""
    admin = make_account("admin", is_admin=True)
    doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste")
    nurse = make_account("nurse", "Hélène", "Étienne", profession="Infirmière")
    secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    repap = make_structure("Coordination REPAP", delegates=(secretary,))
    for principal in (doctor.identity, nurse.identity):
        Delegation.create(delegate=secretary, principal=principal)
    patient = make_patient("Philomène", "QUETZALCOATL", in_care_of=doctor)
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(doctor), json={
        "acting_as": doctor.identity_id, "members": [nurse.identity_id, repap.id], "subject": "Suivi",
        "patient": patient.id, "body": "Bonjour"})
    assert r.status_code == 201, r.json
    chat = r.json["exchange"]["id"]
    for acting_as, body in ((doctor.identity_id, "Rendez-vous pris."), (nurse.identity_id, "Pansement noté."),
                            (repap.id, "Dossier transmis.")):
        r = client.post(f"/api/v1/exchanges/{chat}/messages", headers=bearer(secretary),
                        json={"body": body, "acting_as": acting_as})
        assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/admin/patients/{patient.id}/export", headers=bearer(admin))
    text = _text(base64.b64decode(r.json["export"]["pdf_base64"]))
    for expected in ("Isabelle ROUX pour le compte de Dr BERNARD", "Isabelle ROUX pour le compte de Hélène ÉTIENNE",
                     "Isabelle ROUX pour le compte de Coordination REPAP"):
        assert expected in text, expected
    assert "pour le compte de Julie BERNARD" not in text
