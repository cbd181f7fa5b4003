"""End to end (issue 5, item 7): two platforms, two mail domains, each one's relay the other's receiver."""
from __future__ import annotations

import io
import smtplib
from email.message import EmailMessage

import pytest

from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Exchange, Job, Message
from mail.mail_helpers import (LOOPBACK, make_jobs_due, mail_app, publish_address, relais_of, running_receiver,
                               smtp_sink)
from support.factories import bearer, make_account

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def platforms(make_app, backend):
    a = mail_app(make_app, backend, "a.mssante.fr", name="platform-a")
    b = mail_app(make_app, backend, "b.mssante.fr", name="platform-b")
    with running_receiver(a) as receiver_a, running_receiver(b) as receiver_b:
        relais_of(a).config["mail_relay_port"] = receiver_b.port
        relais_of(b).config["mail_relay_port"] = receiver_a.port
        with a.app_context():
            julie = make_account("julie", "Julie", "Bernard", addresses=("julie.bernard@a.mssante.fr",))
            publish_address("thomas.durand@b.mssante.fr", "Dr Thomas DURAND")
        with b.app_context():
            thomas = make_account("thomas", "Thomas", "Durand", addresses=("thomas.durand@b.mssante.fr",))
            publish_address("julie.bernard@a.mssante.fr", "Dr Julie BERNARD")
        yield a, b, julie, thomas, receiver_a


def run_jobs(app) -> int:
    return relais_of(app).jobs.run_pending()


def test_a_user_of_a_writes_to_a_user_of_b_and_sees_it_delivered(platforms):
    a, b, julie, thomas, _ = platforms
    client_a, client_b = a.test_client(), b.test_client()
    with a.app_context():
        upload = client_a.post("/api/v1/attachments", headers=bearer(julie), content_type="multipart/form-data",
                               data={"file": (io.BytesIO(PDF), "Compte rendu échographie.pdf")}).json["attachment"]
        r = client_a.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["thomas.durand@b.mssante.fr"],
            "subject": "Échographie de Mme Lefèvre", "body": "<p>Bonjour,<script>x()</script> <b>résultats</b> joints.</p>",
            "attachments": [upload["id"]]})
        assert r.status_code == 201, r.json
        sent_id = r.json["exchange"]["id"]
        status = client_a.get(f"/mssante_mail/exchanges/{sent_id}/status", headers=bearer(julie)).json["messages"]
        assert [(s["address"], s["label"]) for s in next(iter(status.values()))] == \
            [("thomas.durand@b.mssante.fr", "en attente")]
        assert run_jobs(a) == 1  # SMTP to B's receiver
        outgoing = OutgoingMail.get()
        assert OutgoingRecipient.get().status == "sent" and outgoing.attempts == 1
    with b.app_context():
        inbox = client_b.get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json
        assert [e["subject"] for e in inbox["exchanges"]] == ["Échographie de Mme Lefèvre"]
        assert inbox["unread"]["mail"] == 1
        assert client_b.get("/api/v1/exchanges?space=chat", headers=bearer(thomas)).json["exchanges"] == []
        received_id = inbox["exchanges"][0]["id"]
        [message] = client_b.get(f"/api/v1/exchanges/{received_id}/messages", headers=bearer(thomas)).json["messages"]
        assert message["kind"] == "mail" and "<b>résultats</b>" in message["body"] and "script" not in message["body"]
        assert message["data"]["mail"]["from"] == "julie.bernard@a.mssante.fr"
        assert message["data"]["mail"]["from_name"] == "Julie BERNARD"
        assert [att["filename"] for att in message["attachments"]] == ["Compte rendu échographie.pdf"]
        pdf = client_b.get(message["attachments"][0]["url"], headers=bearer(thomas)).data
        assert pdf == PDF
        assert run_jobs(b) == 1  # the acknowledgement (MDN) back to A
        assert OutgoingMail.get().kind == "mdn" and OutgoingRecipient.get().status == "sent"
    with a.app_context():
        status = client_a.get(f"/mssante_mail/exchanges/{sent_id}/status", headers=bearer(julie)).json["messages"]
        assert [(s["address"], s["label"]) for s in next(iter(status.values()))] == \
            [("thomas.durand@b.mssante.fr", "remis")]
        panels = client_a.get(f"/api/v1/exchanges/{sent_id}", headers=bearer(julie)).json["exchange"]["panels"]
        assert panels[0]["level"] == "success" and "remis" in panels[0]["text"]
        # Audit: the attempt with its answer, never the subject or the body.
        attempt = AuditEvent.get(AuditEvent.action == "mail.send.attempt")
        assert attempt.account_id == julie.id and attempt.outcome == "ok"
        assert attempt.request["responses"]["thomas.durand@b.mssante.fr"][0] == 250
        assert attempt.request["message_id"] == outgoing.message_id and attempt.request["size"] == outgoing.size
        for event in AuditEvent.select():
            assert "chographie" not in str(event.request) + event.detail and "sultats" not in str(event.request)

    # Thomas answers in the thread: the reply reaches Julie's thread, threaded by In-Reply-To.
    with b.app_context():
        r = client_b.post(f"/api/v1/exchanges/{received_id}/messages", headers=bearer(thomas),
                          json={"body": "Merci, je la vois demain."})
        assert r.status_code == 201, r.json
        reply = r.json["message"]["data"]["mail"]
        assert reply["to"] == ["julie.bernard@a.mssante.fr"] and reply["subject"] == "Re: Échographie de Mme Lefèvre"
        assert run_jobs(b) == 1
    with a.app_context():
        thread = client_a.get(f"/api/v1/exchanges/{sent_id}/messages", headers=bearer(julie)).json["messages"]
        assert [m["body"] for m in thread][-1] == "<p>Merci, je la vois demain.</p>"
        assert Exchange.select().where(Exchange.space == "mail").count() == 1
        assert run_jobs(a) == 1  # A acknowledges the reply
    with b.app_context():
        statuses = client_b.get(f"/mssante_mail/exchanges/{received_id}/status", headers=bearer(thomas)).json["messages"]
        assert [s["label"] for s in statuses[str(r.json["message"]["id"])]] == ["remis"]


