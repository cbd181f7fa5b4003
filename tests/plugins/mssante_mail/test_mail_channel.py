"""The secure mail channel: its screen, MAIL-2 delegation rules, sanitised bodies, replies, the mail space."""
from __future__ import annotations

import io

import pytest

from kernel.mail import OutgoingMail, header_ids
from kernel.models import AuditEvent, Exchange, Job, Message
from kernel.testing import bearer, make_account, make_patient, make_structure
from mail.mail_helpers import mail_settings, publish_address
from plugins.mssante_mail import hooks as mail_plugin

URL = "/api/v1/channels/mssante_mail/exchanges"
NOT_ELIGIBLE = ("Votre profession n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
                "organisationnelle ou un professionnel qui vous a délégué son envoi.")


pytestmark = pytest.mark.relais(plugins=[("mssante_mail", mail_plugin)], **mail_settings("a.mssante.fr"))


@pytest.fixture
def mail(relais_app):
    return relais_app


@pytest.fixture
def people(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    claire = make_account("claire", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
    repap = make_structure("Coordination REPAP", delegates=(claire,))
    from kernel.models import Delegation, MailAddress
    MailAddress.create(identity=repap, address="repap@a.mssante.fr")
    Delegation.create(delegate=claire, principal=julie.identity)
    for address in ("thomas@b.mssante.fr", "thomas.ch@b.mssante.fr", "paul@c.mssante.fr"):
        publish_address(address)
    return julie, claire, repap


def _send(client, account, acting_as, **fields):
    payload = {"acting_as": acting_as, "recipients": ["thomas@b.mssante.fr"], "subject": "Avis", "body": "Bonjour"}
    payload.update(fields)
    return client.post(URL, headers=bearer(account), json=payload)


def _nothing_stored() -> None:
    assert (Exchange.select().count(), Message.select().count(), OutgoingMail.select().count(),
            Job.select().count()) == (0, 0, 0, 0)


def test_the_single_screen(mail, people):
    julie, _, _ = people
    patient = make_patient(in_care_of=julie)
    body = mail.test_client().get(f"/api/v1/channels/mssante_mail/form?patient={patient.id}", headers=bearer(julie)).json
    assert body["channel"]["label"] == "Rédiger un mail sécurisé" and body["channel"]["group"] == "MSSanté"
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == ["acting_as", "recipients", "cc", "patient", "subject", "body", "attachments"]
    assert fields["recipients"]["options"] == {"kind": "mssante"} and fields["recipients"]["many"]
    assert fields["recipients"]["required"] and fields["subject"]["required"]
    assert fields["subject"]["default"] == "Cecilia REPAP TEST"
    assert fields["body"]["options"] == {"format": "html"}


def test_mail2_a_profession_not_eligible_writes_only_through_a_delegation(mail, people, relais_outbox):
    julie, claire, repap = people
    client = mail.test_client()
    r = _send(client, claire, claire.identity_id)
    assert r.status_code == 422 and r.json["errors"] == {"acting_as": [NOT_ELIGIBLE]}
    _nothing_stored()
    r = _send(client, claire, 424242)
    assert r.json["errors"] == {"acting_as": ["Vous n'avez pas de délégation pour agir au nom de cette identité."]}
    assert _send(client, claire, repap.id).status_code == 201
    assert _send(client, claire, julie.identity_id).status_code == 201
    # A delegation to someone who is not eligible either does not help.
    sec = make_account("sec", "Sam", "Sec", eligible=False)
    from kernel.models import Delegation
    Delegation.create(delegate=sec, principal=claire.identity)
    r = _send(client, sec, claire.identity_id)
    assert r.json["errors"]["acting_as"] == [
        "« Claire MOREAU » n'est pas éligible à MSSanté : choisissez dans « Agir en tant que » une messagerie "
        "organisationnelle ou un professionnel qui vous a délégué son envoi."]
    # Eligible, but no address on the platform.
    bare = make_account("bare", "Bea", "Nue")
    r = _send(client, bare, bare.identity_id)
    assert r.json["errors"]["acting_as"][0].startswith("« Bea NUE » n'a pas d'adresse MSSanté")
    # What leaves shows who wrote, for whom.
    first = relais_outbox.send()[0].message
    assert first["From"].addresses[0].addr_spec == "repap@a.mssante.fr"
    assert first["From"].addresses[0].display_name == "Claire MOREAU pour le compte de Coordination REPAP"


def test_recipients_must_be_valid_and_published(mail, people):
    julie, _, _ = people
    client = mail.test_client()
    r = _send(client, julie, julie.identity_id, recipients=["pas une adresse", "inconnu@b.mssante.fr"],
              cc=["x@@y"])
    assert r.status_code == 422
    assert r.json["errors"]["recipients"] == [
        "« pas une adresse » n'est pas une adresse de messagerie valide.",
        "« inconnu@b.mssante.fr » n'est pas une adresse MSSanté publiée dans l'annuaire national : vérifiez-la ou "
        "choisissez le destinataire dans l'annuaire."]
    assert r.json["errors"]["cc"] == ["« x@@y » n'est pas une adresse de messagerie valide."]
    assert _send(client, julie, julie.identity_id, recipients=[]).json["errors"] == {
        "recipients": ["Choisissez au moins une personne."]}
    assert _send(client, julie, julie.identity_id, recipients=[12]).status_code == 422
    assert _send(client, julie, julie.identity_id, body="").json["errors"] == {
        "body": ["Écrivez un message ou joignez un fichier."]}
    _nothing_stored()


def test_a_mail_is_stored_sanitised_queued_and_sent_with_its_headers(mail, people, relais_outbox):
    julie, _, _ = people
    client = mail.test_client()
    patient = make_patient(ins="279035121518989", in_care_of=julie)
    upload = client.post("/api/v1/attachments", headers=bearer(julie), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4 test"), "Lettre adressée.pdf")}).json["attachment"]
    r = _send(client, julie, julie.identity_id, recipients=["thomas@b.mssante.fr", "thomas.ch@b.mssante.fr"],
              cc=["paul@c.mssante.fr", "THOMAS@b.mssante.fr"], patient=patient.id, attachments=[upload["id"]],
              body='<p>Bonjour <strong>confrère</strong><img src=x onerror="alert(1)"><script>alert(2)</script></p>')
    assert r.status_code == 201, r.json
    message = r.json["message"]
    assert message["body"] == "<p>Bonjour <strong>confrère</strong></p>" and message["kind"] == "mail"
    assert Job.get().name == "kernel.mail.send" and OutgoingMail.get().status == "queued"
    [queued] = relais_outbox.mails()
    assert (queued.to, queued.cc, queued.subject) == (
        ["thomas@b.mssante.fr", "thomas.ch@b.mssante.fr"], ["paul@c.mssante.fr"], "Avis")
    assert queued.statuses == dict.fromkeys(queued.to + queued.cc, "pending")
    assert queued.attachments == [("Lettre adressée.pdf", "application/pdf", b"%PDF-1.4 test")]
    [received] = relais_outbox.send()
    assert sorted(received.recipients) == ["paul@c.mssante.fr", "thomas.ch@b.mssante.fr", "thomas@b.mssante.fr"]
    assert relais_outbox.mails()[0].statuses == dict.fromkeys(queued.to + queued.cc, "sent")
    sent = received.message
    # A free-form mail carries no INS, even about a patient whose identity is qualified (STANDARDS.md).
    assert sent["X-MSS-INS"] == "N" and sent["Disposition-Notification-To"] == "<julie@a.mssante.fr>"
    assert "onerror" not in sent.get_body(("html",)).get_content()
    assert [a.get_filename() for a in sent.iter_attachments()] == ["Lettre adressée.pdf"]
    assert sent["Message-ID"] == f"<{message['data']['mail']['message_id']}>"


def test_reply_reply_all_forward_search_mailboxes_and_delete(mail, people, relais_outbox):
    julie, claire, repap = people
    client = mail.test_client()
    r = _send(client, julie, julie.identity_id, recipients=["thomas@b.mssante.fr"], cc=["paul@c.mssante.fr"],
              subject="Plaie du pied")
    exchange_id = r.json["exchange"]["id"]
    first_id = r.json["message"]["data"]["mail"]["message_id"]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(julie), json={"body": "Relance"})
    assert r.status_code == 201
    reply = r.json["message"]["data"]["mail"]
    assert (reply["to"], reply["cc"], reply["subject"], reply["in_reply_to"]) == \
        (["thomas@b.mssante.fr"], [], "Re: Plaie du pied", first_id)
    r = client.post(f"/mssante_mail/exchanges/{exchange_id}/reply", headers=bearer(julie),
                    json={"body": "À tous", "all": True})
    assert r.status_code == 201 and r.json["message"]["data"]["mail"]["cc"] == ["paul@c.mssante.fr"]
    assert client.post(f"/mssante_mail/exchanges/{exchange_id}/reply", headers=bearer(julie),
                       json={"body": "x", "all": "oui"}).status_code == 422
    last = relais_outbox.send()[-1].message
    assert last["Subject"] == "Re: Plaie du pied" and first_id in header_ids(last["References"])
    r = client.post(f"/mssante_mail/exchanges/{exchange_id}/forward", headers=bearer(julie),
                    json={"acting_as": julie.identity_id, "recipients": ["thomas.ch@b.mssante.fr"], "body": "Pour info"})
    assert r.status_code == 201, r.json
    assert r.json["exchange"]["subject"] == "Tr: Plaie du pied"
    assert "Message transféré" in r.json["message"]["body"] and "À tous" in r.json["message"]["body"]
    assert client.post(f"/mssante_mail/exchanges/{exchange_id}/forward", headers=bearer(julie),
                       json={"acting_as": julie.identity_id, "recipients": ["inconnu@z.mssante.fr"]}).status_code == 422
    r = client.post(f"/mssante_mail/exchanges/{exchange_id}/forward", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["thomas.ch@b.mssante.fr"], "message": 10**30})
    assert (r.status_code, r.json["errors"]) == (422, {"message": ["Choisissez un mail de cet échange à transférer."]})
    # Mailboxes: Claire reads her own (none: no address), REPAP's and Julie's (delegations).
    boxes = client.get("/mssante_mail/mailboxes", headers=bearer(claire)).json["mailboxes"]
    assert [(b["identity"]["display_name"], b["addresses"], b["exchanges"]) for b in boxes] == [
        ("Coordination REPAP", ["repap@a.mssante.fr"], 0), ("Julie BERNARD", ["julie@a.mssante.fr"], 2)]
    found = client.get("/mssante_mail/search?subject=plaie", headers=bearer(julie)).json["exchanges"]
    assert sorted(e["subject"] for e in found) == ["Plaie du pied", "Tr: Plaie du pied"]
    assert client.get("/mssante_mail/search?folder=inbox", headers=bearer(julie)).json["exchanges"] == []
    assert len(client.get("/mssante_mail/search?folder=sent", headers=bearer(julie)).json["exchanges"]) == 2
    r = client.get("/mssante_mail/search?folder=x", headers=bearer(julie))
    assert (r.status_code, r.json["errors"]) == (422, {"folder": ["Le dossier doit être « inbox » ou « sent »."]})
    r = client.get(f"/mssante_mail/search?patient={10**30}", headers=bearer(julie))
    assert r.status_code == 200 and r.json["exchanges"] == []
    for bad, field in (("mailbox=abc", "mailbox"), (f"offset={10**30}", "offset"), ("limit=0", "limit")):
        r = client.get(f"/mssante_mail/search?{bad}", headers=bearer(julie))
        assert r.status_code == 422 and list(r.json["errors"]) == [field], (bad, r.json)
    stranger = make_account("x", "Xavier", "Autre", addresses=("x@a.mssante.fr",))
    assert client.get("/mssante_mail/search?subject=plaie", headers=bearer(stranger)).json["exchanges"] == []
    assert client.get(f"/mssante_mail/exchanges/{exchange_id}/status", headers=bearer(stranger)).status_code == 404
    assert client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(stranger)).status_code == 404
    r = client.delete(f"/mssante_mail/exchanges/{exchange_id}", headers=bearer(julie))
    assert (r.status_code, r.json["outcome"]) == (200, "hidden")
    # Claire reads Julie's mailbox too: the thread left Julie's lists only (issue #10, item 10).
    assert Exchange.get_or_none(Exchange.id == exchange_id) is not None
    assert exchange_id not in [e["id"] for e in client.get("/mssante_mail/search", headers=bearer(julie)).json["exchanges"]]
    assert exchange_id in [e["id"] for e in client.get("/mssante_mail/search", headers=bearer(claire)).json["exchanges"]]
    deletion = AuditEvent.get(AuditEvent.action == "mail.delete")
    assert deletion.account_id == julie.id and deletion.target == f"exchange:{exchange_id}"
