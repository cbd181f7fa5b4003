"""Sending documents (DOC-1, DOC-2): the screen, every bad input at its field with nothing stored, and the mail
with its IHE_XDM.ZIP read back by an independent reader (zipfile + lxml XPath on the ebRIM namespaces)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from lxml import etree

from kernel.ins import compute_key
from kernel.mail import OutgoingMail
from kernel.models import Exchange, Job, Message
from kernel.testing import bearer, make_account, make_patient, make_structure
from plugins.documents import hooks as documents_plugin

URL = "/api/v1/channels/documents/exchanges"
pytestmark = pytest.mark.relais(plugins=[("documents", documents_plugin)], mail_domains=["a.mssante.fr"],
                                mail_receiver_port=0)
NS = {"lcm": "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0", "rim": "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"}
INS = "2850377123456" + compute_key("2850377123456")
PDF1 = b"%PDF-1.4\n% compte rendu\n" + b"x" * 300
PDF2 = b"%PDF-1.4\n% ordonnance\n" + b"y" * 120


@pytest.fixture
def people(relais_app):
    julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    julie.rpps = "10001234567"
    julie.save()
    paul = make_account("paul", "Paul", "Durand", addresses=("paul@a.mssante.fr",))
    return julie, paul


def upload(client, account, content=PDF1, name="Compte rendu.pdf", kind="application/pdf"):
    r = client.post("/api/v1/attachments", headers=bearer(account), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), name, kind)})
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def _nothing_stored() -> None:
    assert (Exchange.select().count(), Message.select().count(), OutgoingMail.select().count(),
            Job.select().count()) == (0, 0, 0, 0)


def _payload(julie, patient, ids, **more):
    documents = {}
    for i, attachment in enumerate(ids):
        documents[f"type_{attachment}"] = ["11488-4", "57833-6"][i % 2]
        documents[f"date_{attachment}"] = ["2026-12-01", "2026-11-30"][i % 2]
    return {"acting_as": julie.identity_id, "recipients": ["paul@a.mssante.fr"], "patient": patient.id,
            "attachments": ids, "descriptions": documents, **more}


def test_the_single_screen(relais_app, people):
    julie, _ = people
    client = relais_app.test_client()
    body = client.get("/api/v1/channels/documents/form", headers=bearer(julie)).json
    assert body["channel"]["group"] == "MSSanté" and body["channel"]["space"] == "mail"
    fields = {f["name"]: f for f in body["fields"]}
    # No connector: none of the DOC-2 options is offered.
    assert list(fields) == ["acting_as", "recipients", "patient", "attachments", "descriptions"]
    assert all(fields[n]["required"] for n in ("recipients", "patient", "attachments"))
    assert fields["descriptions"]["options"] == {"url": "/documents/champs", "watch": ["attachments"]}
    first = upload(client, julie)
    asked = client.get(f"/documents/champs?attachments={first}", headers=bearer(julie)).json
    kinds = {f["name"]: f for f in asked["fields"]}
    assert set(kinds) == {f"type_{first}", f"date_{first}"}
    values = {c["value"]: c["label"] for c in kinds[f"type_{first}"]["choices"]}
    assert values["11488-4"] == "Compte rendu de consultation (11488-4)"
    assert {"34133-9", "11490-0", "57833-6", "18748-4", "11502-2", "11526-1", "34794-8"} <= set(values)
    assert kinds[f"type_{first}"]["options"]["search"] is True
    # Someone else's file is not described (nor named).
    _, paul = people
    assert client.get(f"/documents/champs?attachments={first}", headers=bearer(paul)).json["fields"] == []


def test_every_bad_input_is_refused_at_its_field_and_nothing_is_stored(relais_app, people):
    julie, _ = people
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), ins=INS, in_care_of=julie)
    client = relais_app.test_client()
    pdf = upload(client, julie)
    image = upload(client, julie, b"\x89PNG\r\n\x1a\n" + b"0" * 50, "photo.png", "image/png")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    r = client.post(URL, headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["pas-une-adresse", "inconnu@b.mssante.fr"],
        "attachments": [pdf, image],
        "descriptions": {f"type_{pdf}": "99999-9", f"date_{pdf}": tomorrow, f"date_{image}": "2026-01-01"}})
    assert r.status_code == 422
    errors = r.json["errors"]
    assert errors["patient"] == ["Ce champ est obligatoire."]
    r = client.post(URL, headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["pas-une-adresse", "inconnu@b.mssante.fr"],
        "patient": patient.id, "attachments": [pdf, image],
        "descriptions": {f"type_{pdf}": "99999-9", f"date_{pdf}": tomorrow, f"date_{image}": "pas une date"}})
    assert r.status_code == 422
    assert r.json["errors"] == {
        "recipients": ["« pas-une-adresse » n'est pas une adresse de messagerie valide.",
                       "« inconnu@b.mssante.fr » n'est pas une adresse MSSanté publiée dans l'annuaire national : "
                       "vérifiez-la ou choisissez le destinataire dans l'annuaire."],
        "attachments": ["« photo.png » n'est pas un PDF : seuls les documents PDF peuvent être envoyés "
                        "(imprimez-le en PDF)."],
        f"descriptions.type_{pdf}": ["Ce type de document n'existe pas : choisissez-le dans la liste."],
        f"descriptions.date_{pdf}": ["La date du document ne peut pas être dans le futur."],
        f"descriptions.type_{image}": ["Choisissez le type de ce document."],
        f"descriptions.date_{image}": ["Indiquez la date de ce document (JJ/MM/AAAA)."],
    }
    r = client.post(URL, headers=bearer(julie), json={**_payload(julie, patient, [pdf]), "attachments": []})
    assert r.status_code == 422 and r.json["errors"]["attachments"] == ["Ajoutez au moins une pièce jointe."]
    _nothing_stored()


def test_a_sender_without_mssante_is_refused(relais_app, people):
    _, paul = people
    nurse = make_account("claire", "Claire", "Moreau", profession="Secrétaire médicale", eligible=False)
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), ins=INS, in_care_of=nurse)
    client = relais_app.test_client()
    r = client.post(URL, headers=bearer(nurse), json=_payload(nurse, patient, [upload(client, nurse)]))
    assert r.status_code == 422
    assert r.json["errors"]["acting_as"][0].startswith("Votre profession n'est pas éligible à MSSanté")


def _values(element, slot):
    return element.xpath(f"rim:Slot[@name='{slot}']/rim:ValueList/rim:Value/text()", namespaces=NS)


def _code(element, scheme):
    [found] = element.xpath(f"rim:Classification[@classificationScheme='{scheme}']", namespaces=NS)
    return (found.get("nodeRepresentation"),
            found.xpath("rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value/text()", namespaces=NS)[0])


def test_the_mail_carries_the_documents_and_an_xdm_package_that_says_it_all(relais_app, people, relais_outbox):
    julie, _ = people
    structure = make_structure("Cabinet des Lilas", delegates=(julie,))
    structure.finess = "750000001"
    structure.save()
    patient = make_patient("Marie Hélène", "DUPONT", birth_date=dt.date(1985, 3, 12), ins=INS, in_care_of=julie)
    client = relais_app.test_client()
    ids = [upload(client, julie, PDF1, "CR consultation.pdf"), upload(client, julie, PDF2, "Ordonnance.pdf")]
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    r = client.post(URL, headers=bearer(julie), json=_payload(julie, patient, ids))
    assert r.status_code == 201, r.json
    exchange = Exchange.get()
    assert exchange.subject == "Compte rendu de consultation DUPONT Marie 12/03/1985"  # the prefix hidden
    assert exchange.patient_id == patient.id and exchange.space == "mail"
    [mail] = relais_outbox.mails()
    assert mail.subject == "XDM/1.0/DDM+Compte rendu de consultation DUPONT Marie 12/03/1985"
    assert mail.to == ["paul@a.mssante.fr"] and mail.mail_from == "julie@a.mssante.fr"
    assert mail.message["X-MSS-INS"] == "O" and mail.message["X-MSS-CODECDA"] == "11488-4,57833-6"
    names = [name for name, _, _ in mail.attachments]
    assert names == ["CR consultation.pdf", "Ordonnance.pdf", "IHE_XDM.ZIP"]
    assert mail.attachments[0][2] == PDF1 and mail.attachments[1][2] == PDF2

    package = zipfile.ZipFile(io.BytesIO(mail.attachments[2][2]))
    assert sorted(package.namelist()) == ["IHE_XDM/SUBSET01/DOC0001.PDF", "IHE_XDM/SUBSET01/DOC0002.PDF",
                                          "IHE_XDM/SUBSET01/METADATA.XML", "INDEX.HTM", "README.TXT"]
    assert "DOC0001.PDF" in package.read("INDEX.HTM").decode()
    root = etree.fromstring(package.read("IHE_XDM/SUBSET01/METADATA.XML"))
    assert root.tag == "{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}SubmitObjectsRequest"
    entries = root.xpath("//rim:ExtrinsicObject", namespaces=NS)
    assert len(entries) == 2
    patient_id = f"{INS}^^^&1.2.250.1.213.1.4.8&ISO^NH"
    for entry, content, code, label, day in zip(entries, (PDF1, PDF2), ("11488-4", "57833-6"),
                                               ("Compte rendu de consultation", "Prescription"),
                                               ("20261201", "20261130")):
        uri = _values(entry, "URI")[0]
        stored = package.read(f"IHE_XDM/SUBSET01/{uri}")
        assert stored == content
        assert _values(entry, "hash") == [hashlib.sha1(content).hexdigest()]
        assert _values(entry, "size") == [str(len(content))]
        assert _values(entry, "creationTime")[0].startswith(day)
        assert _values(entry, "languageCode") == ["fr-FR"]
        assert entry.get("mimeType") == "application/pdf"
        assert _values(entry, "sourcePatientId") == [patient_id]
        assert _values(entry, "sourcePatientInfo") == [f"PID-3|{patient_id}", "PID-5|DUPONT^Marie^Marie Hélène^^^^L",
                                                       "PID-7|19850312", "PID-8|F"]
        assert entry.xpath("rim:Name/rim:LocalizedString/@value", namespaces=NS) == [label]
        [external] = entry.xpath("rim:ExternalIdentifier[@identificationScheme="
                                 "'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']", namespaces=NS)
        assert external.get("value") == patient_id
        assert _code(entry, "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983") == (code, "2.16.840.1.113883.6.1")
        assert _code(entry, "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a")[1] == "1.2.250.1.213.1.1.4.1"
        assert _code(entry, "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d")[0] == "urn:ihe:iti:xds-sd:pdf:2008"
        assert _code(entry, "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f") == ("N", "2.16.840.1.113883.5.25")
        assert _code(entry, "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1")[1] == "1.2.250.1.71.4.2.4"
        assert _code(entry, "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead")[1] == "1.2.250.1.213.1.1.4.9"
        [author] = entry.xpath("rim:Classification[@classificationScheme="
                               "'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d']", namespaces=NS)
        assert _values(author, "authorPerson") == ["810001234567^BERNARD^Julie^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"]
        assert entry.xpath("rim:ExternalIdentifier[@identificationScheme="
                           "'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value", namespaces=NS)[0]
    [submission] = root.xpath("//rim:RegistryPackage", namespaces=NS)
    submitted = dt.datetime.strptime(_values(submission, "submissionTime")[0], "%Y%m%d%H%M%S").replace(
        tzinfo=dt.timezone.utc)
    assert before <= submitted <= dt.datetime.now(dt.timezone.utc)
    assert _code(submission, "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500")[1] == "1.2.250.1.213.2.2"
    assert root.xpath("//rim:Classification[@classifiedObject='SubmissionSet01']/@classificationNode",
                      namespaces=NS) == ["urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"]
    assert sorted(root.xpath("//rim:Association[@sourceObject='SubmissionSet01']/@targetObject", namespaces=NS)) \
        == ["Document01", "Document02"]
    message = Message.get()
    assert message.kind == "mail" and [d["type"] for d in message.data["documents"]["documents"]] == \
        ["11488-4", "57833-6"]


def test_an_unqualified_identity_travels_with_the_local_id(relais_app, people, relais_outbox):
    julie, _ = people
    patient = make_patient("Jean", "MARTIN", "M", birth_date=dt.date(1950, 1, 2), in_care_of=julie)
    client = relais_app.test_client()
    r = client.post(URL, headers=bearer(julie), json=_payload(julie, patient, [upload(client, julie)]))
    assert r.status_code == 201, r.json
    [mail] = relais_outbox.mails()
    assert mail.message["X-MSS-INS"] == "N"
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(mail.attachments[-1][2])).read(
        "IHE_XDM/SUBSET01/METADATA.XML"))
    assert _values(root.xpath("//rim:ExtrinsicObject", namespaces=NS)[0], "sourcePatientId") == \
        [f"{patient.id}^^^&1.2.250.1.999.1.1&ISO^PI"]
