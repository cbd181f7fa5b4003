"""Retention on SQLite and PostgreSQL, with real files: the daily job purges the exchanges whose last activity is
older than their channel's period, with messages, receipts, members, drafts, mail rows and the attachments no
other message uses (files too, unless another attachment shares the content); it runs once for the whole
platform and writes one audit line with the counts; audit lines about the purged exchange stay, with its patient."""
from __future__ import annotations

import io

import pytest

from kernel.mail.models import MailIndex
from kernel.models import (Attachment, AuditEvent, Draft, Exchange, Job, Membership, Message, MessageAttachment,
                           OpenedMark, ReadReceipt)
from kernel.services.retention import RetentionMisconfigured, retention_periods
from support.factories import bearer, make_account, make_patient
from support.retention import age, expired_exchange_with_a_file, retention_app, start, upload  # noqa: F401

JOB = "kernel.purge_expired_exchanges"


def test_the_daily_job_purges_expired_exchanges_and_their_files(retention_app):
    app, client = retention_app, retention_app.test_client()
    relais = app.extensions["relais"]
    alice, bob = make_account("alice"), make_account("bob")
    patient = make_patient(in_care_of=alice)
    only_old = upload(client, alice, b"compte rendu ancien, unique", "ancien.txt")
    shared_row = upload(client, alice, b"ordonnance partagee", "ordonnance.txt")
    same_content = upload(client, alice, b"resultat identique", "resultat.txt")
    old = start(client, alice, bob, patient, "Ancien", [only_old, shared_row, same_content])
    recent_content = upload(client, alice, b"resultat identique", "resultat-bis.txt")  # same bytes, own row
    recent = start(client, alice, bob, patient, "Récent", [recent_content])
    # The shared row is also used by a message of the recent exchange (a forward).
    kept_message = Message.select().where(Message.exchange == recent).get()
    MessageAttachment.create(message=kept_message, attachment=shared_row)
    assert client.post(f"/api/v1/exchanges/{old}/messages", headers=bearer(bob), json={"body": "Reçu"}).status_code == 201
    assert client.post(f"/api/v1/exchanges/{old}/read", headers=bearer(alice), json={}).status_code == 200
    assert client.get(f"/api/v1/exchanges/{old}", headers=bearer(bob)).status_code == 200  # a consultation line
    Draft.create(account=alice, screen=f"exchange:{old}", fields={"body": "brouillon"})
    MailIndex.create(header_id="ancien@relais", identity_id=alice.identity_id, exchange_id=old, direction="out")
    other_channel = Exchange.create(channel="autre", space="chat", subject="Autre canal", patient=patient)
    age(old, 31)
    age(recent, 29)
    age(other_channel.id, 5000)  # "autre" falls under default = 0: kept for ever
    store = relais.attachments
    path = {a.id: store.path_for(a.sha256) for a in Attachment.select()}
    assert all(p.exists() for p in path.values())
    receipts_before = ReadReceipt.select().join(Message).where(Message.exchange == old).count()
    assert receipts_before >= 1

    # Two nodes' schedulers fire for the same slot: one job.
    relais.jobs._enqueue_recurring(JOB)
    relais.jobs._enqueue_recurring(JOB)
    assert relais.jobs.run_pending() == 1
    assert Job.get(Job.name == JOB).status == "done"

    assert Exchange.get_or_none(Exchange.id == old) is None
    for model, column in ((Message, Message.exchange), (Membership, Membership.exchange),
                          (OpenedMark, OpenedMark.exchange)):
        assert model.select().where(column == old).count() == 0
    assert Draft.select().where(Draft.screen == f"exchange:{old}").count() == 0
    assert MailIndex.select().where(MailIndex.exchange_id == old).count() == 0
    assert {a.id for a in Attachment.select()} == {shared_row, recent_content}
    assert not path[only_old].exists()          # its own bytes, used nowhere else: gone
    assert path[shared_row].exists()             # still used by the recent exchange
    assert path[same_content].exists()           # its bytes are also another row's
    assert Exchange.get_by_id(recent).subject == "Récent"
    assert Exchange.get_by_id(other_channel.id).subject == "Autre canal"

    [line] = AuditEvent.select().where(AuditEvent.action == "retention.purge")
    assert line.target == "channel:test_chat"
    assert line.detail == (f"channel=test_chat days=30 exchanges=1 messages=2 receipts={receipts_before} "
                           "attachments=2 files=1")
    assert "Ancien" not in line.detail
    consult = AuditEvent.get((AuditEvent.action == "exchange.consult") & (AuditEvent.exchange_id == old))
    assert consult.patient_id == patient.id  # « Qui a consulté ? » still answers for this patient

    relais.jobs.enqueue(JOB)  # nothing left to purge: no new line
    assert relais.jobs.run_pending() == 1
    assert AuditEvent.select().where(AuditEvent.action == "retention.purge").count() == 1


