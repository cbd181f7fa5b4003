"""``relais retention show|run``: what has expired per channel, nothing deleted without --oui, the purge audited
like the daily job's; a bad period is a French error."""
from __future__ import annotations

import datetime as dt

from kernel.db import utcnow
from kernel.models import AuditEvent, Exchange


def _exchanges(database) -> None:
    with database():
        old = utcnow() - dt.timedelta(days=400)
        Exchange.create(channel="conversation", space="chat", subject="Ancienne", last_message_at=old)
        Exchange.create(channel="conversation", space="chat", subject="Récente")
        Exchange.create(channel="mail", space="mail", subject="Très ancienne", last_message_at=old - dt.timedelta(days=4000))


def test_show_then_run(run, initialised, database, monkeypatch) -> None:
    monkeypatch.setenv("RELAIS_RETENTION_DAYS", "default=0,conversation=365")
    _exchanges(database)
    shown = run("retention", "show")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["Canal", "Conservation", "Échanges", "expirés"]
    assert lines[2].split() == ["conversation", "365", "jours", "1"]
    assert lines[3].split() == ["mail", "sans", "limite", "0"]
    assert "relais retention run --oui" in shown.stdout

    refused = run("retention", "run")
    assert refused.exit_code != 0 and "ajoutez --oui pour confirmer" in refused.output
    with database():
        assert Exchange.select().count() == 3

    done = run("retention", "run", "--oui")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[2].split() == ["conversation", "1", "0", "0", "0"]
    with database():
        assert sorted(e.subject for e in Exchange.select()) == ["Récente", "Très ancienne"]
        [line] = AuditEvent.select().where(AuditEvent.action == "retention.purge")
        assert line.detail.startswith("channel=conversation days=365 exchanges=1 ")
    again = run("retention", "run", "--oui")
    assert "Aucun échange n'avait expiré" in again.stdout


def test_a_bad_period_is_said_in_french(run, initialised, database, monkeypatch) -> None:
    _exchanges(database)
    monkeypatch.setenv("RELAIS_RETENTION_DAYS", "conversation=-5")
    result = run("retention", "show")
    assert result.exit_code != 0
    assert "retention_days : conversation doit être un nombre entier de jours, 0 ou plus" in result.output
    purge = run("retention", "run", "--oui")  # the purge reads the periods the same way
    assert purge.exit_code != 0 and purge.output == result.output
    monkeypatch.setenv("RELAIS_RETENTION_DAYS", "conversation")
    result = run("retention", "show")
    assert result.exit_code != 0 and "RELAIS_RETENTION_DAYS" in result.output
