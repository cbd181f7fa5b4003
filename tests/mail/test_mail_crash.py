"""A process killed mid-queue resumes after restart without losing or duplicating a message.

"Killed" is a BaseException raised at a precise point: the job runner does not catch it, so the job
row stays claimed, exactly as after a kill. "Restart" is a new app on the same database whose runner
takes the abandoned job over (lease expired), once the interrupted attempt's deadline has passed
(``_deadline_passes``). test_mail_kill.py does the same with a real process and SIGKILL.
"""
from __future__ import annotations

import pytest

from kernel.mail import send_job
from kernel.mail.compose import parse
from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent, Job, Message
from mail.mail_helpers import mail_app, publish_address, relais_of, running_receiver, smtp_sink
from support.factories import bearer, make_account


class Killed(BaseException):
    """The process dies here."""


@pytest.fixture
def sink():
    with smtp_sink() as (handler, port):
        yield handler, port


def _platform(make_app, port: int):
    return mail_app(make_app, "sqlite", "a.mssante.fr", name="crashing", mail_relay_port=port, jobs_lease_seconds=0)


def _queue(app, count: int = 1) -> list[int]:
    with app.app_context():
        julie = make_account(addresses=("julie@a.mssante.fr",))
        publish_address("thomas@b.mssante.fr")
        client = app.test_client()
        ids = []
        for n in range(count):
            r = client.post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": f"Mail {n}",
                "body": f"Corps {n}"})
            assert r.status_code == 201, r.json
            ids.append(r.json["exchange"]["id"])
        return ids


def _restart(make_app, port: int):
    app = _platform(make_app, port)
    return app, relais_of(app).jobs.run_pending()


def _deadline_passes(app) -> None:
    """Time passes: the interrupted attempt is older than the longest an attempt can last."""
    import datetime as dt

    with app.app_context():
        for outgoing in OutgoingMail.select().where(OutgoingMail.attempt_started_at.is_null(False)):
            outgoing.attempt_started_at -= dt.timedelta(hours=1)
            outgoing.save(only=[OutgoingMail.attempt_started_at])


def _ids(sink) -> list[str]:
    return [parse(m.data)["Message-ID"] for m in sink.messages]


def test_killed_after_the_outcome_was_recorded_but_before_the_job_was_marked_done(make_app, sink, monkeypatch):
    handler, port = sink
    app = _platform(make_app, port)
    _queue(app)
    real = send_job.record_outcome

    def record_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise Killed()
    monkeypatch.setattr(send_job, "record_outcome", record_then_die)
    with pytest.raises(Killed):
        relais_of(app).jobs.run_pending()
    monkeypatch.setattr(send_job, "record_outcome", real)
    with app.app_context():
        assert Job.get().status == "running"  # abandoned, as after a kill
    restarted, ran = _restart(make_app, port)
    assert ran == 1
    assert len(handler.messages) == 1  # not sent twice
    with restarted.app_context():
        assert Job.get().status == "done" and OutgoingRecipient.get().status == "sent"
        assert AuditEvent.select().where(AuditEvent.action == "mail.send.attempt").count() == 1


def test_killed_before_talking_to_the_relay(make_app, sink, monkeypatch):
    handler, port = sink
    app = _platform(make_app, port)
    _queue(app)

    def die(*args, **kwargs):
        raise Killed()
    monkeypatch.setattr(send_job, "attempt_delivery", die)
    with pytest.raises(Killed):
        relais_of(app).jobs.run_pending()
    monkeypatch.undo()
    assert handler.messages == []
    _deadline_passes(app)
    restarted, ran = _restart(make_app, port)
    assert ran == 1 and len(handler.messages) == 1
    with restarted.app_context():
        outgoing = OutgoingMail.get()
        assert (outgoing.status, outgoing.attempts, outgoing.attempt_started_at) == ("done", 1, None)
        attempt = AuditEvent.get(AuditEvent.action == "mail.send.attempt")
        assert attempt.request["resumed_after_interruption"] is True


def test_killed_mid_queue_every_message_leaves_once(make_app, sink, monkeypatch):
    handler, port = sink
    app = _platform(make_app, port)
    _queue(app, 3)
    real = send_job.record_outcome
    calls = []

    def die_on_second(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise Killed()
    monkeypatch.setattr(send_job, "record_outcome", die_on_second)
    with pytest.raises(Killed):
        relais_of(app).jobs.run_pending()
    monkeypatch.undo()
    assert len(handler.messages) == 2
    restarted, ran = _restart(make_app, port)
    assert ran == 2  # the abandoned job (nothing left to do) and the third message
    assert len(handler.messages) == 3 and len(set(_ids(handler))) == 3
    with restarted.app_context():
        assert {r.status for r in OutgoingRecipient.select()} == {"sent"}


def test_killed_between_the_relays_answer_and_its_record_the_receiver_keeps_one_copy(make_app, monkeypatch):
    """The one window SMTP leaves open: the relay said 250, the process died before committing it. The same
    bytes (same Message-ID) are offered again; a receiving platform stores them once."""
    b = mail_app(make_app, "sqlite", "b.mssante.fr", name="receiving")
    with running_receiver(b) as receiver_b:
        with b.app_context():
            thomas = make_account(addresses=("thomas@b.mssante.fr",))
        app = _platform(make_app, receiver_b.port)
        _queue(app)

        def die(*args, **kwargs):
            raise Killed()
        monkeypatch.setattr(send_job, "record_outcome", die)
        with pytest.raises(Killed):
            relais_of(app).jobs.run_pending()
        monkeypatch.undo()
        _deadline_passes(app)
        restarted, ran = _restart(make_app, receiver_b.port)
        assert ran == 1
        with restarted.app_context():
            assert OutgoingRecipient.get().status == "sent" and OutgoingMail.get().attempts == 1
            assert AuditEvent.get(AuditEvent.action == "mail.send.attempt").request["resumed_after_interruption"]
        with b.app_context():
            assert Message.select().count() == 1  # stored once although it crossed SMTP twice
            inbox = b.test_client().get("/api/v1/exchanges?space=mail", headers=bearer(thomas)).json["exchanges"]
            assert len(inbox) == 1
            assert relais_of(b).jobs.run_pending() == 1  # and acknowledged once