def test_a_rolled_back_purge_keeps_its_files(retention_app, monkeypatch):
    old, attachment, path = expired_exchange_with_a_file(retention_app)

    from kernel.services import retention

    def failing(ids):  # the exchanges went, then the transaction fails
        raise RuntimeError("disque plein")
    monkeypatch.setattr(retention.Exchange, "delete", classmethod(lambda cls: failing(None)))
    with pytest.raises(RuntimeError):
        retention.purge_expired()
    monkeypatch.undo()
    assert Exchange.get_or_none(Exchange.id == old) is not None
    assert Message.select().where(Message.exchange == old).count() == 1
    assert path.exists()


@pytest.mark.parametrize("setting, message", [
    ({"conversation": -1}, "retention_days : conversation doit être un nombre entier de jours, 0 ou plus "
                           "(0 : conservé sans limite), pas -1"),
    ({"default": "dix ans"}, "retention_days : default doit être un nombre entier de jours, 0 ou plus "
                             "(0 : conservé sans limite), pas 'dix ans'"),
    ({"mail": True}, "retention_days : mail doit être un nombre entier de jours, 0 ou plus "
                     "(0 : conservé sans limite), pas True"),
])
def test_bad_periods_are_refused_in_french(setting, message):
    with pytest.raises(RetentionMisconfigured) as refused:
        retention_periods(setting)
    assert str(refused.value) == message


def test_periods_and_the_environment(tmp_path):
    from kernel.config import load_config
    assert retention_periods({"conversation": 365}) == {"default": 3650, "conversation": 365}
    config = load_config({"secret_key": "x", "data_dir": str(tmp_path)},
                         environ={"RELAIS_RETENTION_DAYS": "default=0, conversation=365"})
    assert config["retention_days"] == {"default": 0, "conversation": 365}


def test_the_channels_own_rows_go_with_the_exchange(make_app, backend):
    """Téléexpertise (request, status changes, acts, report and its PDF) and visio (a call and its participant)
    keep rows about an exchange: their foreign keys cascade, on SQLite and on PostgreSQL."""
    import sys
    from pathlib import Path

    from plugins.teleexpertise import hooks as teleexpertise
    from plugins.teleexpertise.billing import paris_today, planned_acts
    from plugins.teleexpertise.finalisation_models import Act, Report
    from plugins.teleexpertise.models import Request, StatusChange
    from plugins.visio import hooks as visio
    from plugins.visio.models import VisioCall, VisioParticipant

    folder = str(Path(__file__).resolve().parents[1] / "plugins" / "teleexpertise")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    from finalisation_fixtures import EXPERT_AM, make_case

    app = make_app(backend, plugins=[("teleexpertise", teleexpertise), ("visio", visio)],
                   retention_days={"teleexpertise": 30})
    with app.app_context():
        requester, expert = make_account("julie"), make_account("thomas")
        case = make_case(requester, expert.identity, expert)
        request = Request.get_by_id(case.request.id)
        StatusChange.create(request=request, status="repondue", previous="en_cours", by=expert)
        for act in planned_acts(request, expert, EXPERT_AM, paris_today()):
            act.save(force_insert=True)
        pdf = app.extensions["relais"].attachments.save(io.BytesIO(b"%PDF-1.4 compte rendu"), "cr.pdf", expert)
        line = Message.create(exchange=case.exchange.id, author=expert.id, kind="report", body="Compte rendu")
        MessageAttachment.create(message=line, attachment=pdf)
        Report.create(request=request, version=1, state="done", attachment=pdf, message=line, requested_by=expert)
        call = VisioCall.create(exchange=case.exchange.id, key="k" * 40, started_by=requester)
        VisioParticipant.create(call=call, account=requester, peer="pair-1")
        age(case.exchange.id, 31)
        files = [app.extensions["relais"].attachments.path_for(a.sha256) for a in Attachment.select()]
        assert len(files) == 2 and all(f.exists() for f in files)  # the case's photo and the report's PDF

        from kernel.services.retention import purge_expired
        done = purge_expired()
        assert done["teleexpertise"].exchanges == 1
        for model in (Request, StatusChange, Act, Report, VisioCall, VisioParticipant, Attachment):
            assert model.select().count() == 0, model.__name__
        assert not any(f.exists() for f in files)
