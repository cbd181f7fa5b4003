"""Acknowledgements as STANDARDS.md writes them: the original message carried back, Original-Recipient only
when the original had one, errors as ``processed/Error: code^label``; both forms read from others."""
from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage

from kernel.mail.compose import parse, to_bytes
from kernel.mail.mdn import build_mdn, read_mdn
from kernel.mail.models import OutgoingMail
from mail.mail_helpers import (LOOPBACK, mail_app, mdn_report, publish_address, relais_of, running_receiver,
                               smtp_sink)
from support.factories import bearer, make_account


def _mail(message_id: str, body: str = "Bonjour", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "paul.noir@chu.mssante.fr"
    msg["To"] = "julie@a.mssante.fr"
    msg["Subject"] = "Sortie"
    msg["Message-ID"] = f"<{message_id}>"
    msg["Disposition-Notification-To"] = "<paul.noir@chu.mssante.fr>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(policy=policy.SMTP)


def test_original_recipient_is_given_back_only_when_the_original_carried_one():
    original = parse(_mail("o1@chu.mssante.fr", Original_Recipient="rfc822;Julie.Bernard@a.mssante.fr"))
    report = parse(to_bytes(build_mdn(original, "julie@a.mssante.fr", "paul.noir@chu.mssante.fr", "m1@a.mssante.fr")))
    fields = list(report.iter_parts())[1].get_payload()[0]
    assert fields["Original-Recipient"] == "rfc822;Julie.Bernard@a.mssante.fr"
    assert fields["Final-Recipient"] == "rfc822;julie@a.mssante.fr"


def test_received_mail_is_acknowledged_with_the_original_inside_or_its_headers_when_too_large(make_app):
    app = mail_app(make_app, mail_max_bytes=100_000)
    with running_receiver(app) as receiver:
        with app.app_context():
            make_account("julie", addresses=("julie@a.mssante.fr",))
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            smtp.sendmail("paul.noir@chu.mssante.fr", ["julie@a.mssante.fr"], _mail("small@chu.mssante.fr"))
            smtp.sendmail("paul.noir@chu.mssante.fr", ["julie@a.mssante.fr"],
                          _mail("large@chu.mssante.fr", body="Compte rendu détaillé.\n" * 2500))
        with app.app_context():
            small, large = [parse(m.raw) for m in OutgoingMail.select().order_by(OutgoingMail.id)]
            _, _, carried = list(small.iter_parts())
            assert carried.get_content_type() == "message/rfc822"
            assert carried.get_payload()[0]["Message-ID"] == "<small@chu.mssante.fr>"
            _, _, headers = list(large.iter_parts())
            assert headers.get_content_type() == "text/rfc822-headers"
            assert "Message-ID: <large@chu.mssante.fr>" in headers.get_content()
            assert "détaillé" not in headers.get_content()
            assert all(len(m.raw) <= 100_000 for m in OutgoingMail.select())


def test_an_error_acknowledgement_in_the_standard_form_shows_its_label(make_app):
    app = mail_app(make_app)
    with running_receiver(app) as receiver, smtp_sink() as (sink, port):
        relais_of(app).config["mail_relay_port"] = port
        with app.app_context():
            julie = make_account("julie", addresses=("julie@a.mssante.fr",))
            publish_address("paul.noir@chu.mssante.fr")
            r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "recipients": ["paul.noir@chu.mssante.fr"], "subject": "Avis",
                "body": "Bonjour"})
            relais_of(app).jobs.run_pending()
            sent = parse(sink.messages[0].data)
        report = mdn_report(sent["Message-ID"], "automatic-action/MDN-sent-automatically; processed/Error: 21^INS inconnu",
                            subject="KO", message_id="<mdn-ko@chu.mssante.fr>")
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            smtp.sendmail("", ["julie@a.mssante.fr"], report)
        with app.app_context():
            statuses = app.test_client().get(f"/mssante_mail/exchanges/{r.json['exchange']['id']}/status",
                                             headers=bearer(julie)).json
            [row] = list(statuses["messages"].values())[0]
            assert row["label"] == "échec"
            assert row["reason"] == "Le système destinataire signale une erreur : INS inconnu (21)"
    assert read_mdn(parse(report)).error == "21^INS inconnu"
