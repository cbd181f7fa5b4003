"""Send attempts claim their outbox row: a runner whose job lease ran out during a slow attempt is not
doubled by another; and a message whose job runner gave up ends as "échec", not "en attente" forever."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import peewee as pw

from kernel.mail import send_job
from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Job
from mail.mail_helpers import StallingHandler, make_jobs_due, mail_app, publish_address, relais_of, smtp_sink
from support.factories import bearer, make_account



def _platform(make_app, port: int):
    return mail_app(make_app, "sqlite", "a.mssante.fr", name="shared", mail_relay_port=port, jobs_lease_seconds=0)


def _send(app) -> tuple[Any, int]:
    with app.app_context():
        julie = make_account("julie", addresses=("julie@a.mssante.fr",))
        publish_address("thomas@b.mssante.fr")
        r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
            "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": "Avis",
            "body": "Bonjour"})
        assert r.status_code == 201, r.json
        return julie, r.json["exchange"]["id"]


def test_a_runner_does_not_send_beside_a_slow_attempt_whose_lease_ran_out(make_app):
    handler = StallingHandler()
    with smtp_sink(handler=handler) as (_, port):
        first = _platform(make_app, port)
        _send(first)
        slow = threading.Thread(target=relais_of(first).jobs.run_pending)
        slow.start()
        try:
            assert handler.stalled.wait(10)
            # Another runner (another process, same database): the job's lease is over, it takes the job.
            second = _platform(make_app, port)
            assert relais_of(second).jobs.run_pending() == 1
            assert handler.data_commands == 1  # it did not send the message a second time
        finally:
            handler.go_on.set()
            slow.join(10)
        with second.app_context():
            assert OutgoingRecipient.get().status == "sent" and OutgoingMail.get().attempt_started_at is None
            # It comes back after the attempt's deadline, finds the outcome, and sends nothing.
            make_jobs_due()
        assert relais_of(second).jobs.run_pending() == 1
        assert len(handler.messages) == 1 and handler.data_commands == 1


def test_taking_over_an_abandoned_attempt_is_won_by_one_runner_only(make_app):
    with smtp_sink() as (sink, port):
        app = _platform(make_app, port)
        _send(app)
        with app.app_context():
            outgoing = OutgoingMail.get()
            started = dt.datetime(2026, 1, 1, 8, 0, 0, 123456)
            OutgoingMail.update(attempts=1, attempt_started_at=started, status="sending").execute()
            one, other = OutgoingMail.get_by_id(outgoing.id), OutgoingMail.get_by_id(outgoing.id)
            assert send_job._take_over(one, 1, ["thomas@b.mssante.fr"]) is True
            assert send_job._take_over(other, 1, ["thomas@b.mssante.fr"]) is False
            assert OutgoingMail.get().attempt_started_at == one.attempt_started_at != started
        assert sink.messages == []


def test_when_the_runner_gives_up_the_recipients_end_in_failure_with_a_reason(make_app, monkeypatch):
    with smtp_sink() as (sink, port):
        app = _platform(make_app, port)
        julie, exchange_id = _send(app)

        def database_down(*args):
            raise pw.OperationalError("could not connect to server")
        monkeypatch.setattr(send_job, "_mark_started", database_down)
        for _ in range(5):  # the send job's max_attempts in the runner
            with app.app_context():
                make_jobs_due()
            relais_of(app).jobs.run_pending()
        with app.app_context():
            assert Job.get().status == "failed"
            outgoing = OutgoingMail.get()
            assert (outgoing.status, outgoing.attempt_started_at) == ("done", None)
            assert "could not connect" in outgoing.last_error
            [row] = list(app.test_client().get(f"/mssante_mail/exchanges/{exchange_id}/status", headers=bearer(julie))
                         .json["messages"].values())[0]
            assert row["label"] == "échec" and row["reason"].startswith("Le message n'a pas pu être envoyé")
            assert AuditEvent.get(AuditEvent.action == "mail.send.abandoned").outcome == "failed"
        assert sink.messages == []
