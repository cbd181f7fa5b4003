"""Receiving documents (DOC-3, DOC-4): a document mail this platform built, received through the platform's own
SMTP receiver, shows as documents about the patient (linked on the INS and every trait), the XDM prefix hidden,
and is answered by secure mail pre-filled with the sender, the patient and the subject."""
from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from kernel.ins import compute_key
from kernel.mail import OutgoingRecipient
from kernel.models import Exchange, Message
from support.factories import bearer, make_account, make_patient
from mail.mail_helpers import mail_settings, publish_address, relais_of, running_receiver
from plugins.documents import hooks as documents_plugin
from plugins.mssante_mail import hooks as mail_plugin

INS = "2850377123456" + compute_key("2850377123456")
PDF = b"%PDF-1.4\n% compte rendu\n" + b"z" * 200
PLUGINS = [("mssante_mail", mail_plugin), ("documents", documents_plugin)]


@pytest.fixture
def platforms(make_app, backend):
    """Two platforms, each one's relay the other's receiver: Julie on A sends a consultation report about Marie
    to Paul on B, where Marie is registered with the same qualified identity."""
    a = make_app(backend, plugins=PLUGINS, name="platform-a", **mail_settings("a.mssante.fr"))
    b = make_app(backend, plugins=PLUGINS, name="platform-b", **mail_settings("b.mssante.fr"))
    with running_receiver(a) as receiver_a, running_receiver(b) as receiver_b:
        relais_of(a).config["mail_relay_port"] = receiver_b.port
        relais_of(b).config["mail_relay_port"] = receiver_a.port
        with a.app_context():
            julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
            publish_address("paul@b.mssante.fr", "Dr Paul DURAND")
            marie_a = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), ins=INS, in_care_of=julie)
            client = a.test_client()
            upload = client.post("/api/v1/attachments", headers=bearer(julie), content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(PDF), "CR.pdf", "application/pdf")}).json["attachment"]["id"]
        with b.app_context():
            paul = make_account("paul", "Paul", "Durand", addresses=("paul@b.mssante.fr",))
            marie = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), ins=INS)
        with a.app_context():
            r = client.post("/api/v1/channels/documents/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "recipients": ["paul@b.mssante.fr"], "patient": marie_a.id,
                "attachments": [upload], "descriptions": {f"type_{upload}": "11488-4", f"date_{upload}": "2026-12-01"}})
            assert r.status_code == 201, r.json
            assert relais_of(a).jobs.run_pending() == 1  # SMTP to B's receiver
            assert OutgoingRecipient.get().status == "sent"
        with b.app_context():
            yield a, b, julie, paul, marie


def _received() -> Exchange:
    return Exchange.get((Exchange.channel == "mssante_mail") & (Exchange.space == "mail"))


def test_a_document_mail_received_by_smtp_shows_its_documents_and_patient(platforms):
    a, b, julie, paul, marie = platforms
    exchange = _received()
    assert exchange.subject == "Compte rendu de consultation DUPONT Marie 12/03/1985"  # no XDM prefix
    assert exchange.patient_id == marie.id  # the INS and every trait agree
    message = Message.get(Message.exchange == exchange.id)
    assert message.data["mail"]["subject"] == exchange.subject  # what users read
    assert message.data["documents"]["received_subject"] == "XDM/1.0/DDM+" + exchange.subject  # as received
    assert message.data["documents"]["documents"][0]["type_code"] == "11488-4"
    client = b.test_client()
    body = client.get(f"/api/v1/exchanges/{exchange.id}", headers=bearer(paul)).json["exchange"]
    panels = {p["name"]: p for p in body["panels"]}
    assert panels["documents_received"]["text"] == (
        f"Patient : DUPONT Marie, né(e) le 12/03/1985, INS {INS}. "
        "Documents : Compte rendu de consultation du 01/12/2026.")
    assert "identity_check" not in panels
    [reply] = [x for x in body["actions"] if x["name"] == "documents_reply"]
    assert reply["label"] == "Répondre par mail sécurisé" and reply["method"] == "GET"
    url = urlsplit(reply["url"])
    assert url.path == "/envoyer/mssante_mail"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "destinataire": "julie@a.mssante.fr", "nom": "Julie BERNARD", "patient": str(marie.id),
        "objet": "Re: Compte rendu de consultation DUPONT Marie 12/03/1985"}
    [listed] = client.get("/api/v1/exchanges?space=mail", headers=bearer(paul)).json["exchanges"]
    assert listed["subject"] == "Compte rendu de consultation DUPONT Marie 12/03/1985"
    # The PDF arrives as itself, beside the package, ready for « Envoyer vers mon logiciel ».
    [shown] = client.get(f"/api/v1/exchanges/{exchange.id}/messages", headers=bearer(paul)).json["messages"]
    assert [x["filename"] for x in shown["attachments"]] == ["CR.pdf", "IHE_XDM.ZIP"]
    assert client.get(shown["attachments"][0]["url"], headers=bearer(paul)).data == PDF


def test_the_senders_own_thread_offers_no_reply_by_mail(platforms):
    a, b, julie, paul, marie = platforms
    with a.app_context():
        mine = Exchange.get(Exchange.channel == "documents")
        body = a.test_client().get(f"/api/v1/exchanges/{mine.id}", headers=bearer(julie)).json["exchange"]
        assert not [x for x in body["actions"] if x["name"] == "documents_reply"]
        panels = {p["name"]: p for p in body["panels"]}
        assert "documents_received" not in panels
        assert panels["documents_status"]["text"] == "paul@b.mssante.fr : envoyé"
        [sent] = a.test_client().get(f"/api/v1/exchanges/{mine.id}/messages", headers=bearer(julie)).json["messages"]
        assert sent["data"]["mail"]["subject"] == "Compte rendu de consultation DUPONT Marie 12/03/1985"


def test_a_stranger_to_the_thread_sees_nothing(platforms):
    a, b, julie, paul, marie = platforms
    other = make_account("claire", "Claire", "Moreau", addresses=("claire@b.mssante.fr",))
    r = b.test_client().get(f"/api/v1/exchanges/{_received().id}", headers=bearer(other))
    assert r.status_code == 404
