"""The mail space's list rows (sender or recipients, preview, attachments, status), "Marquer comme non
lu", and the mailbox recorded when a thread is deleted."""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from kernel.mail.inbound import accept
from kernel.models import AuditEvent, Delegation, MailAddress
from mail.mail_helpers import mail_app, publish_address, relais_of, smtp_sink
from support.factories import bearer, make_account, make_structure
from support.query_counter import count_queries

DOMAIN = "a.mssante.fr"
SEARCH = "/mssante_mail/search"


@pytest.fixture
def mail(make_app, backend):
    with smtp_sink() as (sink, port):
        app = mail_app(make_app, backend, DOMAIN, mail_relay_port=port)
        with app.app_context():
            yield app


def receive(to: str, subject: str, *, html: str = "", text: str = "Bonjour.", name: str = "Émilie Lefèvre",
            sender: str = "emilie.lefevre@chu.mssante.fr", files: tuple[tuple[str, bytes], ...] = (),
            **headers: str) -> None:
    """A mail from outside arrives in ``to``'s mailbox, through the receiver's own path."""
    msg = EmailMessage()
    msg["From"] = Address(display_name=name, addr_spec=sender) if name else sender
    msg["To"] = to
    msg["Subject"] = subject
    for header, value in headers.items():
        msg[header.replace("_", "-")] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    assert accept(msg.as_bytes(), sender, [to], source="local")[to][0] == 250


def rows(client, account, **params) -> list[dict]:
    r = client.get(SEARCH, headers=bearer(account), query_string=params)
    assert r.status_code == 200, r.json
    return r.json["exchanges"]


def test_a_received_row_shows_its_sender_a_plain_preview_and_its_attachments(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    receive(f"julie@{DOMAIN}", "Compte rendu opératoire",
            html="<p>Bonjour <strong>consœur</strong>,</p><p>ci-joint le CR &amp; l'ordonnance.<br>Cordialement</p>",
            files=(("CR.pdf", b"%PDF-1.4 cr"), ("Ordonnance.pdf", b"%PDF-1.4 ordo")))
    receive(f"julie@{DOMAIN}", "Sans nom", name="", sender="secretariat@chu.mssante.fr", text="x" * 400)
    client = mail.test_client()
    [nameless, first] = rows(client, julie, folder="inbox")
    facts = first["mail"]
    assert facts["from"] == {"name": "Émilie Lefèvre", "address": "emilie.lefevre@chu.mssante.fr"}
    assert facts["preview"] == "Bonjour consœur, ci-joint le CR & l'ordonnance. Cordialement"
    assert (facts["attachments"], facts["direction"], facts["status"], facts["to"]) == (2, "in", None, [])
    assert first["unread"] == 1
    # No display name: the address is what the row shows; a long body is cut to one line.
    assert nameless["mail"]["from"] == {"name": "", "address": "secretariat@chu.mssante.fr"}
    assert nameless["mail"]["preview"].endswith("…") and len(nameless["mail"]["preview"]) <= 161
    assert nameless["mail"]["attachments"] == 0


def test_a_sent_row_shows_its_recipients_by_name_and_the_delivery_status(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    publish_address("thomas@b.mssante.fr", "Thomas DURAND")
    publish_address("paul@c.mssante.fr", "Paul LEROY")
    client = mail.test_client()
    r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "cc": ["paul@c.mssante.fr"],
        "subject": "Avis cardiologique", "body": "<p>Pouvez-vous la <em>voir</em> ?</p>"})
    assert r.status_code == 201, r.json
    [row] = rows(client, julie, folder="sent")
    facts = row["mail"]
    assert [(t["name"], t["address"], t["role"]) for t in facts["to"]] == [
        ("Thomas DURAND", "thomas@b.mssante.fr", "to"), ("Paul LEROY", "paul@c.mssante.fr", "cc")]
    assert facts["status"] == {"status": "pending", "label": "en attente"}
    assert (facts["preview"], facts["direction"], facts["from"]) == ("Pouvez-vous la voir ?", "out", None)
    assert relais_of(mail).jobs.run_pending() == 1
    [row] = rows(client, julie, folder="sent")
    assert row["mail"]["status"] == {"status": "sent", "label": "envoyé"}


