"""Mail senders cannot be forged inside the platform (issue #10, item 6): by SMTP without an authenticated
operator link, a mail claiming a platform address as its sender is refused (550) and audited; the
platform's own delivery, the operator's IMAP and a verified client certificate are believed."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import pytest

from kernel.mail.inbound import FORGED_SENDER, accept
from kernel.models import AuditEvent, Exchange, Message
from mail.mail_helpers import LOOPBACK, make_pki, mail_app, running_receiver
from support.factories import bearer, make_account


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _mail(sender: str, to: str = "thomas@a.mssante.fr", message_id: str = "<f1@x.fr>", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Résultats"
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("Merci d'envoyer le dossier à cette adresse.")
    return msg.as_bytes()


@pytest.fixture
def platform(make_app, backend):
    app = mail_app(make_app, backend, "a.mssante.fr")
    with app.app_context():
        make_account("thomas", "Thomas", "Petit", addresses=("thomas@a.mssante.fr",))
        make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))
    with running_receiver(app) as receiver:
        yield app, receiver


@pytest.mark.parametrize("envelope, header", [
    ("julie@a.mssante.fr", "Dr Julie Bernard <julie@a.mssante.fr>"),     # both forged
    ("pirate@ailleurs.fr", "Dr Julie Bernard <JULIE@a.mssante.fr>"),     # only the header, in capitals
    ("julie@a.mssante.fr", "pirate@ailleurs.fr"),                         # only the envelope
    ("pirate@ailleurs.fr", "personne@a.mssante.fr"),                      # the platform's domain, no mailbox
])
def test_unauthenticated_smtp_claiming_a_platform_sender_is_refused_and_audited(platform, envelope, header):
    app, receiver = platform
    with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail(envelope, ["thomas@a.mssante.fr"], _mail(header))
    assert (refused.value.smtp_code, refused.value.smtp_error.decode()) == FORGED_SENDER
    with app.app_context():
        assert Message.select().count() == 0 and Exchange.select().count() == 0
        audit = AuditEvent.select().where(AuditEvent.action == "mail.receive").order_by(AuditEvent.id.desc()).get()
        assert audit.outcome == "refused" and audit.target == "address:thomas@a.mssante.fr"
        assert audit.request["response"] == list(FORGED_SENDER)
        assert audit.request["reason"].startswith("expéditeur de la plateforme non authentifié")


def test_a_sender_field_naming_a_platform_address_is_refused_too(platform):
    app, receiver = platform
    with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError):
            smtp.sendmail("pirate@ailleurs.fr", ["thomas@a.mssante.fr"],
                          _mail("pirate@ailleurs.fr", Sender="julie@a.mssante.fr"))


def test_an_outside_sender_is_received(platform):
    app, receiver = platform
    with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
        assert smtp.sendmail("paul@chu.mssante.fr", ["thomas@a.mssante.fr"], _mail("paul@chu.mssante.fr")) == {}
    with app.app_context():
        assert Message.select().count() == 1


def test_the_platforms_own_delivery_and_the_operators_imap_are_believed(platform):
    app, _ = platform
    with app.app_context():
        for n, source in enumerate(("local", "imap", "release")):
            raw = _mail("julie@a.mssante.fr", message_id=f"<own-{n}@a.mssante.fr>")
            assert accept(raw, "julie@a.mssante.fr", ["thomas@a.mssante.fr"], source=source) == {
                "thomas@a.mssante.fr": (250, "2.0.0 Message remis")}
        raw = _mail("julie@a.mssante.fr", message_id="<smtp@a.mssante.fr>")
        assert accept(raw, "julie@a.mssante.fr", ["thomas@a.mssante.fr"], source="smtp")["thomas@a.mssante.fr"] \
            == FORGED_SENDER
        assert accept(raw, "julie@a.mssante.fr", ["thomas@a.mssante.fr"], source="smtp", authenticated=True)[
            "thomas@a.mssante.fr"][0] == 250


def test_an_operator_link_with_a_verified_client_certificate_is_believed(make_app, pki):
    app = mail_app(make_app, domain="a.mssante.fr", mail_receiver_cert=str(pki.server_cert),
                   mail_receiver_key=str(pki.server_key), mail_receiver_client_ca=str(pki.ca))
    with app.app_context():
        thomas = make_account("thomas", "Thomas", "Petit", addresses=("thomas@a.mssante.fr",))
    context = ssl.create_default_context(cafile=str(pki.ca))
    context.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    with running_receiver(app) as receiver:
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            smtp.starttls(context=context)
            assert smtp.sendmail("secretariat@a.mssante.fr", ["thomas@a.mssante.fr"],
                                 _mail("secretariat@a.mssante.fr")) == {}
    with app.app_context():
        assert app.test_client().get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
