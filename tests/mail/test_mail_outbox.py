"""Outbox statuses against a real SMTP server: per-recipient answers, retries, attempts exhausted, limits."""
from __future__ import annotations

import io

from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Exchange, Job
from kernel.services.events import Event
from mail.mail_helpers import make_jobs_due, mail_app, publish_address, relais_of, smtp_sink
from support.factories import bearer, make_account


def _setup(app):
    julie = make_account(addresses=("julie@a.mssante.fr",))
    for address in ("ok@b.mssante.fr", "gone@b.mssante.fr", "busy@b.mssante.fr"):
        publish_address(address)
    return julie


def _statuses() -> dict[str, tuple[str, str]]:
    return {r.address: (r.status, r.reason) for r in OutgoingRecipient.select()}


def test_each_recipient_gets_its_own_answer_and_retries_end(make_app, backend):
    with smtp_sink() as (sink, port):
        sink.rcpt_replies = {"gone@b.mssante.fr": "550 5.1.1 No such user", "busy@b.mssante.fr": "451 4.2.0 Try later"}
        app = mail_app(make_app, backend, mail_relay_port=port, mail_max_attempts=2)
        with app.app_context():
            julie = _setup(app)
            published: list[Event] = []
            relais_of(app).events.publish = published.extend  # watch the live events
            r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "subject": "Avis", "body": "Bonjour",
                "recipients": ["ok@b.mssante.fr", "gone@b.mssante.fr"], "cc": ["busy@b.mssante.fr"]})
            assert r.status_code == 201
            assert relais_of(app).jobs.run_pending() == 1
            statuses = _statuses()
            assert statuses["ok@b.mssante.fr"] == ("sent", "")
            assert statuses["gone@b.mssante.fr"] == ("failed", "L'adresse du destinataire n'existe pas chez son opérateur de "
                                                     "messagerie (vérifiez-la dans l'annuaire). Détails : 550 5.1.1 "
                                                     "No such user")
            # A pending recipient says why it waits (issue #12, item 11).
            assert statuses["busy@b.mssante.fr"] == ("pending", "En attente : le serveur destinataire a demandé de "
                                                     "patienter (451 4.2.0 Try later) ; nouvel essai automatique "
                                                     "dans 1 minute.")
            assert len(sink.messages) == 1 and sink.messages[0].rcpt_tos == ["ok@b.mssante.fr"]
            status_events = [e for e in published if e.type == "mail.status"]
            assert status_events and status_events[-1].exchange_id == r.json["exchange"]["id"]
            assert julie.id in status_events[-1].recipients
            assert {x["address"]: x["label"] for x in status_events[-1].data["recipients"]} == {
                "ok@b.mssante.fr": "envoyé", "gone@b.mssante.fr": "échec", "busy@b.mssante.fr": "en attente"}
            make_jobs_due()
            assert relais_of(app).jobs.run_pending() == 1  # the second and last attempt, for "busy" only
            assert len(sink.messages) == 1
            status, reason = _statuses()["busy@b.mssante.fr"]
            assert status == "failed" and reason.startswith("Le message n'a pas pu être transmis après 2 tentatives")
            assert "451 4.2.0 Try later" in reason
            outgoing = OutgoingMail.get()
            assert (outgoing.status, outgoing.attempts) == ("done", 2)
            make_jobs_due()
            assert relais_of(app).jobs.run_pending() == 0
            attempts = list(AuditEvent.select().where(AuditEvent.action == "mail.send.attempt").order_by(AuditEvent.id))
            assert [a.outcome for a in attempts] == ["partial", "failed"]
            assert attempts[0].request["rcpt_to"] == ["ok@b.mssante.fr", "gone@b.mssante.fr", "busy@b.mssante.fr"]
            assert attempts[1].request["rcpt_to"] == ["busy@b.mssante.fr"]


def test_too_large_is_refused_before_anything_is_stored(make_app):
    app = mail_app(make_app, mail_max_bytes=6000)
    with app.app_context():
        julie = _setup(app)
        client = app.test_client()
        upload = client.post("/api/v1/attachments", headers=bearer(julie), content_type="multipart/form-data",
                             data={"file": (io.BytesIO(b"x" * 5000), "gros.bin")}).json["attachment"]
        r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["ok@b.mssante.fr"], "subject": "Gros",
            "attachments": [upload["id"]]})
        assert r.status_code == 422 and r.json["errors"]["attachments"][0].startswith(
            "Le message dépasse la taille maximale")
        assert (Exchange.select().count(), OutgoingMail.select().count(), Job.select().count()) == (0, 0, 0)
