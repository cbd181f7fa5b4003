"""Review fixes: a held mail is settled once even when two administrators act at the same moment; automatic
acknowledgements go to the envelope sender only (RFC 8098 2.1); the admin query strings never answer 500."""
from __future__ import annotations

import datetime as dt
import threading
from email import policy
from email.message import EmailMessage

import peewee as pw
import pytest

from kernel.db import utcnow
from kernel.mail import undelivered
from kernel.mail.compose import parse
from kernel.mail.inbound import accept
from kernel.mail.models import OutgoingMail, OutgoingRecipient, UndeliveredMail
from kernel.mail.undelivered import accept_from_operator
from kernel.models import AuditEvent, Exchange
from mail.mail_helpers import mail_app
from support.factories import bearer, make_account

ADMIN = "/mssante_mail/admin"
SENDER = "secretariat@chu.mssante.fr"


def _mail(n: int, to: str, notify: str | None = SENDER, *more_notify: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = to
    msg["Subject"] = f"Compte rendu confidentiel {n}"
    msg["Message-ID"] = f"<review-{n}@chu.mssante.fr>"
    if notify is not None:
        msg["Disposition-Notification-To"] = ", ".join((notify, *more_notify))
    msg.set_content(f"Contenu médical {n}")
    return msg.as_bytes(policy=policy.SMTP)


def _held(n: int, notify: str | None = SENDER, mail_from: str = SENDER) -> int:
    reply = accept_from_operator(_mail(n, "inconnu@a.mssante.fr", notify), mail_from, "inconnu@a.mssante.fr")
    assert reply[0] >= 500
    return UndeliveredMail.get(UndeliveredMail.header_id == f"review-{n}@chu.mssante.fr").id


def _admin(login: str = "admin"):
    admin = make_account(login, "Ada", "Admin")
    admin.is_admin = True
    admin.save()
    return admin


def _mdn_recipients() -> list[str]:
    return [r.address for r in OutgoingRecipient.select().join(OutgoingMail).where(OutgoingMail.kind == "mdn")]


@pytest.fixture
def platform(make_app, backend):
    app = mail_app(make_app, backend)
    with app.app_context():
        yield app


class _Paused:
    """Holds the first release inside its delivery (accept) until the test has run the second action."""

    def __init__(self, monkeypatch) -> None:
        self.inside, self.go_on = threading.Event(), threading.Event()
        real = undelivered.accept

        def paused(*args, **kwargs):
            self.inside.set()
            assert self.go_on.wait(10), "the test never let the first release go on"
            return real(*args, **kwargs)

        monkeypatch.setattr(undelivered, "accept", paused)

    def first(self, app, path: str, auth: dict, json: dict) -> dict:
        """Start ``path`` in another thread; returns once it is delivering. ``result["response"]`` at the end."""
        result: dict = {}

        def run() -> None:
            with app.app_context():
                result["response"] = app.test_client().post(path, headers=auth, json=json)

        result["thread"] = thread = threading.Thread(target=run)
        thread.start()
        assert self.inside.wait(10), "the first release never reached the delivery"
        return result

    def finish(self, result: dict):
        self.go_on.set()
        result["thread"].join(10)
        return result["response"]


def test_a_discard_during_a_release_is_refused_and_the_mail_is_delivered_once(platform, monkeypatch):
    first_admin, second_admin = _admin("ada"), _admin("bob")
    julie = make_account("julie", addresses=("julie@a.mssante.fr",))
    held_id = _held(1)
    paused = _Paused(monkeypatch)
    release = paused.first(platform, f"{ADMIN}/undelivered/{held_id}/release", bearer(first_admin),
                           {"to": "julie@a.mssante.fr"})
    # While the first administrator's release delivers it, it is still shown as waiting...
    listed = platform.test_client().get(f"{ADMIN}/undelivered", headers=bearer(second_admin)).json
    assert [(r["id"], r["status"]) for r in listed["undelivered"]] == [(held_id, "held")] and listed["held"] == 1
    # ...but the second administrator cannot discard it: told so, instead of "deleted" while it is delivered.
    r = platform.test_client().post(f"{ADMIN}/undelivered/{held_id}/discard", headers=bearer(second_admin))
    assert r.status_code == 409 and "un autre administrateur vient de le traiter" in r.json["errors"]["_schema"][0]
    r = paused.finish(release)
    assert r.status_code == 200 and r.json["row"]["status"] == "released"
    row = UndeliveredMail.get_by_id(held_id)
    assert (row.status, row.resolved_by, row.raw) == ("released", first_admin.id, None)
    assert not AuditEvent.select().where(AuditEvent.action == "mail.undelivered.discard").exists()
    assert Exchange.select().count() == 1 and julie.identity_id


def test_two_releases_at_once_deliver_the_mail_into_one_mailbox_only(platform, monkeypatch):
    first_admin, second_admin = _admin("ada"), _admin("bob")
    make_account("julie", addresses=("julie@a.mssante.fr",))
    make_account("paul", addresses=("paul@a.mssante.fr",))
    held_id = _held(2)
    paused = _Paused(monkeypatch)
    release = paused.first(platform, f"{ADMIN}/undelivered/{held_id}/release", bearer(first_admin),
                           {"to": "julie@a.mssante.fr"})
    r = platform.test_client().post(f"{ADMIN}/undelivered/{held_id}/release", headers=bearer(second_admin),
                                    json={"to": "paul@a.mssante.fr"})
    assert r.status_code == 409
    assert paused.finish(release).status_code == 200
    assert Exchange.select().count() == 1  # julie's copy only
    [attempt] = AuditEvent.select().where(AuditEvent.action == "mail.undelivered.release")
    assert (attempt.account_id, attempt.request["rcpt_to"]) == (first_admin.id, "julie@a.mssante.fr")


def test_a_release_that_delivers_nothing_leaves_the_mail_held_with_its_reason(platform, monkeypatch):
    admin = _admin()
    held_id = _held(3)
    reason = UndeliveredMail.get_by_id(held_id).reason

    def database_gone(*args, **kwargs):
        raise pw.OperationalError("connection lost")

    monkeypatch.setattr(undelivered, "accept", database_gone)
    with pytest.raises(pw.OperationalError):
        undelivered.release(held_id, admin.id)
    row = UndeliveredMail.get_by_id(held_id)
    assert (row.status, row.reason, row.code) == ("held", reason, 550)

    monkeypatch.setattr(undelivered, "accept", lambda *a, **kw: (_ for _ in ()).throw(RuntimeError("bug")))
    assert undelivered.release(held_id, admin.id)[0] == 554
    assert UndeliveredMail.get_by_id(held_id).status == "held"
    undelivered.discard(held_id, admin.id)  # and it can still be settled
    assert UndeliveredMail.get_by_id(held_id).status == "discarded"
    with pytest.raises(undelivered.NotHeld):
        undelivered.discard(held_id, admin.id)


def test_a_claim_left_by_a_dead_release_expires(platform):
    admin = _admin()
    make_account("julie", addresses=("julie@a.mssante.fr",))
    held_id = _held(4)
    claimed = undelivered._claim(held_id)  # a release that never finished (the process died)
    assert claimed.status == undelivered.RELEASING
    with pytest.raises(undelivered.NotHeld):
        undelivered.release(held_id, admin.id, "julie@a.mssante.fr")
    with pytest.raises(undelivered.NotHeld):
        undelivered.discard(held_id, admin.id)
    UndeliveredMail.update(updated_at=utcnow() - undelivered.CLAIM_EXPIRY - dt.timedelta(minutes=1)).where(
        UndeliveredMail.id == held_id).execute()
    assert undelivered.release(held_id, admin.id, "julie@a.mssante.fr")[0] == 250
    assert UndeliveredMail.get_by_id(held_id).status == "released"


# --- RFC 8098 2.1: no automatic acknowledgement to anyone but the envelope sender ---------------------------

def test_no_acknowledgement_goes_to_a_third_party_and_the_audit_says_why(platform):
    make_account("julie", addresses=("julie@a.mssante.fr",))
    replies = accept(_mail(10, "julie@a.mssante.fr", "collecteur@ailleurs.fr"), SENDER, ["julie@a.mssante.fr"],
                     source="smtp")
    assert replies["julie@a.mssante.fr"][0] == 250  # stored all the same
    assert _mdn_recipients() == []
    [event] = AuditEvent.select().where(AuditEvent.action == "mail.mdn.send")
    assert event.outcome == "not_sent" and "diffère de l'expéditeur de l'enveloppe" in event.request["reason"]
    assert event.request["disposition_notification_to"] == ["collecteur@ailleurs.fr"]
    assert "Contenu" not in str(event.request) and "confidentiel" not in str(event.request)
    # Several addresses: none is answered automatically either (RFC 8098 2.1).
    accept(_mail(11, "julie@a.mssante.fr", SENDER, "collecteur@ailleurs.fr"), SENDER, ["julie@a.mssante.fr"],
           source="smtp")
    assert _mdn_recipients() == []
    assert AuditEvent.select().where((AuditEvent.action == "mail.mdn.send")
                                     & (AuditEvent.outcome == "not_sent")).count() == 2


def test_the_envelope_sender_is_answered_whatever_the_case_of_its_domain(platform):
    make_account("julie", addresses=("julie@a.mssante.fr",))
    accept(_mail(12, "julie@a.mssante.fr", "Secrétariat <secretariat@CHU.MSSANTE.FR>"), f"<{SENDER}>",
           ["julie@a.mssante.fr"], source="smtp")
    assert _mdn_recipients() == [SENDER]
    # The local part is the sender's own business (RFC 5321): another spelling is another address.
    accept(_mail(13, "julie@a.mssante.fr", "Secretariat@chu.mssante.fr"), SENDER, ["julie@a.mssante.fr"],
           source="smtp")
    assert _mdn_recipients() == [SENDER]


def test_held_mail_never_sends_its_content_to_a_third_party(platform):
    held_id = _held(14, notify="collecteur@ailleurs.fr")
    row = UndeliveredMail.get_by_id(held_id)
    assert (row.status, row.mdn_sent) == ("held", False)
    assert _mdn_recipients() == []
    event = AuditEvent.get((AuditEvent.action == "mail.mdn.send") & (AuditEvent.outcome == "not_sent"))
    assert event.request["error_mdn"] is True and event.target == "address:inconnu@a.mssante.fr"
    # The envelope sender itself still gets its error MDN, the original inside.
    _held(15)
    [mdn] = OutgoingMail.select().where(OutgoingMail.kind == "mdn")
    assert _mdn_recipients() == [SENDER]
    assert [p.get_content_type() for p in parse(mdn.raw).iter_parts()][-1] == "message/rfc822"


# --- the admin query strings --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ("release-targets?limit=²", "limit"), ("release-targets?offset=²", "offset"),
    ("release-targets?offset=-1", "offset"), ("release-targets?offset=99999999999999999999", "offset"),
    ("audit?limit=²", "limit"), ("audit?limit=-1", "limit"),
    ("audit?until=9999-12-31", "until"), ("audit?since=0001-01-01", "since"), ("audit?since=hier", "since"),
])
def test_admin_query_strings_are_refused_in_french_at_their_field(make_app, query, field):
    app = mail_app(make_app)
    with app.app_context():
        r = app.test_client().get(f"{ADMIN}/{query}", headers=bearer(_admin()))
    assert r.status_code == 400, r.data
    assert list(r.json["errors"]) == [field] and r.json["errors"][field][0][0].isupper()


