"""A delegation's scope: a mail-only delegate (a secretary for a doctor) reads and writes the doctor's secure
mail, never the doctor's conversations (lists, thread, API, audience of live events); send screens pre-select
an identity that may send; what a delegate reads or writes is named « … pour le compte de Dr NOM »."""
from __future__ import annotations

import pytest

from kernel.models import Delegation, Message
from kernel.services import delegations
from kernel.services.acting_as import audience, visible_among
from kernel.services.behalf import is_physician
from kernel.testing import LiveServer, make_account, make_structure, next_event, sign_in
from security import socket_client


def _start(user, channel: str, acting_as: int, members: list[int], body: str = "Bonjour") -> int:
    r = user.api.post(f"/api/v1/channels/{channel}/exchanges", json={
        "acting_as": acting_as, "members": members, "subject": "Suivi", "body": body})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


@pytest.fixture
def office(app):
    """Dr Alice MARTIN (physician), her secretary Léa PETIT (mail only), a colleague Bob DURAND, and one
    conversation and one mail of the doctor's with Bob."""
    doctor = make_account("doctor", "Alice", "Martin", profession="Médecin généraliste", addresses=("a@x.mssante.fr",))
    secretary = make_account("secretary", "Léa", "Petit", profession="Secrétaire médicale", eligible=False)
    colleague = make_account("colleague", "Bob", "Durand", profession="Infirmier")
    delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    users = {name: sign_in(app, a) for name, a in (("doctor", doctor), ("secretary", secretary),
                                                      ("colleague", colleague))}
    chat = _start(users["doctor"], "test_chat", doctor.identity_id, [colleague.identity_id])
    mail = _start(users["doctor"], "test_mail", doctor.identity_id, [colleague.identity_id])
    return users, chat, mail


def test_a_mail_only_delegate_sees_the_mail_and_not_the_conversations(app, office):
    users, chat, mail = office
    secretary = users["secretary"]
    listed = {e["id"] for e in secretary.api.get("/api/v1/exchanges").json["exchanges"]}
    assert listed == {mail}
    assert secretary.api.get("/api/v1/exchanges?space=chat").json["exchanges"] == []
    assert secretary.api.get(f"/api/v1/exchanges/{chat}").status_code == 404
    assert secretary.api.get(f"/api/v1/exchanges/{chat}/messages").status_code == 404
    assert secretary.api.get(f"/api/v1/exchanges/{chat}/receipts").status_code == 404
    r = secretary.api.post(f"/api/v1/exchanges/{chat}/messages", json={"body": "Je lis ?"})
    assert r.status_code == 404
    assert secretary.api.get(f"/api/v1/exchanges/{mail}/messages").status_code == 200
    r = secretary.api.post(f"/api/v1/exchanges/{mail}/messages", json={"body": "Le Dr vous rappelle."})
    assert r.status_code == 201, r.json
    assert r.json["message"]["acting_as"]["id"] == users["doctor"].account.identity_id
    assert Message.select().where(Message.body == "Je lis ?").count() == 0
    # The live events follow the same rule.
    secretary_id = secretary.account.id
    assert secretary_id not in audience(chat) and secretary_id in audience(mail)
    assert visible_among(secretary_id, [chat, mail]) == {mail}
    # Widened, the conversations come back.
    delegations.change_scope(Delegation.get(Delegation.delegate == secretary_id), delegations.SCOPE_ALL)
    assert secretary_id in audience(chat) and visible_among(secretary_id, [chat, mail]) == {chat, mail}


def test_a_mail_only_delegate_cannot_start_a_conversation_for_the_principal(app, office):
    users, _chat, _mail = office
    secretary, doctor = users["secretary"], users["doctor"].account
    form = secretary.api.get("/api/v1/channels/test_chat/form").json["fields"][0]
    assert [c["value"] for c in form["choices"]] == [secretary.account.identity_id]
    r = secretary.api.post("/api/v1/channels/test_chat/exchanges", json={
        "acting_as": doctor.identity_id, "members": [users["colleague"].account.identity_id], "subject": "S",
        "body": "Bonjour"})
    assert r.status_code == 422
    assert r.json["errors"]["acting_as"] == ["Vous n'avez pas de délégation pour agir au nom de cette identité."]
    mail_form = secretary.api.get("/api/v1/channels/test_mail/form").json["fields"][0]
    assert [c["value"] for c in mail_form["choices"]] == [secretary.account.identity_id, doctor.identity_id]
    # The secretary may not send mail in her own name (no address): the doctor's mailbox is chosen.
    assert mail_form["default"] == doctor.identity_id
    _start(secretary, "test_mail", doctor.identity_id, [users["colleague"].account.identity_id])


