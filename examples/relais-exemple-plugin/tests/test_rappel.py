"""The plugin's own tests: an app with only this plugin, driven through the HTTP API."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel import create_app
from kernel.auth.tokens import create_token
from kernel.models import Account, Identity, Job, Message

from relais_exemple_rappel import hooks


@pytest.fixture
def app(tmp_path):
    app = create_app({"data_dir": str(tmp_path), "plugins": [], "log_level": "WARNING"},
                     plugins=[("exemple_rappel", hooks)])
    with app.app_context():
        yield app
    app.extensions["relais"].database.close()


def account(login: str) -> Account:
    identity = Identity.create(kind="person", display_name=login.upper())
    return Account.create(login=login, password_hash="x", first_name=login, last_name="Test", identity=identity)


def send(client, author, to, day):
    _, token = create_token(author, "tests")
    return client.post("/api/v1/channels/exemple_rappel/exchanges", headers={"Authorization": f"Bearer {token}"},
                       json={"acting_as": author.identity_id, "members": [to.identity_id], "subject": "Bilan sanguin",
                             "body": "Penser au bilan.", "remind_on": day.isoformat()})


def test_a_reminder_comes_back_in_the_conversation(app):
    alice, bob = account("alice"), account("bob")
    r = send(app.test_client(), alice, bob, hooks.today() + dt.timedelta(days=3))
    assert r.status_code == 201, r.json
    job = Job.get(Job.name == hooks.REMIND_JOB)
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.id == job.id).execute()  # the day has come
    assert app.extensions["relais"].jobs.run_pending() == 1
    assert [m.body for m in Message.select().order_by(Message.id)] == ["Penser au bilan.", "Rappel : Bilan sanguin"]


def test_a_past_date_is_refused_in_french(app):
    alice, bob = account("alice"), account("bob")
    r = send(app.test_client(), alice, bob, hooks.today() - dt.timedelta(days=3))
    assert r.status_code == 422
    assert r.json == {"errors": {"remind_on": [hooks.PAST_DATE]}}
