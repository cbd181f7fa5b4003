"""STARTTLS with a client certificate (mutual TLS), against a local aiosmtpd relay and our own receiver."""
from __future__ import annotations

import smtplib
import ssl

import pytest

from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Message
from mail.mail_helpers import (LOOPBACK, make_pki, mail_app, publish_address, relais_of, running_receiver,
                               server_tls, smtp_sink)
from support.factories import bearer, make_account


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _send(app, to: str = "thomas@b.mssante.fr") -> None:
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
        publish_address(to)
        r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": [to], "subject": "TLS", "body": "Bonjour"})
        assert r.status_code == 201, r.json
        relais_of(app).jobs.run_pending()


def _tls_settings(pki, port: int, **more):
    return dict(mail_relay_port=port, mail_relay_starttls=True, mail_client_cert=str(pki.client_cert),
                mail_client_key=str(pki.client_key), mail_ca_file=str(pki.ca), **more)


def test_starttls_with_a_client_certificate_is_accepted(make_app, pki):
    with smtp_sink(tls=server_tls(pki), require_starttls=True) as (sink, port):
        app = mail_app(make_app, **_tls_settings(pki, port))
        _send(app)
        assert len(sink.messages) == 1
    with app.app_context():
        assert OutgoingRecipient.get().status == "sent"
        attempt = AuditEvent.get(AuditEvent.action == "mail.send.attempt")
        assert attempt.request["tls"] is True and "STARTTLS -> 220" in attempt.request["transcript"]


@pytest.mark.parametrize("case", ["no client certificate", "unknown server CA", "no STARTTLS offered"])
def test_tls_problems_leave_the_message_queued(make_app, pki, case):
    tls = None if case == "no STARTTLS offered" else server_tls(pki)
    with smtp_sink(tls=tls, require_starttls=tls is not None) as (sink, port):
        settings = _tls_settings(pki, port)
        if case == "no client certificate":
            settings.update(mail_client_cert="", mail_client_key="")
        if case == "unknown server CA":
            settings.update(mail_ca_file=str(pki.other_ca))
        app = mail_app(make_app, **settings)
        _send(app)
        assert sink.messages == []
    with app.app_context():
        outgoing = OutgoingMail.get()
        assert (outgoing.status, outgoing.attempts, OutgoingRecipient.get().status) == ("queued", 1, "pending")
        expected = {"no client certificate": "Connection unexpectedly closed", "unknown server CA": "CERTIFICATE_VERIFY_FAILED",
                    "no STARTTLS offered": "does not offer STARTTLS"}[case]
        assert expected in outgoing.last_error


def test_our_receiver_requires_starttls_and_a_client_certificate(make_app, pki):
    b = mail_app(make_app, domain="b.mssante.fr", mail_receiver_cert=str(pki.server_cert),
                 mail_receiver_key=str(pki.server_key), mail_receiver_client_ca=str(pki.ca))
    with running_receiver(b) as receiver:
        with b.app_context():
            thomas = make_account(addresses=("thomas@b.mssante.fr",))
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as plain:
            plain.ehlo()
            code, _ = plain.mail("intrus@x.mssante.fr")
            assert code == 530  # must issue STARTTLS first
        context = ssl.create_default_context(cafile=str(pki.ca))  # no client certificate
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as anonymous:
            with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
                anonymous.starttls(context=context)
                anonymous.sendmail("intrus@x.mssante.fr", ["thomas@b.mssante.fr"], b"Subject: x\r\n\r\nx\r\n")
        a = mail_app(make_app, **_tls_settings(pki, receiver.port))
        _send(a)
        with a.app_context():
            assert OutgoingRecipient.get().status == "sent"
        with b.app_context():
            assert Message.select().count() == 1
            assert b.test_client().get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