def test_admin_query_strings_still_work(make_app):
    app = mail_app(make_app)
    with app.app_context():
        client, auth = app.test_client(), bearer(_admin())
        r = client.get(f"{ADMIN}/audit?since=0001-01-02&until=9999-12-30&limit=10&_=1", headers=auth)
        assert r.status_code == 200
        r = client.get(f"{ADMIN}/release-targets?q=&group=professionals&limit=500&offset=0", headers=auth)
        assert r.status_code == 200 and "professionals" in r.json


def test_an_imap_message_without_return_path_has_no_envelope_sender():
    """The From header is the sender's own choice: it never stands in for the envelope sender, so a
    mail without Return-Path gets no automatic acknowledgement (RFC 8098 §2.1)."""
    from kernel.mail.imap import _return_path

    head = (b"From: Paul <paul.noir@chu.mssante.fr>\r\nTo: julie@a.mssante.fr\r\n"
            b"Disposition-Notification-To: paul.noir@chu.mssante.fr\r\nSubject: CR\r\n\r\nBonjour\r\n")
    assert _return_path(head) == ""
    assert _return_path(b"Return-Path: <Paul.Noir@CHU.mssante.fr>\r\n" + head) == "Paul.Noir@CHU.mssante.fr"
    assert _return_path(b"Return-Path: <>\r\n" + head) == ""  # a bounce: nobody to answer
