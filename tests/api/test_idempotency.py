"""An Idempotency-Key on the send APIs: the same key from the same account gets the first answer again
(same status and body), without a second row, also when two requests race; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import threading

from kernel import hookimpl
from kernel.models import Exchange, IdempotentAnswer, Message
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account


def _new(alice, bob, body="Bonjour"):
    return {"acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "body": body}


def _with_key(account, key):
    return {**bearer(account), "Idempotency-Key": key}


def test_a_new_exchange_sent_twice_with_one_key_is_stored_once_and_answered_the_same(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    first = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k-1"), json=_new(alice, bob))
    again = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k-1"), json=_new(alice, bob))
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert Exchange.select().count() == 1 and Message.select().count() == 1


def test_a_message_sent_twice_with_one_key_is_stored_once(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice),
                              json=_new(alice, bob)).json["exchange"]["id"]
    url = f"/api/v1/exchanges/{exchange_id}/messages"
    answers = [client.post(url, headers=_with_key(alice, "offline-42"), json={"body": "Suite"}) for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert answers[1].json == answers[2].json == answers[0].json
    assert Message.select().where(Message.exchange == exchange_id).count() == 2
    # Keys are per account: Bob's "offline-42" is his own message.
    assert client.post(url, headers=_with_key(bob, "offline-42"), json={"body": "Reçu"}).status_code == 201
    assert Message.select().where(Message.exchange == exchange_id).count() == 3
    # Without a key, every request is a send.
    client.post(url, headers=bearer(alice), json={"body": "Suite"})
    client.post(url, headers=bearer(alice), json={"body": "Suite"})
    assert Message.select().where(Message.exchange == exchange_id).count() == 5


def test_a_refused_send_keeps_no_answer_and_its_key_serves_the_corrected_send(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k"),
                    json={**_new(alice, bob), "subject": " "})
    assert r.status_code == 422
    assert IdempotentAnswer.select().count() == 0
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k"), json=_new(alice, bob))
    assert r.status_code == 201 and Exchange.select().count() == 1


def test_a_bad_key_or_a_key_reused_for_another_request_is_refused_in_french(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    for bad in ("", "x" * 201, "deux mots"):
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, bad), json=_new(alice, bob))
        assert r.status_code == 400, bad
        assert r.json == {"errors": {"Idempotency-Key": [
            "La clé d'idempotence doit compter de 1 à 200 caractères visibles (un UUID par exemple)."]}}
    exchange_id = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k"),
                              json=_new(alice, bob)).json["exchange"]["id"]
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=_with_key(alice, "k"), json={"body": "x"})
    assert r.status_code == 422
    assert r.json == {"errors": {"Idempotency-Key": [
        "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez-en une nouvelle."]}}
    assert Exchange.select().count() == 1 and Message.select().count() == 1


def test_a_key_older_than_the_window_is_forgotten(app, client):
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k"), json=_new(alice, bob))
    IdempotentAnswer.update(created_at=dt.datetime(2020, 1, 1)).execute()
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k"), json=_new(alice, bob))
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert Exchange.select().count() == 2 and IdempotentAnswer.select().count() == 1
    # Other expired keys of the account go as it makes new ones.
    client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k2"), json=_new(alice, bob))
    IdempotentAnswer.update(created_at=dt.datetime(2020, 1, 1)).execute()
    client.post("/api/v1/channels/test_chat/exchanges", headers=_with_key(alice, "k3"), json=_new(alice, bob))
    assert [a.key for a in IdempotentAnswer.select()] == ["k3"]


class _Gate(ChatChannel):
    """The test chat channel, whose check holds every send until two have reached it: both requests have
    looked for their key and found none before either stores anything."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)

    @hookimpl
    def validate(self, channel, draft, account, acting_as, exchange):
        self.barrier.wait()
        return None


def _race(app, url, headers, payload):
    answers: list = []

    def send() -> None:
        with app.app_context():
            answers.append(app.test_client().post(url, headers=headers, json=payload))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers


def test_two_racing_sends_with_one_key_store_one_exchange_and_get_one_answer(make_app, backend):
    gate = _Gate()
    app = make_app(backend, plugins=[("test_chat", gate)])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
        answers = _race(app, "/api/v1/channels/test_chat/exchanges", _with_key(alice, "race"), _new(alice, bob))
        assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
        assert answers[0].json == answers[1].json
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
        assert Exchange.select().count() == 1 and Message.select().count() == 1


def test_two_racing_replies_with_one_key_store_one_message(make_app, backend):
    gate = _Gate()
    app = make_app(backend, plugins=[("test_chat", gate)])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
        gate.barrier = threading.Barrier(1)  # the first send passes alone
        exchange_id = app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice),
                                             json=_new(alice, bob)).json["exchange"]["id"]
        gate.barrier = threading.Barrier(2, timeout=10)
        answers = _race(app, f"/api/v1/exchanges/{exchange_id}/messages", _with_key(alice, "race"), {"body": "Suite"})
        assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
        assert answers[0].json == answers[1].json
        assert Message.select().where(Message.exchange == exchange_id).count() == 2