def test_a_standard_client_message_is_received(platforms):
    a, _, julie, _, receiver_a = platforms
    msg = EmailMessage()
    msg["From"] = "Secrétariat Cardiologie <secretariat@chu.mssante.fr>"
    msg["To"] = "julie.bernard@a.mssante.fr"
    msg["Subject"] = "Compte rendu de consultation"
    msg["Message-ID"] = "<client-1@chu.mssante.fr>"
    msg.set_content("Bonjour Docteur,\nci-joint le compte rendu.\n\nCordialement")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="CR consultation 12-03.pdf")
    with smtplib.SMTP(LOOPBACK, receiver_a.port, timeout=10) as smtp:
        refused = smtp.sendmail("secretariat@chu.mssante.fr", ["julie.bernard@a.mssante.fr"], msg.as_bytes())
        assert refused == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
            smtp.sendmail("secretariat@chu.mssante.fr", ["inconnu@a.mssante.fr"], msg.as_bytes())
        assert error.value.recipients["inconnu@a.mssante.fr"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
            smtp.sendmail("secretariat@chu.mssante.fr", ["quelquun@ailleurs.mssante.fr"], msg.as_bytes())
        assert error.value.recipients["quelquun@ailleurs.mssante.fr"][0] == 550
        # The same message again (a sender retrying) is stored once.
        assert smtp.sendmail("secretariat@chu.mssante.fr", ["julie.bernard@a.mssante.fr"], msg.as_bytes()) == {}
    with a.app_context():
        client = a.test_client()
        [exchange] = client.get("/api/v1/exchanges?space=mail", headers=bearer(julie)).json["exchanges"]
        assert exchange["subject"] == "Compte rendu de consultation" and exchange["channel"] == "mssante_mail"
        [message] = client.get(f"/api/v1/exchanges/{exchange['id']}/messages", headers=bearer(julie)).json["messages"]
        assert message["body"] == "<p>Bonjour Docteur,<br>ci-joint le compte rendu.</p><p>Cordialement</p>"
        assert message["data"]["mail"]["from_name"] == "Secrétariat Cardiologie"
        assert [att["filename"] for att in message["attachments"]] == ["CR consultation 12-03.pdf"]
        assert Message.select().count() == 1 and OutgoingMail.select().count() == 0  # no MDN asked for
        refusals = AuditEvent.select().where((AuditEvent.action == "mail.receive") & (AuditEvent.outcome == "refused"))
        assert sorted(e.request["rcpt_to"] for e in refusals) == ["inconnu@a.mssante.fr", "quelquun@ailleurs.mssante.fr"]


def test_an_unreachable_relay_keeps_the_message_queued_then_sends_it(platforms):
    a, _, julie, _, _ = platforms
    relais = relais_of(a)
    with smtp_sink() as (_, free_port):
        pass  # a port nobody listens on any more
    relais.config["mail_relay_port"] = free_port
    with a.app_context():
        client = a.test_client()
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["thomas.durand@b.mssante.fr"], "subject": "Relance",
            "body": "Bonjour"})
        assert r.status_code == 201
        for attempt in (1, 2):
            make_jobs_due()
            assert run_jobs(a) == 1
            outgoing = OutgoingMail.get()
            assert (outgoing.attempts, outgoing.status, OutgoingRecipient.get().status) == (attempt, "queued", "pending")
            assert "ConnectionRefusedError" in outgoing.last_error
            retry = Job.select().where(Job.status == "pending").get()
            assert retry.payload == {"outgoing": outgoing.id, "attempt": attempt + 1}
            delay = (retry.run_at - outgoing.updated_at).total_seconds()
            assert delay == pytest.approx(30.0 * 2 ** (attempt - 1), abs=1)  # backoff doubles
            assert run_jobs(a) == 0  # not due yet
        with smtp_sink(port=free_port) as (sink, _):
            make_jobs_due()
            assert run_jobs(a) == 1
            assert len(sink.messages) == 1 and sink.messages[0].rcpt_tos == ["thomas.durand@b.mssante.fr"]
        assert (OutgoingMail.get().attempts, OutgoingMail.get().status, OutgoingRecipient.get().status) == (3, "done", "sent")
        outcomes = [e.outcome for e in AuditEvent.select().where(AuditEvent.action == "mail.send.attempt").order_by(AuditEvent.id)]
        assert outcomes == ["deferred", "deferred", "ok"]
