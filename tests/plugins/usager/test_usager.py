"""Messages to a patient's Mon Espace Santé (USAGER-1, USAGER-2): the screen, the INS checks, the mail that
leaves through the transport, the patient's reply in the same exchange, "ne pas permettre de réponse"."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from kernel.ins import compute_key
from kernel.mail import OutgoingMail, accept, header_ids
from kernel.models import AuditEvent, Delegation, Exchange, Job, Message
from kernel.testing import bearer, make_account, make_patient
from plugins.usager import hooks as usager_plugin

URL = "/api/v1/channels/usager/exchanges"
pytestmark = pytest.mark.relais(plugins=[("usager", usager_plugin)], mail_domains=["a.mssante.fr"],
                                mail_receiver_port=0, mail_retry_seconds=30.0)


def valid(body: str) -> str:
    """The body with its right key (even when something else in it is wrong)."""
    return body + compute_key(body)


MARIE = valid("2850377123456")  # une femme née en mars 1985 en Seine-et-Marne
KEY_TYPO = MARIE[:-2] + f"{(int(MARIE[-2:]) % 97) + 1:02d}"


@pytest.fixture
def people(relais_app):
    julie = make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    claire = make_account("claire", "Claire", "Moreau", profession="Secrétaire médicale", eligible=False)
    Delegation.create(delegate=claire, principal=julie.identity)
    return julie, claire


def marie(in_care_of):
    return make_patient("Marie", "DUPONT", "F", birth_date=dt.date(1985, 3, 12), ins=MARIE, in_care_of=in_care_of)


def _send(client, account, acting_as, **fields):
    payload = {"acting_as": acting_as, "ins": MARIE, "subject": "Vos résultats", "body": "Bonjour, tout va bien."}
    payload.update(fields)
    return client.post(URL, headers=bearer(account), json=payload)


def _nothing_stored() -> None:
    assert (Exchange.select().count(), Message.select().count(), OutgoingMail.select().count(),
            Job.select().count()) == (0, 0, 0, 0)


def test_the_single_screen(relais_app, people):
    julie, _ = people
    patient = marie(julie)
    body = relais_app.test_client().get(f"/api/v1/channels/usager/form?patient={patient.id}",
                                        headers=bearer(julie)).json
    assert body["channel"]["label"] == "Écrire à un patient" and body["channel"]["group"] == "Mon Espace Santé"
    assert body["channel"]["space"] == "mail"
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == ["acting_as", "ins", "usager_destinataire", "subject", "body", "attachments", "no_reply"]
    assert fields["ins"]["required"] and fields["subject"]["required"]
    assert fields["ins"]["default"] == MARIE  # opened from the patient's record: their INS
    assert fields["usager_destinataire"]["options"] == {"url": "/usager/destinataire", "watch": ["ins"]}
    assert fields["no_reply"]["type"] == "checkbox" and fields["no_reply"]["label"] == "Ne pas permettre de réponse"


@pytest.mark.parametrize("typed, message", [
    ("", "Ce champ est obligatoire."),
    ("28503771234", "Le matricule INS compte 15 caractères (13 + une clé de 2 chiffres) : vous en avez saisi 11."),
    (KEY_TYPO, "La clé du matricule INS ne correspond pas : un chiffre a sans doute été mal saisi, vérifiez le "
               "numéro."),
    (valid("2851377123456"), "Le mois de naissance du matricule INS (4e et 5e chiffres) va de 01 à 12, ou de 20 à 42 "
                             "ou de 50 à 99 quand le mois est inconnu : vérifiez la saisie."),
    (valid("2850300123456"), "Le lieu de naissance du matricule INS (6e et 7e caractères) n'existe pas : aucun "
                             "département n'a le numéro 00. Vérifiez la saisie."),
    (valid("2850399100123"), "Le code 99100 du matricule INS désigne la France, pas un pays étranger : une "
                             "naissance en France s'écrit avec le numéro du département. Vérifiez la saisie."),
    ("2850377X23456" + "12", "Le matricule INS ne contient que des chiffres, sauf 2A ou 2B pour une naissance en "
                             "Corse : vérifiez la saisie."),
    (valid("5850377123456"), "Le matricule INS commence par 1 (homme) ou 2 (femme), ou par 3, 4, 7 ou 8 pour une "
                             "immatriculation provisoire ou d'une personne née à l'étranger : vérifiez le premier "
                             "chiffre."),
])
def test_every_bad_ins_is_refused_at_the_field_and_nothing_is_stored(relais_app, people, typed, message):
    julie, _ = people
    r = _send(relais_app.test_client(), julie, julie.identity_id, ins=typed)
    assert r.status_code == 422, r.json
    assert r.json["errors"]["ins"] == [message]
    _nothing_stored()


def test_a_message_or_an_attachment_is_needed(relais_app, people):
    julie, _ = people
    r = _send(relais_app.test_client(), julie, julie.identity_id, body="  ")
    assert r.status_code == 422
    assert r.json["errors"] == {"body": ["Écrivez un message ou joignez un fichier : l'un des deux au moins est "
                                         "nécessaire."]}
    _nothing_stored()


def test_a_profession_not_eligible_writes_only_for_whom_delegated(relais_app, people):
    julie, claire = people
    client = relais_app.test_client()
    r = _send(client, claire, claire.identity_id)
    assert r.status_code == 422 and r.json["errors"]["acting_as"][0].startswith(
        "Votre profession n'est pas éligible à MSSanté")
    _nothing_stored()
    r = _send(client, claire, julie.identity_id)
    assert r.status_code == 201, r.json


def test_the_mail_leaves_through_the_transport_to_the_patients_address(relais_app, people, relais_outbox):
    julie, claire = people
    r = _send(relais_app.test_client(), claire, julie.identity_id, no_reply=True)
    assert r.status_code == 201, r.json
    [mail] = relais_outbox.mails()
    assert mail.to == [f"{MARIE}@patient.mssante.fr"] and mail.mail_from == "julie@a.mssante.fr"
    assert mail.subject == "Vos résultats" and "tout va bien" in mail.text
    assert mail.message["X-MSS-MES"] == "FIN" and mail.message["X-MSS-INS"] == "N"
    assert "Claire MOREAU pour le compte de Julie BERNARD" in str(mail.message["From"])
    [relayed] = relais_outbox.send()
    assert relayed.recipients == [f"{MARIE}@patient.mssante.fr"] and relayed.mail_from == "julie@a.mssante.fr"
    assert relayed.message["X-MSS-MES"] == "FIN"
    assert relais_outbox.mails()[0].statuses == {f"{MARIE}@patient.mssante.fr": "sent"}
    exchange = Exchange.get()
    assert (exchange.channel, exchange.space) == ("usager", "mail")
    assert exchange.data["usager"] == {"ins": MARIE, "address": f"{MARIE}@patient.mssante.fr", "no_reply": True}


def test_without_the_option_no_fin_header(relais_app, people, relais_outbox):
    julie, _ = people
    assert _send(relais_app.test_client(), julie, julie.identity_id).status_code == 201
    [mail] = relais_outbox.mails()
    assert mail.message["X-MSS-MES"] is None


def _patient_reply(sent: OutgoingMail, text: str = "Merci docteur") -> bytes:
    original = header_ids(f"<{sent.message_id}>")[0]
    reply = EmailMessage()
    reply["From"] = f"Marie Dupont <{MARIE}@patient.mssante.fr>"
    reply["To"] = "julie@a.mssante.fr"
    reply["Subject"] = "Re: Vos résultats"
    reply["Message-ID"] = make_msgid(domain="patient.mssante.fr")
    reply["In-Reply-To"] = f"<{original}>"
    reply.set_content(text)
    return reply.as_bytes()


def test_the_patients_reply_joins_the_same_exchange(relais_app, people, relais_outbox):
    julie, _ = people
    r = _send(relais_app.test_client(), julie, julie.identity_id)
    exchange_id = r.json["exchange"]["id"]
    sent = OutgoingMail.get()
    # No channel of this app files new mail (receives_mail): a reply still finds its thread.
    answer = accept(_patient_reply(sent), f"{MARIE}@patient.mssante.fr", ["julie@a.mssante.fr"], source="smtp")
    assert answer == {"julie@a.mssante.fr": (250, "2.0.0 Message remis")}
    assert Exchange.select().count() == 1
    received = Message.select().where(Message.exchange == exchange_id).order_by(Message.id.desc()).first()
    assert received.kind == "mail" and "Merci docteur" in received.body
    assert received.data["mail"]["from"] == f"{MARIE}@patient.mssante.fr"
    # Dr Bernard answers in the thread: to the patient's address again, threaded.
    r = relais_app.test_client().post(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(julie),
                                      json={"body": "Avec plaisir."})
    assert r.status_code == 201, r.json
    second = relais_outbox.mails()[-1]
    assert second.to == [f"{MARIE}@patient.mssante.fr"] and second.subject == "Re: Vos résultats"
    assert header_ids(second.message["In-Reply-To"]) == [received.data["mail"]["message_id"]]


def test_with_no_reply_a_reply_is_declined_politely(relais_app, people, relais_outbox):
    julie, _ = people
    r = _send(relais_app.test_client(), julie, julie.identity_id, no_reply=True)
    exchange_id = r.json["exchange"]["id"]
    sent = OutgoingMail.get()
    raw = _patient_reply(sent, "Une question sur mon traitement")
    answer = accept(raw, f"{MARIE}@patient.mssante.fr", ["julie@a.mssante.fr"], source="smtp")
    assert answer["julie@a.mssante.fr"][0] == 250
    messages = list(Message.select().where(Message.exchange == exchange_id).order_by(Message.id))
    assert [m.kind for m in messages] == ["mail", "system"]
    assert "n'a pas été transmise" in messages[1].body and "traitement" not in messages[1].body
    polite = [m for m in relais_outbox.mails() if m.to == [f"{MARIE}@patient.mssante.fr"]
              and m.subject == "Votre réponse n'a pas été transmise"]
    assert len(polite) == 1
    assert "Julie BERNARD a indiqué que son message n'attendait pas de réponse" in polite[0].text
    assert polite[0].message["Auto-Submitted"] == "auto-replied"
    # The same reply delivered again: neither stored nor answered twice.
    accept(raw, f"{MARIE}@patient.mssante.fr", ["julie@a.mssante.fr"], source="smtp")
    assert Message.select().where(Message.exchange == exchange_id).count() == 2
    assert len([m for m in relais_outbox.mails() if m.subject == "Votre réponse n'a pas été transmise"]) == 1
    assert AuditEvent.select().where(AuditEvent.action == "mail.reply.refused").count() == 1


def test_who_the_ins_reaches_as_the_user_types(relais_app, people):
    julie, _ = people
    client = relais_app.test_client()
    get = lambda typed: client.get("/usager/destinataire", query_string={"ins": typed}, headers=bearer(julie)).json
    assert get("") == {"title": "Destinataire", "lines": [], "items": []}
    # What the part typed already says.
    assert get("2 85 03") == {"title": "Destinataire", "items": [], "lines": [
        "Vous vous apprêtez à écrire à : une femme, née en mars 1985… (encore 10 caractères à saisir)"]}
    assert get("2850377")["lines"] == ["Vous vous apprêtez à écrire à : une femme, née en mars 1985, née dans le "
                                       "département 77 (Seine-et-Marne)… (encore 8 caractères à saisir)"]
    assert get("5")["errors"]["ins"][0].startswith("Le matricule INS commence par 1 (homme) ou 2 (femme)")
    assert get("28513")["errors"]["ins"][0].startswith("Le mois de naissance")
    assert get(KEY_TYPO)["errors"]["ins"][0].startswith("La clé du matricule INS ne correspond pas")
    who = get(MARIE)
    assert who["lines"] == ["Vous vous apprêtez à écrire à : une femme, née en mars 1985, née dans le département "
                            "77 (Seine-et-Marne).", f"Adresse Mon Espace Santé : {MARIE}@patient.mssante.fr"]
    assert who["items"] == [] and "errors" not in who
    abroad = get(valid("1620399134012"))
    assert abroad["lines"][0] == ("Vous vous apprêtez à écrire à : un homme, né en mars 1962, né à l'étranger "
                                  "(Espagne).")


def test_the_patients_name_only_when_in_the_users_care(relais_app, people):
    julie, _ = people
    other = make_account("paul", "Paul", "Durand", addresses=("paul@a.mssante.fr",))
    patient = marie(julie)
    client = relais_app.test_client()
    mine = client.get("/usager/destinataire", query_string={"ins": MARIE}, headers=bearer(julie)).json
    assert [i["label"] for i in mine["items"]] == [patient.display_name]
    assert mine["items"][0]["url"] == f"/patients/{patient.id}"
    theirs = client.get("/usager/destinataire", query_string={"ins": MARIE}, headers=bearer(other)).json
    assert theirs["items"] == []
    # The exchange is linked to the patient for the one who has them in care.
    r = _send(client, julie, julie.identity_id)
    assert Exchange.get_by_id(r.json["exchange"]["id"]).patient_id == patient.id


def test_the_recipient_route_needs_a_signed_in_user(relais_app):
    assert relais_app.test_client().get("/usager/destinataire?ins=1").status_code == 401


def test_demo_data_a_message_to_a_patient_and_the_patients_answer(relais_make_app):
    from kernel import demo
    app = relais_make_app(plugins=[("usager", usager_plugin)], mail_domains=[demo.DEMO_DOMAIN])
    for _ in range(2):  # the demo starts again on the same data: nothing added the second time
        demo.seed(app)
    with app.app_context():
        [exchange] = Exchange.select().where(Exchange.channel == "usager")
        assert exchange.patient.birth_name == "DUPONT" and exchange.data["usager"]["ins"] == exchange.patient.ins
        sent, answer = Message.select().where(Message.exchange == exchange).order_by(Message.id)
        assert sent.data["mail"]["to"] == [f"{exchange.patient.ins}@patient.mssante.fr"]
        assert answer.author is None and answer.data["mail"]["from"] == f"{exchange.patient.ins}@patient.mssante.fr"
        assert "Merci docteur" in answer.body
        # Mon Espace Santé acknowledged it: « remis », and nothing is offered to the demo's own relay.
        from kernel.mail import statuses_by_message
        assert [r["status"] for r in statuses_by_message([sent.id])[sent.id]] == ["delivered"]


def test_the_thread_says_why_a_mail_waits(relais_app, people):
    from kernel import current_relais
    from kernel.mail.receiver import _free_port
    julie, _ = people
    r = _send(relais_app.test_client(), julie, julie.identity_id)
    current_relais().config["mail_relay_port"] = _free_port("127.0.0.1")  # a relay that does not answer
    current_relais().jobs.run_pending()
    panels = {p["name"]: p for p in relais_app.test_client().get(
        f"/api/v1/exchanges/{r.json['exchange']['id']}", headers=bearer(julie)).json["exchange"]["panels"]}
    status = panels["usager_status"]
    assert status["level"] == "warning"
    assert status["text"].startswith("En attente : le relais MSSanté ne répond pas pour le moment ; nouvel essai "
                                     "automatique dans")
    assert panels["usager_patient"]["text"].startswith("Une femme, née en mars 1985, née dans le département 77 "
                                                       "(Seine-et-Marne) — INS 2 85 03 77 123 456")