def test_the_list_costs_the_same_queries_whatever_its_length(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    publish_address("thomas@b.mssante.fr", "Thomas DURAND")
    client = mail.test_client()
    headers = bearer(julie)

    def fill(n: int) -> None:
        for i in range(n):
            receive(f"julie@{DOMAIN}", f"Reçu {i}", files=(("a.pdf", b"%PDF-1.4 " + bytes([i])),))
            client.post("/api/v1/channels/mssante_mail/exchanges", headers=headers, json={
                "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": f"Envoyé {i}",
                "body": "Bonjour"})

    def queries() -> int:
        client.get(SEARCH, headers=headers)  # steady state: the token's "last used" stamp
        with count_queries(mail) as seen:
            assert len(client.get(SEARCH, headers=headers).json["exchanges"]) > 0
        return len(seen)

    fill(2)
    few = queries()
    fill(12)
    many = queries()
    assert many == few, (few, many)
    assert few <= 7, few


def test_mark_unread_brings_the_thread_and_the_mailbox_count_back(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    stranger = make_account("x", "Xavier", "Autre", addresses=(f"x@{DOMAIN}",))
    receive(f"julie@{DOMAIN}", "Résultats")
    client = mail.test_client()
    [row] = rows(client, julie)
    exchange_id = row["id"]
    assert client.post(f"/api/v1/exchanges/{exchange_id}/read", headers=bearer(julie), json={}).status_code == 200
    assert rows(client, julie)[0]["unread"] == 0
    assert client.get("/mssante_mail/mailboxes", headers=bearer(julie)).json["mailboxes"][0]["unread"] == 0

    r = client.post(f"/mssante_mail/exchanges/{exchange_id}/unread", headers=bearer(julie))
    assert r.status_code == 200 and r.json == {"unread": 1}
    assert rows(client, julie)[0]["unread"] == 1
    assert client.get("/mssante_mail/mailboxes", headers=bearer(julie)).json["mailboxes"][0]["unread"] == 1
    assert client.get("/api/v1/exchanges?space=mail", headers=bearer(julie)).json["unread"]["mail"] == 1
    # Read again when opened; someone else's thread stays out of reach.
    client.post(f"/api/v1/exchanges/{exchange_id}/read", headers=bearer(julie), json={})
    assert rows(client, julie)[0]["unread"] == 0
    assert client.post(f"/mssante_mail/exchanges/{exchange_id}/unread", headers=bearer(stranger)).status_code == 404


def test_a_thread_with_nothing_received_cannot_be_marked_unread(mail):
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    publish_address("thomas@b.mssante.fr")
    client = mail.test_client()
    exchange_id = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": "Avis",
        "body": "Bonjour"}).json["exchange"]["id"]
    r = client.post(f"/mssante_mail/exchanges/{exchange_id}/unread", headers=bearer(julie))
    assert r.status_code == 422
    assert r.json["errors"]["_schema"] == ["Ce fil ne contient aucun mail reçu : il n'y a rien à marquer comme non lu."]


def test_deleting_records_the_mailbox_it_was_deleted_from(mail):
    claire = make_account("claire", "Claire", "Moreau", profession="Coordinatrice", eligible=False)
    repap = make_structure("Coordination REPAP", delegates=(claire,))
    MailAddress.create(identity=repap, address=f"repap@{DOMAIN}")
    julie = make_account("julie", "Julie", "Bernard", addresses=(f"julie@{DOMAIN}",))
    Delegation.create(delegate=claire, principal=julie.identity)
    receive(f"repap@{DOMAIN}", "Demande de coordination")
    client = mail.test_client()
    [row] = rows(client, claire, mailbox=repap.id)
    assert client.delete(f"/mssante_mail/exchanges/{row['id']}", headers=bearer(claire)).status_code == 200
    deletion = AuditEvent.get(AuditEvent.action == "mail.delete")
    assert (deletion.account_id, deletion.acting_as_id, deletion.target) == (claire.id, repap.id, f"exchange:{row['id']}")
    assert f"mailbox=repap@{DOMAIN}" in deletion.detail and f"identities=[{repap.id}]" in deletion.detail
    assert "Demande" not in deletion.detail  # never the content
