"""A relay's refusal keeps its reason (issue #12, item 11): a pending mail says why it waits, in French; a
configuration problem (no or refused client certificate, untrusted relay certificate, no STARTTLS) is not retried
for twenty minutes, a relay that does not answer, or a line broken even in the middle of the TLS handshake, is
retried sooner."""
from __future__ import annotations

import datetime as dt
import ssl

import pytest

from kernel.db import utcnow
from kernel.mail.models import OutgoingRecipient
from kernel.mail.receiver import _free_port
from kernel.models import AuditEvent, Job
from mail.mail_helpers import SinkHandler, make_pki, mail_app, publish_address, relais_of, server_tls, smtp_sink
from mail.tls_stub_relay import stub_relay
from support.factories import bearer, make_account

TO = "thomas@b.mssante.fr"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def _send(app) -> None:
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
        publish_address(TO)
        r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": [TO], "subject": "TLS", "body": "Bonjour"})
        assert r.status_code == 201, r.json
        relais_of(app).jobs.run_pending()


def _tls(pki, port: int, **more):
    return dict(mail_relay_port=port, mail_relay_starttls=True, mail_client_cert=str(pki.client_cert),
                mail_client_key=str(pki.client_key), mail_ca_file=str(pki.ca), **more)


def _next_attempt_in(app) -> float:
    with app.app_context():
        job = Job.select().where((Job.status == "pending") & (Job.name == "kernel.mail.send")).get()
        return (job.run_at - utcnow()).total_seconds()


NO_CLIENT_CERTIFICATE = ("le relais MSSanté exige le certificat de la plateforme (authentification mutuelle) et "
                         "aucun n'est configuré : votre administrateur doit l'installer")
CLIENT_CERTIFICATE_REFUSED = ("le relais MSSanté a refusé le certificat de la plateforme (authentification "
                              "mutuelle) : votre administrateur doit vérifier qu'il est valide et reconnu")
INTERRUPTED = "la connexion avec le relais MSSanté a été interrompue"


def _relay_trusting(pki, ca, maximum=None):
    """A relay's TLS requiring a client certificate signed by ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.load_verify_locations(cafile=str(ca))
    context.verify_mode = ssl.CERT_REQUIRED
    if maximum:
        context.maximum_version = maximum
    return context


@pytest.mark.parametrize("case, reason", [
    ("untrusted relay certificate", "le certificat du relais MSSanté n'est pas reconnu (autorité non approuvée ou "
                                    "nom différent) : votre administrateur doit vérifier la configuration"),
    ("no STARTTLS offered", "le relais MSSanté ne propose pas de connexion chiffrée (STARTTLS) : votre "
                            "administrateur doit vérifier l'adresse du relais"),
    ("unreadable client certificate", "les réglages de la messagerie sécurisée sont inutilisables (certificat "
                                      "client illisible) : votre administrateur doit les corriger"),
])
def test_a_configuration_problem_is_said_and_not_retried_for_twenty_minutes(make_app, pki, tmp_path, case, reason):
    tls = None if case == "no STARTTLS offered" else server_tls(pki)
    with smtp_sink(tls=tls, require_starttls=tls is not None) as (sink, port):
        settings = _tls(pki, port)
        if case == "untrusted relay certificate":
            settings.update(mail_ca_file=str(pki.other_ca))
        if case == "unreadable client certificate":
            settings.update(mail_client_cert=str(tmp_path / "absent.pem"))
        app = mail_app(make_app, **settings)
        _send(app)
        assert sink.messages == []
    _assert_waits(app, reason, config_problem=True)


# The relay's own TLS alert (a blocking OpenSSL relay: the asyncio test server does not send its alerts).
@pytest.mark.parametrize("case, reason", [
    ("no client certificate, TLS 1.3", NO_CLIENT_CERTIFICATE),  # alert "certificate required"
    ("no client certificate, TLS 1.2", NO_CLIENT_CERTIFICATE),  # alert "handshake failure"
    ("client certificate refused", CLIENT_CERTIFICATE_REFUSED),  # alert "unknown CA"
])
def test_a_relays_tls_alert_about_the_client_certificate_is_a_configuration_problem(make_app, pki, case, reason):
    ca = pki.other_ca if case == "client certificate refused" else pki.ca
    maximum = ssl.TLSVersion.TLSv1_2 if "TLS 1.2" in case else None
    with stub_relay("tls", _relay_trusting(pki, ca, maximum)) as port:
        settings = _tls(pki, port)
        if case.startswith("no client certificate"):
            settings.update(mail_client_cert="", mail_client_key="")
        app = mail_app(make_app, **settings)
        _send(app)
    _assert_waits(app, reason, config_problem=True)


@pytest.mark.parametrize("behaviour", ["reset", "eof"])
@pytest.mark.parametrize("with_certificate", [True, False])
def test_a_line_broken_in_the_middle_of_the_handshake_is_a_passing_incident(make_app, pki, behaviour,
                                                                             with_certificate):
    with stub_relay(behaviour) as port:
        settings = _tls(pki, port, mail_retry_seconds=30.0)
        if not with_certificate:
            settings.update(mail_client_cert="", mail_client_key="")
        app = mail_app(make_app, **settings)
        _send(app)
    _assert_waits(app, INTERRUPTED, config_problem=False)


def _assert_waits(app, reason: str, config_problem: bool) -> None:
    with app.app_context():
        recipient = OutgoingRecipient.get()
        assert recipient.status == "pending"
        delay = "20 minutes" if config_problem else "1 minute"
        assert recipient.reason == f"En attente : {reason} ; nouvel essai automatique dans {delay}."
        assert AuditEvent.get(AuditEvent.action == "mail.send.attempt").request["reason"] == reason
    if config_problem:
        assert 19 * 60 < _next_attempt_in(app) <= 20 * 60
    else:
        assert _next_attempt_in(app) <= 60


def test_an_unreachable_relay_is_retried_sooner_and_says_so(make_app):
    app = mail_app(make_app, mail_relay_port=_free_port("127.0.0.1"), mail_retry_seconds=30.0)
    _send(app)
    with app.app_context():
        recipient = OutgoingRecipient.get()
        assert recipient.status == "pending"
        assert recipient.reason == ("En attente : le relais MSSanté ne répond pas pour le moment ; nouvel essai "
                                    "automatique dans 1 minute.")
    assert _next_attempt_in(app) <= 30


def test_a_temporary_refusal_keeps_the_servers_words_and_success_clears_them(make_app):
    handler = SinkHandler(rcpt_replies={TO: "451 4.3.0 Boite pleine, reessayez"})
    with smtp_sink(handler=handler) as (sink, port):
        app = mail_app(make_app, mail_relay_port=port)
        _send(app)
        with app.app_context():
            assert OutgoingRecipient.get().reason == (
                "En attente : le serveur destinataire a demandé de patienter (451 4.3.0 Boite pleine, reessayez) ; "
                "nouvel essai automatique dans 1 minute.")
            handler.rcpt_replies.clear()
            Job.update(run_at=utcnow() - dt.timedelta(seconds=1)).where(Job.status == "pending").execute()
            relais_of(app).jobs.run_pending()
            recipient = OutgoingRecipient.get()
            assert (recipient.status, recipient.reason) == ("sent", "")
        assert len(sink.messages) == 1
