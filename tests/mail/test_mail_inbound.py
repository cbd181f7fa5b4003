"""Receiving: threading by Message-ID, MDNs both ways, local delivery, organisational mailboxes, limits."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from kernel.mail.compose import parse
from kernel.mail.mdn import read_mdn
from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Exchange, Message
from mail.mail_helpers import (LOOPBACK, mail_app, mdn_report, publish_address, relais_of, running_receiver,
                               smtp_sink)
from support.factories import bearer, make_account, make_structure


@pytest.fixture
def platform(make_app, backend):
    app = mail_app(make_app, backend, "a.mssante.fr")
    with running_receiver(app) as receiver:
        yield app, receiver


def _mail(message_id: str, to: str = "julie@a.mssante.fr", subject: str = "Sortie d'hospitalisation",
          **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dr Paul Noir <paul.noir@chu.mssante.fr>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Bonjour,\nle patient sort demain.")
    return msg.as_bytes()


def _smtp(receiver, raw: bytes, to: str = "julie@a.mssante.fr", sender: str = "paul.noir@chu.mssante.fr") -> dict:
    with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
        return smtp.sendmail(sender, [to], raw)


def test_replies_are_threaded_and_the_sender_is_acknowledged(platform):
    app, receiver = platform
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
    _smtp(receiver, _mail("m1@chu.mssante.fr", Disposition_Notification_To="<paul.noir@chu.mssante.fr>"))
    _smtp(receiver, _mail("m2@chu.mssante.fr", subject="Re: Sortie", In_Reply_To="<m1@chu.mssante.fr>"))
    _smtp(receiver, _mail("m3@chu.mssante.fr", subject="Autre", References="<m0@x> <m2@chu.mssante.fr>"))
    _smtp(receiver, _mail("m4@chu.mssante.fr", subject="Nouveau sujet"))
    with app.app_context():
        exchanges = julie_exchanges = app.test_client().get("/api/v1/exchanges?space=mail",
                                                            headers=bearer(julie)).json["exchanges"]
        assert [e["subject"] for e in julie_exchanges] == ["Nouveau sujet", "Sortie d'hospitalisation"]
        assert Message.select().where(Message.exchange == exchanges[1]["id"]).count() == 3
        assert Exchange.select().where(Exchange.space == "chat").count() == 0
        # Only the first asked for an acknowledgement: one MDN queued, to the address it named.
        mdn = OutgoingMail.get()
        assert mdn.kind == "mdn" and mdn.mail_from == "" and OutgoingRecipient.get().address == "paul.noir@chu.mssante.fr"
        disposition = read_mdn(parse(mdn.raw))
        assert (disposition.original_message_id, disposition.final_recipient, disposition.kind) == \
            ("m1@chu.mssante.fr", "julie@a.mssante.fr", "processed")
        receipts = AuditEvent.select().where((AuditEvent.action == "mail.receive") & (AuditEvent.outcome == "ok"))
        assert receipts.count() == 4
        for event in receipts:
            assert set(event.request) >= {"source", "peer", "mail_from", "rcpt_to", "message_id", "size", "response"}
            assert "Sortie" not in str(event.request) and "patient" not in str(event.request)


@pytest.mark.parametrize("disposition, label, reason", [
    ("automatic-action/MDN-sent-automatically; processed", "remis", ""),
    ("manual-action/MDN-sent-manually; displayed", "lu", ""),
    ("automatic-action/MDN-sent-automatically; processed/error", "échec", "INS inconnu"),
])
def test_incoming_acknowledgements_move_the_status(platform, disposition, label, reason):
    app, receiver = platform
    with smtp_sink() as (sink, port):
        relais_of(app).config["mail_relay_port"] = port
        with app.app_context():
            julie = make_account(addresses=("julie@a.mssante.fr",))
            publish_address("paul.noir@chu.mssante.fr")
            r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "recipients": ["paul.noir@chu.mssante.fr"], "subject": "Avis",
                "body": "Bonjour"})
            relais_of(app).jobs.run_pending()
            sent = parse(sink.messages[0].data)
    report = mdn_report(sent["Message-ID"], disposition, error=reason)
    assert _smtp(receiver, report, sender="") == {}
    with app.app_context():
        exchange_id = r.json["exchange"]["id"]
        statuses = app.test_client().get(f"/mssante_mail/exchanges/{exchange_id}/status", headers=bearer(julie)).json
        [row] = list(statuses["messages"].values())[0]
        assert row["label"] == label and (reason in row["reason"])
        assert Message.select().count() == 1  # an acknowledgement is never shown as a mail
        assert AuditEvent.get(AuditEvent.action == "mail.mdn.receive").outcome == "ok"


def test_local_delivery_between_two_mailboxes_of_the_platform(platform):
    app, _ = platform
    relais_of(app).config["mail_relay_port"] = 9  # never used: both addresses are ours
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
        dora = make_account("dora", "Dora", "Petit", eligible=False)
        repap = make_structure("Coordination REPAP", delegates=(dora,))
        from kernel.models import MailAddress
        MailAddress.create(identity=repap, address="repap@a.mssante.fr")
        client = app.test_client()
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["repap@a.mssante.fr", "nobody@a.mssante.fr"],
            "subject": "Pour la coordination", "body": "Bonjour"})
        assert r.status_code == 422 and "nobody@a.mssante.fr" in r.json["errors"]["recipients"][0]
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["repap@a.mssante.fr"],
            "subject": "Pour la coordination", "body": "Bonjour"})
        assert relais_of(app).jobs.run_pending() == 2  # the mail, then the structure's acknowledgement
        [received] = client.get("/api/v1/exchanges?space=mail", headers=bearer(dora)).json["exchanges"]
        assert received["subject"] == "Pour la coordination" and received["id"] != r.json["exchange"]["id"]
        statuses = client.get(f"/mssante_mail/exchanges/{r.json['exchange']['id']}/status", headers=bearer(julie)).json
        assert [s["label"] for s in list(statuses["messages"].values())[0]] == ["remis"]
        attempt = AuditEvent.select().where(AuditEvent.action == "mail.send.attempt").order_by(AuditEvent.id).first()
        assert attempt.request["relay"] == "local" and attempt.request["responses"]["repap@a.mssante.fr"][0] == 250


def test_oversized_and_malformed_input(make_app):
    app = mail_app(make_app, mail_max_bytes=20_000)
    with running_receiver(app) as receiver:
        with app.app_context():
            make_account(addresses=("julie@a.mssante.fr",))
        big = _mail("big@x.mssante.fr").replace(b"Bonjour,", b"B" * 30_000)
        with pytest.raises(smtplib.SMTPException):
            _smtp(receiver, big)
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            smtp.ehlo()
            smtp.mail("a@b.mssante.fr")
            assert smtp.rcpt("pas une adresse")[0] in (501, 553)
        # No Message-ID, no subject, no body: still stored, once.
        bare = b"From: x@y.mssante.fr\r\nTo: julie@a.mssante.fr\r\n\r\n"
        assert _smtp(receiver, bare) == {} and _smtp(receiver, bare) == {}
        with app.app_context():
            assert [e.subject for e in Exchange.select()] == ["(sans objet)"]


def test_relais_serve_starts_the_receiver_beside_the_web_server(make_app):
    import threading

    from kernel.server import run_platform

    app = mail_app(make_app)
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
    ready = threading.Event()
    holder = {}

    def on_ready(platform):
        holder["platform"] = platform
        ready.set()
    runner = threading.Thread(target=run_platform, args=(app, LOOPBACK, 0), kwargs={"ready_callback": on_ready},
                              daemon=True)
    runner.start()
    assert ready.wait(20)
    try:
        [receiver] = [s for s in relais_of(app).services if s.name == "kernel.mail.receiver"]
        assert _smtp(receiver, _mail("served@chu.mssante.fr")) == {}
        with app.app_context():
            assert app.test_client().get("/api/v1/exchanges?space=mail", headers=bearer(julie)).json["exchanges"]
    finally:
        holder["platform"].stop()
        runner.join(20)
    assert receiver.controller is None  # stopped with the platform


def test_without_configured_domains_the_platforms_own_addresses_are_local(make_app):
    """The demo's case: no mail_domains, the domains of the addresses the platform holds are its own."""
    app = mail_app(make_app, mail_domains=[], mail_relay_port=9)
    with app.app_context():
        julie = make_account(addresses=("julie.bernard@demo.relais-sante.mssante.fr",))
        thomas = make_account("thomas", "Thomas", "Durand", addresses=("thomas.durand@demo.relais-sante.mssante.fr",
                                                                         "thomas.durand.ch@demo.relais-sante.mssante.fr"))
        client = app.test_client()
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "subject": "Consultation", "body": "Bonjour",
            "recipients": ["thomas.durand@demo.relais-sante.mssante.fr", "thomas.durand.ch@demo.relais-sante.mssante.fr"]})
        assert r.status_code == 201, r.json
        assert relais_of(app).jobs.run_pending() == 3  # one mail, two acknowledgements (one per mailbox address)
        [received] = client.get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
        assert received["subject"] == "Consultation"
        statuses = client.get(f"/mssante_mail/exchanges/{r.json['exchange']['id']}/status", headers=bearer(julie)).json
        assert [s["label"] for s in list(statuses["messages"].values())[0]] == ["remis", "remis"]
