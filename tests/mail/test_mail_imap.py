"""The platform as a client of an external operator: IMAP polling with STARTTLS and a client certificate."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from kernel.mail.imap import POLL_JOB, poll_imap
from kernel.mail.models import ImapCursor, OutgoingMail
from kernel.models import Exchange, Message
from mail.imap_server import ImapServer, Store
from mail.mail_helpers import make_pki, mail_app, server_tls
from support.factories import bearer, make_account


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki-imap"))


def _mail(n: int, to: str = "julie@a.mssante.fr") -> bytes:
    msg = EmailMessage()
    msg["Return-Path"] = "<secretariat@chu.mssante.fr>"  # written by the operator's delivery agent
    msg["From"] = "secretariat@chu.mssante.fr"
    msg["To"] = to
    msg["Subject"] = f"Compte rendu {n}"
    msg["Message-ID"] = f"<imap-{n}@chu.mssante.fr>"
    msg["Disposition-Notification-To"] = "secretariat@chu.mssante.fr"
    msg.set_content(f"Compte rendu numéro {n}")
    return msg.as_bytes()


def _app(make_app, pki, port: int, backend: str = "sqlite", **more):
    return mail_app(make_app, backend, "a.mssante.fr", mail_inbound="imap", mail_imap_host="127.0.0.1",
                    mail_imap_port=port, mail_client_cert=str(pki.client_cert), mail_client_key=str(pki.client_key),
                    mail_ca_file=str(pki.ca), **more)


def test_polling_stores_each_message_once(make_app, backend, pki):
    store = Store()
    store.add("julie@a.mssante.fr", _mail(1))
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port, backend)
        with app.app_context():
            julie = make_account(addresses=("julie@a.mssante.fr",))
            poll_imap({})
            store.add("julie@a.mssante.fr", _mail(2))
            poll_imap({})
            poll_imap({})
            assert store.logins == ["external:julie@a.mssante.fr"] * 3
            subjects = [e["subject"] for e in app.test_client().get("/api/v1/exchanges?space=mail",
                                                                  headers=bearer(julie)).json["exchanges"]]
            assert sorted(subjects) == ["Compte rendu 1", "Compte rendu 2"]
            assert ImapCursor.get().last_uid == 2
            # The operator renumbers the folder: everything is read again, nothing is stored twice.
            store.uidvalidity = 2
            poll_imap({})
            assert Message.select().count() == 2 and ImapCursor.get().uidvalidity == 2
            # Both asked for an acknowledgement: answered through the outbox (sent by the relay later).
            assert OutgoingMail.select().where(OutgoingMail.kind == "mdn").count() == 2
            assert POLL_JOB in app.extensions["relais"].jobs.types


def test_login_mode_and_failures(make_app, pki):
    store = Store()
    store.add("julie@a.mssante.fr", _mail(1))
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port, mail_imap_auth="login", mail_imap_password="wrong")
        with app.app_context():
            make_account(addresses=("julie@a.mssante.fr",))
            poll_imap({})  # refused: logged and audited, no exception out of the job
            assert Message.select().count() == 0
            app.extensions["relais"].config["mail_imap_password"] = "secret"
            poll_imap({})
            assert Message.select().count() == 1 and store.logins == ["login:julie@a.mssante.fr"]
    with app.app_context():
        app.extensions["relais"].config["mail_inbound"] = "smtp"
        poll_imap({})  # not in IMAP mode: nothing happens
        assert Exchange.select().count() == 1
