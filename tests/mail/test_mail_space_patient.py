"""A patient for a mail thread: chosen afterwards (PATCH), then found by patient search and from the
patient's page; or linked on arrival when an IHE XDM package names a known INS (STANDARDS.md)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage

import pytest

from kernel.mail.inbound import accept
from kernel.models import AuditEvent, Exchange, PatientUse
from kernel.services.patients import mark_used
from mail.mail_helpers import mail_settings
from plugins.documents import hooks as documents_plugin
from plugins.mssante_mail import hooks as mail_plugin
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account, make_patient

DOMAIN = "a.mssante.fr"
INS = "279035121518989"  # a woman born in March 1979 (STANDARDS.md's valid examples)
REFUSED = "Ce patient est introuvable : choisissez-le dans la liste, ou créez-le."


@pytest.fixture
def mail(make_app, backend):
    app = make_app(backend, plugins=[("test_chat", ChatChannel()), ("mssante_mail", mail_plugin),
                                        ("documents", documents_plugin)],
                   **mail_settings(DOMAIN))
    with app.app_context():
        yield app


def receive(subject: str, *, to: str = f"julie@{DOMAIN}", xdm: bytes | None = None) -> Exchange:
    msg = EmailMessage()
    msg["From"] = "Dr Paul Noir <paul.noir@chu.mssante.fr>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Bonjour, le compte rendu est joint.")
    if xdm is not None:
        msg.add_attachment(b"%PDF-1.4 cr", maintype="application", subtype="pdf", filename="CR.pdf")
        msg.add_attachment(xdm, maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    assert accept(msg.as_bytes(), "paul.noir@chu.mssante.fr", [to], source="local")[to][0] == 250
    return Exchange.select().order_by(Exchange.id.desc()).first()


def xdm_package(ins: str = INS, birth: str = "19790315", oid: str = "1.2.250.1.213.1.4.8",
                name: str = "DUBOIS-ETIENNE^Marthe^^^^^L", sex: str = "F") -> bytes:
    """IHE_XDM.ZIP as STANDARDS.md lays it out, METADATA.XML naming the patient in the document entry
    and in the submission set, with the identity traits (PID-5 birth name and first name, PID-7, PID-8)."""
    patient_id = f"{ins}^^^&amp;{oid}&amp;ISO^NH"
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
  <rim:RegistryObjectList>
    <rim:ExtrinsicObject id="Document01" mimeType="application/pdf">
      <rim:Slot name="sourcePatientInfo"><rim:ValueList>
        <rim:Value>PID-5|{name}</rim:Value><rim:Value>PID-7|{birth}</rim:Value><rim:Value>PID-8|{sex}</rim:Value>
      </rim:ValueList></rim:Slot>
      <rim:ExternalIdentifier id="ei01" registryObject="Document01" value="{patient_id}"
          identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427">
        <rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name>
      </rim:ExternalIdentifier>
    </rim:ExtrinsicObject>
    <rim:RegistryPackage id="SubmissionSet01">
      <rim:ExternalIdentifier id="ei02" registryObject="SubmissionSet01" value="{patient_id}"
          identificationScheme="urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"/>
    </rim:RegistryPackage>
  </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("README.TXT", "Relais Santé")
        package.writestr("INDEX.HTM", "<html></html>")
        package.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        package.writestr("IHE_XDM/SUBSET01/DOC0001.PDF", b"%PDF-1.4 cr")
    return out.getvalue()


def marthe():
    return make_patient("Marthe", "DUBOIS-ÉTIENNE", birth_date=dt.date(1979, 3, 15), ins=INS)


def found(client, account, **params) -> list[int]:
    r = client.get("/mssante_mail/search", headers=bearer(account), query_string=params)
    assert r.status_code == 200, r.json
    return [e["id"] for e in r.json["exchanges"]]


def test_a_patient_chosen_for_a_received_mail_makes_it_found_by_patient(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    exchange = receive("Compte rendu")
    patient = marthe()
    mark_used(julie, patient)  # one of Julie's patients (she created or wrote about her)
    client = mail.test_client()
    assert found(client, julie, patient="étienne") == [] and exchange.patient_id is None

    r = client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(julie), json={"patient": patient.id})
    assert r.status_code == 200, r.json
    assert r.json["exchange"]["patient"]["display_name"] == "Marthe DUBOIS-ÉTIENNE (née DUBOIS-ÉTIENNE) née le 15/03/1979"
    for params in ({"patient": "étienne"}, {"patient": "ETIENNE marthe"}, {"q": "dubois"}, {"patient": str(patient.id)}):
        assert found(client, julie, **params) == [exchange.id], params
    patient_page = client.get(f"/api/v1/exchanges?patient={patient.id}", headers=bearer(julie)).json["exchanges"]
    assert [e["id"] for e in patient_page] == [exchange.id]
    update = AuditEvent.get(AuditEvent.action == "exchange.update")
    assert update.detail == "patient" and update.target == f"exchange:{exchange.id}"

    # Taken off again: no longer found by patient.
    r = client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(julie), json={"patient": None})
    assert r.status_code == 200 and r.json["exchange"]["patient"] is None
    assert found(client, julie, patient="étienne") == []


def test_a_patient_the_picker_finds_and_only_for_mail(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    bob = make_account("bob", "Bob", "Roux", addresses=(f"bob@{DOMAIN}",))
    exchange = receive("Compte rendu")
    mine = make_patient("Lucie", "PETIT")
    mark_used(julie, mine)
    client = mail.test_client()
    url = f"/api/v1/exchanges/{exchange.id}"
    r = client.patch(url, headers=bearer(julie), json={"patient": 999_999})
    assert (r.status_code, r.json["errors"]) == (422, {"patient": [REFUSED]})
    assert client.patch(url, headers=bearer(julie), json={"patient": "Marthe"}).status_code == 422
    assert client.patch(url, headers=bearer(bob), json={"patient": mine.id}).status_code == 404
    assert Exchange.get_by_id(exchange.id).patient_id is None
    chat = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "members": [bob.identity_id], "subject": "Discussion", "body": "Bonjour"})
    r = client.patch(f"/api/v1/exchanges/{chat.json['exchange']['id']}", headers=bearer(julie), json={"patient": mine.id})
    assert (r.status_code, r.json["errors"]) == (422, {"patient": ["Le patient d'une conversation se choisit en la démarrant."]})
    # Choosing puts the patient first in the account's recent patients.
    assert client.patch(url, headers=bearer(julie), json={"patient": mine.id}).status_code == 200
    assert PatientUse.select().where((PatientUse.account == julie.id) & (PatientUse.patient == mine.id)).exists()
    # As on the send screens, a patient Julie never dealt with is not found by name, nor chosen...
    stranger_patient = marthe()
    found = client.get("/api/v1/patients?q=marthe", headers=bearer(julie)).json
    assert stranger_patient.id not in [p["id"] for p in found["patients"]]
    assert client.get(f"/api/v1/patients/{stranger_patient.id}", headers=bearer(julie)).status_code == 404
    r = client.patch(url, headers=bearer(julie), json={"patient": stranger_patient.id})
    assert (r.status_code, r.json["errors"]) == (422, {"patient": [REFUSED]})
    # ...until she reaches them by their full INS (audited): then she may choose them and sees their page.
    found = client.get(f"/api/v1/patients?q={INS}", headers=bearer(julie)).json
    assert stranger_patient.id in [p["id"] for p in found["patients"]]
    assert client.patch(url, headers=bearer(julie), json={"patient": stranger_patient.id}).status_code == 200
    assert client.get(f"/api/v1/patients/{stranger_patient.id}", headers=bearer(julie)).status_code == 200


def test_an_xdm_package_naming_a_known_ins_links_the_patient_on_arrival(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    patient = marthe()
    linked = receive("XDM/1.0/DDM+Compte rendu DUBOIS Marthe", xdm=xdm_package())
    assert linked.patient_id == patient.id
    assert found(mail.test_client(), julie, patient="marthe") == [linked.id]


@pytest.mark.parametrize("package", [
    xdm_package(ins="146026322000196", birth="19460215"),  # a valid INS nobody here holds
    xdm_package(birth="19790316"),  # the known INS, another birth date: not linked on a doubt
    xdm_package(oid="1.2.250.1.213.1.4.10"),  # a test INS-NIR is not the real one
    b"PK\x03\x04 not really a zip",
], ids=["unknown-ins", "other-birth-date", "test-oid", "broken-zip"])
def test_no_link_without_a_sure_match_and_the_mail_is_still_received(mail, package):
    make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    marthe()
    exchange = receive("XDM/1.0/DDM+Compte rendu", xdm=package)
    # The documents plugin reads the package (and hides the XDM prefix from users).
    assert exchange.patient_id is None and exchange.subject == "Compte rendu"