def test_send_screens_preselect_an_identity_that_may_send_there(app):
    coordinator = make_account("coord", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
    structure = make_structure("Coordination REPAP", delegates=(coordinator,))
    from kernel.models import MailAddress
    MailAddress.create(identity=structure, address="coordination@x.mssante.fr")
    user = sign_in(app, coordinator)
    mail = user.api.get("/api/v1/channels/test_mail/form").json["fields"][0]
    chat = user.api.get("/api/v1/channels/test_chat/form").json["fields"][0]
    assert mail["default"] == structure.id
    assert chat["default"] == coordinator.identity_id
    # An eligible professional with an address keeps their own name everywhere.
    doctor = sign_in(app, make_account("doc", addresses=("doc@x.mssante.fr",)))
    assert doctor.api.get("/api/v1/channels/test_mail/form").json["fields"][0]["default"] == doctor.account.identity_id


def test_receipts_and_system_lines_name_whom_a_delegate_acts_for(app, office):
    users, _chat, mail = office
    secretary, colleague = users["secretary"], users["colleague"]
    assert secretary.api.post(f"/api/v1/exchanges/{mail}/read", json={}).status_code == 200
    assert colleague.api.post(f"/api/v1/exchanges/{mail}/read", json={}).status_code == 200
    readers = users["doctor"].api.get(f"/api/v1/exchanges/{mail}/receipts").json["messages"]
    (first,) = readers.values()
    by_id = {r["account"]["id"]: r["account"] for r in first}
    assert by_id[secretary.account.id] == {
        "id": secretary.account.id, "name": "Léa PETIT", "on_behalf_of": "Dr MARTIN",
        "label": "Léa PETIT pour le compte de Dr MARTIN"}
    assert by_id[colleague.account.id]["label"] == "Bob DURAND"
    assert by_id[colleague.account.id]["on_behalf_of"] is None
    r = secretary.api.patch(f"/api/v1/exchanges/{mail}", json={"subject": "Rendez-vous"})
    assert r.status_code == 200, r.json
    line = Message.select().where((Message.exchange == mail) & (Message.kind == "system")).get()
    assert line.body == "Léa PETIT pour le compte de Dr MARTIN a renommé l'échange en « Rendez-vous »."
    # The doctor's own actions carry her name alone.
    users["doctor"].api.patch(f"/api/v1/exchanges/{mail}", json={"subject": "RDV"})
    assert Message.select().where(Message.kind == "system").order_by(Message.id.desc()).get().body \
        == "Alice MARTIN a renommé l'échange en « RDV »."


def test_a_structure_member_acts_for_the_structure_and_a_non_physician_keeps_a_plain_name(app):
    nurse = make_account("nurse", "Marc", "Petit", profession="Infirmier")
    helper = make_account("helper", "Zoé", "Blanc", profession="Aide-soignante", eligible=False)
    member = make_account("member", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
    structure = make_structure("Coordination REPAP", delegates=(member,))
    delegations.grant(nurse.identity, helper, delegations.SCOPE_ALL, granted_by=nurse)
    users = {a.login: sign_in(app, a) for a in (nurse, helper, member)}
    chat = _start(users["nurse"], "test_chat", nurse.identity_id, [structure.id])
    for login in ("helper", "member"):
        assert users[login].api.post(f"/api/v1/exchanges/{chat}/read", json={}).status_code == 200
    (reads,) = users["nurse"].api.get(f"/api/v1/exchanges/{chat}/receipts").json["messages"].values()
    labels = {r["account"]["label"] for r in reads}
    assert labels == {"Zoé BLANC pour le compte de Marc PETIT", "Claire MOREAU pour le compte de Coordination REPAP"}
    r = users["member"].api.post(f"/api/v1/exchanges/{chat}/members", json={"members": [helper.identity_id]})
    assert r.status_code == 201, r.json
    assert Message.select().where(Message.kind == "system").get().body == \
        "Claire MOREAU pour le compte de Coordination REPAP a ajouté Zoé BLANC."


@pytest.mark.parametrize("profession, physician", [
    ("Médecin", True), ("Médecin généraliste", True), ("Cardiologue (centre hospitalier)", True),
    ("Dermatologue (téléexpertise)", True), ("Pédiatre", True), ("Chirurgien orthopédiste", True),
    ("Chirurgien-dentiste", False), ("Psychologue", False), ("Pédicure-podologue", False), ("Infirmier", False),
    ("Secrétaire médicale", False), ("Sage-femme", False), ("Pharmacien", False), ("", False),
    ("Secrétaire de médecine du travail", False), ("Infirmière en médecine interne", False),
    ("Interne en pharmacie", False), ("ORL", True), ("Médecin du travail", True), ("Interne en médecine", True)])
def test_who_is_called_doctor(profession, physician):
    assert is_physician(profession) is physician


def test_narrowing_a_delegation_stops_the_conversations_on_open_sockets(app, office):
    users, chat, mail = office
    secretary, doctor = users["secretary"], users["doctor"]
    row = Delegation.get(Delegation.delegate == secretary.account.id)
    delegations.change_scope(row, delegations.SCOPE_ALL, by=doctor.account)
    with LiveServer(app) as url:
        ws = socket_client.connect(url.replace("http://", "ws://") + "/ws", secretary.headers)
        try:
            assert next_event(ws, "hello")["account_id"] == secretary.account.id
            assert doctor.api.post(f"/api/v1/exchanges/{chat}/messages", json={"body": "Avant"}).status_code == 201
            assert next_event(ws, "message.created")["data"]["body"] == "Avant"
            delegations.change_scope(Delegation.get_by_id(row.id), delegations.SCOPE_MAIL, by=doctor.account)
            next_event(ws, "resync")  # the page reloads its lists without the conversations
            assert doctor.api.post(f"/api/v1/exchanges/{chat}/messages", json={"body": "Après"}).status_code == 201
            assert doctor.api.post(f"/api/v1/exchanges/{mail}/messages", json={"body": "Courrier"}).status_code == 201
            event = next_event(ws, "message.created")  # the chat line never comes; the mail does
            assert (event["exchange_id"], event["data"]["body"]) == (mail, "Courrier")
        finally:
            ws.close()


def test_a_mail_only_delegate_is_not_in_care_of_the_patients_of_the_principals_conversations(app):
    from kernel.models import Exchange
    from kernel.services.patients import in_care_query
    from kernel.testing import make_patient

    doctor = make_account("doctor", "Alice", "Martin", profession="Médecin généraliste", addresses=("a@x.mssante.fr",))
    secretary = make_account("secretary", "Léa", "Petit", profession="Secrétaire médicale", eligible=False)
    colleague = make_account("colleague", "Bob", "Durand", profession="Infirmier")
    delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    chat_patient, mail_patient = make_patient("Chantal", "CONVERSATION"), make_patient("Martine", "COURRIER")
    for channel, patient in (("test_chat", chat_patient), ("test_mail", mail_patient)):
        exchange = _start(sign_in(app, doctor), channel, doctor.identity_id, [colleague.identity_id])
        Exchange.update(patient=patient.id).where(Exchange.id == exchange).execute()

    def in_care(account):
        return {patient_id for (patient_id,) in in_care_query(account.id).tuples()}

    assert {chat_patient.id, mail_patient.id} <= in_care(doctor)
    assert mail_patient.id in in_care(secretary)
    assert chat_patient.id not in in_care(secretary)
    # Widened to every space, the conversations' patients come back.
    delegations.change_scope(Delegation.get(Delegation.delegate == secretary.id), delegations.SCOPE_ALL)
    assert chat_patient.id in in_care(secretary)
