"""Mail that cannot reach a mailbox: refused (SMTP, audited) or, once an operator accepted it (IMAP), kept as
"non distribué", answered with an error MDN, audited, and released or discarded by an administrator."""
from __future__ import annotations

import smtplib

import peewee as pw
import pytest

from kernel.mail import inbound
from kernel.mail.compose import parse
from kernel.mail.imap import poll_imap
from kernel.mail.mdn import read_mdn
from kernel.mail.models import ImapCursor, OutgoingMail, OutgoingRecipient, UndeliveredMail
from kernel.models import AuditEvent, Exchange, MailAddress, Message
from mail.imap_server import ImapServer, Store
from mail.mail_helpers import LOOPBACK, make_pki, mail_app, operator_mail, running_receiver, server_tls
from support.factories import bearer, make_account, make_structure

ADMIN = "/mssante_mail/admin/undelivered"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki-undelivered"))


def _mail(n: int, to: str, attachment: bytes | None = None, mdn: bool = True) -> bytes:
    return operator_mail(n, to, attachment=attachment, mdn=mdn)


def _app(make_app, pki, port: int, backend: str = "sqlite", **more):
    return mail_app(make_app, backend, "a.mssante.fr", mail_inbound="imap", mail_imap_host="127.0.0.1",
                    mail_imap_port=port, mail_client_cert=str(pki.client_cert), mail_client_key=str(pki.client_key),
                    mail_ca_file=str(pki.ca), **more)


def _admin():
    admin = make_account("admin", "Ada", "Admin")
    admin.is_admin = True
    admin.save()
    return admin


def _error_mdn() -> tuple[str, str, str]:
    [mdn] = OutgoingMail.select().where(OutgoingMail.kind == "mdn")
    disposition = read_mdn(parse(mdn.raw))
    return OutgoingRecipient.get(OutgoingRecipient.outgoing == mdn.id).address, disposition.kind, disposition.error


def test_imap_mail_for_an_unknown_mailbox_is_kept_answered_and_released_by_an_administrator(make_app, backend, pki):
    store = Store()
    store.add("inconnu@a.mssante.fr", _mail(1, "inconnu@a.mssante.fr"))
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port, backend, mail_imap_mailboxes=["inconnu@a.mssante.fr"])
        with app.app_context():
            poll_imap({})
            assert ImapCursor.get().last_uid == 1  # settled: the next poll does not read it again
            [held] = UndeliveredMail.select()
            assert (held.status, held.code, held.mailbox, held.mdn_sent) == ("held", 550, "inconnu@a.mssante.fr", True)
            assert held.raw == store.mailboxes["inconnu@a.mssante.fr"][0][1]
            # STANDARDS.md error form, to the address the sender named.
            assert _error_mdn() == ("secretariat@chu.mssante.fr", "processed", "550^Destinataire inconnu")
            event = AuditEvent.get((AuditEvent.action == "mail.receive") & (AuditEvent.outcome == "held"))
            assert event.request["response"][0] == 550 and event.request["error_mdn"] is True
            assert "confidentiel" not in str(event.request)
            # Read again (the operator renumbered the folder): neither kept nor answered twice.
            store.uidvalidity = 2
            poll_imap({})
            assert UndeliveredMail.select().count() == 1 and OutgoingMail.select().count() == 1

            client = app.test_client()
            admin = _admin()
            julie = make_account("julie", "Julie", "Bernard")
            assert client.get(ADMIN, headers=bearer(julie)).status_code == 403
            [row] = client.get(ADMIN, headers=bearer(admin)).json["undelivered"]
            assert row["reason"] == "Aucune identité de la plateforme ne détient l'adresse inconnu@a.mssante.fr."
            assert "raw" not in row and "confidentiel" not in str(row) and row["created_at_local"][-6:] in ("+01:00", "+02:00")
            r = client.post(f"{ADMIN}/{row['id']}/release", headers=bearer(admin), json={})
            assert r.status_code == 422 and "550" in r.json["errors"]["to"][0]
            # The administrator sends it to the organisational mailbox.
            repap = make_structure("Coordination REPAP", delegates=(julie,))
            MailAddress.create(identity=repap, address="repap@a.mssante.fr")
            r = client.post(f"{ADMIN}/{row['id']}/release", headers=bearer(admin), json={"to": "repap@a.mssante.fr"})
            assert r.status_code == 200, r.json
            assert [e["subject"] for e in client.get("/api/v1/exchanges?space=mail", headers=bearer(julie))
                    .json["exchanges"]] == ["Compte rendu confidentiel 1"]
            held = UndeliveredMail.get()
            assert (held.status, held.raw, held.resolved_by) == ("released", None, admin.id)
            releases = AuditEvent.select().where(AuditEvent.action == "mail.undelivered.release").order_by(AuditEvent.id)
            assert [e.outcome for e in releases] == ["failed", "ok"]
            # Already released: a conflict, said in French (tests/mail/test_mail_undelivered_admin.py has the rest).
            assert client.post(f"{ADMIN}/{row['id']}/discard", headers=bearer(admin)).status_code == 409


