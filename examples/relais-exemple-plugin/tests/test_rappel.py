"""The plugin's own tests: an app with only this plugin (conftest.py), driven through the HTTP API."""
from __future__ import annotations

import datetime as dt

from kernel.models import Job, Message

from relais_exemple_rappel import hooks


def send(author, to, day):
    return author.api.post("/api/v1/channels/exemple_rappel/exchanges", json={
        "acting_as": author.identity_id, "members": [to.identity_id], "subject": "Bilan sanguin",
        "body": "Penser au bilan.", "remind_on": day.isoformat()})


def test_a_reminder_comes_back_in_the_conversation_live(relais, relais_alice, relais_bob, relais_ws):
    bob_live = relais_ws(relais_bob)
    r = send(relais_alice, relais_bob, hooks.today() + dt.timedelta(days=3))
    assert r.status_code == 201, r.json
    assert bob_live.next_event("exemple_rappel.programme")["data"] == {
        "date": (hooks.today() + dt.timedelta(days=3)).isoformat()}
    job = Job.get(Job.name == hooks.REMIND_JOB)
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.id == job.id).execute()  # the day has come
    assert relais.jobs.run_pending() == 1
    assert bob_live.next_event("message.created")["data"]["body"] == "Rappel : Bilan sanguin"
    assert [m.body for m in Message.select().order_by(Message.id)] == ["Penser au bilan.", "Rappel : Bilan sanguin"]


def test_a_past_date_is_refused_in_french(relais_alice, relais_bob):
    r = send(relais_alice, relais_bob, hooks.today() - dt.timedelta(days=3))
    assert r.status_code == 422
    assert r.json == {"errors": {"remind_on": [hooks.PAST_DATE]}}
    assert Message.select().count() == 0
