"""Mail settings short of mutual TLS are said at start-up, and each send's audit says whether it had it."""
from __future__ import annotations

import logging

import pytest

from kernel.mail.tls import transport_warnings
from kernel.models import AuditEvent
from mail.mail_helpers import make_pki, mail_app, publish_address, relais_of, running_receiver, server_tls, smtp_sink
from support.factories import bearer, make_account


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki-warnings"))


def test_starttls_without_a_client_certificate_is_warned_at_start(make_app, caplog):
    app = mail_app(make_app, mail_relay_host="127.0.0.1", mail_relay_port=587, mail_relay_starttls=True)
    with caplog.at_level(logging.WARNING, logger="kernel.mail.receiver"):
        with running_receiver(app):
            pass
    [warning] = [r.getMessage() for r in caplog.records if "mutual TLS" in r.getMessage()]
    assert "127.0.0.1:587" in warning and "mail_client_cert" in warning


def test_the_demo_settings_and_a_complete_operator_setup_give_no_warning(make_app, pki):
    demo = relais_of(mail_app(make_app, name="demo")).config
    assert transport_warnings(demo) == []  # the built-in receiver on the loopback, as the demo runs
    operator = dict(demo, mail_relay_host="smtp.operateur.example", mail_relay_starttls=True,
                    mail_client_cert=str(pki.client_cert), mail_inbound="imap", mail_imap_host="imap.operateur.example")
    assert transport_warnings(operator) == []
    clear = dict(operator, mail_relay_starttls=False, mail_client_cert="")
    assert [w.split(":")[0] for w in transport_warnings(clear)] == ["mail relay smtp.operateur.example", "IMAP server imap.operateur.example"]


def test_the_audit_of_a_send_says_whether_a_client_certificate_was_presented(make_app, pki):
    with smtp_sink(tls=server_tls(pki, require_client=False), require_starttls=True) as (sink, port):
        app = mail_app(make_app, mail_relay_port=port, mail_relay_starttls=True, mail_ca_file=str(pki.ca))
        with app.app_context():
            julie = make_account("julie", addresses=("julie@a.mssante.fr",))
            publish_address("thomas@b.mssante.fr")
            r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": "TLS",
                "body": "Bonjour"})
            assert r.status_code == 201
            relais_of(app).jobs.run_pending()
            attempt = AuditEvent.get(AuditEvent.action == "mail.send.attempt")
            assert attempt.request["tls"] is True and attempt.request["client_certificate"] is False
        assert len(sink.messages) == 1