def test_imap_mail_with_a_refused_attachment_is_kept_and_the_sender_told(make_app, pki):
    store = Store()
    store.add("julie@a.mssante.fr", _mail(2, "julie@a.mssante.fr", attachment=b"%PDF" + b"x" * 5000))
    store.add("julie@a.mssante.fr", _mail(3, "julie@a.mssante.fr"))
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port, attachment_max_bytes=1000)
        with app.app_context():
            julie = make_account("julie", addresses=("julie@a.mssante.fr",))
            poll_imap({})
            assert ImapCursor.get().last_uid == 2 and Message.select().count() == 1  # the next one still arrives
            assert UndeliveredMail.get().code == 552
            [error] = [m for m in OutgoingMail.select() if read_mdn(parse(m.raw)).failed]
            assert read_mdn(parse(error.raw)).error == "552^Piece jointe refusee"
            refused = AuditEvent.get((AuditEvent.action == "mail.receive") & (AuditEvent.outcome == "refused"))
            assert refused.request["response"][0] == 552 and "taille maximale" in refused.request["reason"]
            admin = _admin()
            client = app.test_client()
            held_id = UndeliveredMail.get().id
            assert client.post(f"{ADMIN}/{held_id}/discard", headers=bearer(admin)).status_code == 200
            assert (UndeliveredMail.get().status, UndeliveredMail.get().raw) == ("discarded", None)
            assert client.get(ADMIN, headers=bearer(admin)).json["undelivered"] == []
            assert len(client.get(f"{ADMIN}?status=all", headers=bearer(admin)).json["undelivered"]) == 1
            assert julie.id


def test_imap_mail_our_code_cannot_process_is_kept_instead_of_blocking_the_mailbox(make_app, pki, monkeypatch):
    store = Store()
    store.add("julie@a.mssante.fr", _mail(4, "julie@a.mssante.fr"))
    store.add("julie@a.mssante.fr", _mail(5, "julie@a.mssante.fr", mdn=False))
    real = inbound.store_in_mailbox

    def broken(msg, message_id, *args):
        if message_id == "held-4@chu.mssante.fr":
            raise ValueError("cannot process")
        return real(msg, message_id, *args)
    monkeypatch.setattr(inbound, "store_in_mailbox", broken)
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port)
        with app.app_context():
            make_account("julie", addresses=("julie@a.mssante.fr",))
            poll_imap({})
            assert ImapCursor.get().last_uid == 2 and Message.select().count() == 1
            held = UndeliveredMail.get()
            assert held.code == 554 and "ValueError" in held.reason
            assert _error_mdn()[2] == "554^Message non traite par le systeme destinataire"


def test_a_passing_database_failure_leaves_the_imap_message_for_the_next_poll(make_app, pki, monkeypatch):
    store = Store()
    store.add("julie@a.mssante.fr", _mail(6, "julie@a.mssante.fr"))

    def unavailable(*args):
        raise pw.OperationalError("database is unavailable")
    with ImapServer(store, server_tls(pki)) as server:
        app = _app(make_app, pki, server.port)
        with app.app_context():
            make_account("julie", addresses=("julie@a.mssante.fr",))
            monkeypatch.setattr(inbound, "store_in_mailbox", unavailable)
            with pytest.raises(pw.OperationalError):
                poll_imap({})
            assert UndeliveredMail.select().count() == 0 and ImapCursor.get().last_uid == 0
            monkeypatch.undo()
            poll_imap({})
            assert Message.select().count() == 1 and ImapCursor.get().last_uid == 1


def test_smtp_refused_attachment_is_answered_552_and_audited(make_app):
    app = mail_app(make_app, attachment_max_bytes=1000)
    with running_receiver(app) as receiver:
        with app.app_context():
            make_account("julie", addresses=("julie@a.mssante.fr",))
        with smtplib.SMTP(LOOPBACK, receiver.port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPDataError) as refused:
                smtp.sendmail("secretariat@chu.mssante.fr", ["julie@a.mssante.fr"],
                              _mail(7, "julie@a.mssante.fr", attachment=b"%PDF" + b"x" * 5000))
        assert refused.value.smtp_code == 552
        with app.app_context():
            event = AuditEvent.get(AuditEvent.action == "mail.receive")
            assert (event.outcome, event.request["response"][0], event.request["rcpt_to"]) == \
                ("refused", 552, "julie@a.mssante.fr")
            assert "confidentiel" not in str(event.request) and "cr.pdf" not in str(event.request)
            # The refusal is the answer (the sender's system bounces it): nothing kept, no MDN of our own.
            assert (Exchange.select().count(), OutgoingMail.select().count(), UndeliveredMail.select().count()) == \
                (0, 0, 0)
