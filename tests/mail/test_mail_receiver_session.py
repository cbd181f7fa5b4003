"""The built-in receiver's session (issue #12, item 12): it advertises no AUTH (it accepts none: operators
authenticate by client certificate), and a TLS handshake without a client certificate is one log line, not a
traceback."""
from __future__ import annotations

import logging
import smtplib
import ssl
import time

import pytest

from mail.mail_helpers import LOOPBACK, make_pki, mail_app, running_receiver


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _mutual_tls_app(make_app, pki):
    return mail_app(make_app, domain="b.mssante.fr", mail_receiver_cert=str(pki.server_cert),
                    mail_receiver_key=str(pki.server_key), mail_receiver_client_ca=str(pki.ca))


def test_no_auth_is_advertised_before_or_after_starttls_and_none_is_accepted(make_app, pki):
    for app in (mail_app(make_app, domain="b.mssante.fr"), _mutual_tls_app(make_app, pki)):
        with running_receiver(app) as receiver:
            with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
                smtp.ehlo()
                assert not smtp.has_extn("auth") and smtp.has_extn("8bitmime")
                if smtp.has_extn("starttls"):
                    context = ssl.create_default_context(cafile=str(pki.ca))
                    context.load_cert_chain(str(pki.client_cert), str(pki.client_key))
                    smtp.starttls(context=context)
                    smtp.ehlo()
                    assert not smtp.has_extn("auth")
                code, _ = smtp.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")
                assert code >= 500


def test_a_handshake_without_a_client_certificate_is_one_line(make_app, pki, caplog):
    app = _mutual_tls_app(make_app, pki)
    with running_receiver(app) as receiver:
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            context = ssl.create_default_context(cafile=str(pki.ca))  # no client certificate
            with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
                with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                    smtp.noop()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not any("TLS handshake" in r.getMessage() for r in caplog.records):
                time.sleep(0.05)
    mine = [r for r in caplog.records if r.name.startswith(("kernel.mail", "mail.log", "asyncio"))
            and r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in mine] == ["SMTP receiver: TLS handshake refused"], \
        [r.getMessage() for r in mine]
    assert all(r.exc_info is None for r in mine)
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)
