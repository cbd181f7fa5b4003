"""The one service that posts a system message: the row, the exchange moved up the inbox, message.created on commit."""
from __future__ import annotations

import pytest

from kernel.db import write_transaction
from kernel.statements import fetch_by_id
from kernel.models import Exchange, Message
from kernel.services.system_messages import post_system_message
from support.factories import bearer, make_account


def _drain(sub):
    out = []
    while (event := sub.get(timeout=0.01)) is not None:
        out.append(event)
    return out


@pytest.fixture
def thread(app, client):
    """A conversation between Alice and Bob; Bob's socket subscribed after it started."""
    alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "Bonjour"})
    assert r.status_code == 201
    bus = app.extensions["relais"].events
    sub = bus.subscribe(bob.id)
    yield fetch_by_id(Exchange, r.json["exchange"]["id"]), alice, bob, sub
    bus.unsubscribe(sub)


def test_a_system_message_is_stored_moves_the_exchange_up_and_is_announced_after_commit(app, thread):
    exchange, _, _, bob_socket = thread
    with write_transaction():
        line = post_system_message(exchange, "Le dossier a été transmis.")
        assert _drain(bob_socket) == []  # not before the commit
    stored = Message.get_by_id(line.id)
    assert (stored.kind, stored.author_id, stored.body) == ("system", None, "Le dossier a été transmis.")
    assert fetch_by_id(Exchange, exchange.id).last_message_at == stored.created_at == exchange.last_message_at
    [event] = _drain(bob_socket)
    assert (event.type, event.exchange_id, event.data["id"], event.data["kind"], event.data["author"]) == (
        "message.created", exchange.id, line.id, "system", None)


def test_outside_a_transaction_it_takes_its_own(app, thread):
    exchange, _, _, bob_socket = thread
    line = post_system_message(exchange.id, "Rappel : Plaie")
    assert [e.data["id"] for e in _drain(bob_socket)] == [line.id]


def test_a_rolled_back_system_message_leaves_nothing(app, thread):
    exchange, _, _, bob_socket = thread
    before = fetch_by_id(Exchange, exchange.id).last_message_at
    with pytest.raises(RuntimeError):
        with write_transaction():
            post_system_message(exchange, "Jamais écrit.")
            raise RuntimeError("the caller failed after posting")
    assert not Message.select().where(Message.body == "Jamais écrit.").exists()
    assert fetch_by_id(Exchange, exchange.id).last_message_at == before
    assert _drain(bob_socket) == []


def test_adding_a_member_posts_one_line_after_the_update(app, client, thread):
    exchange, alice, _, bob_socket = thread
    carol = make_account("carol", "Carole", "Petit")
    bus = app.extensions["relais"].events
    carol_socket = bus.subscribe(carol.id)
    try:
        r = client.post(f"/api/v1/exchanges/{exchange.id}/members", headers=bearer(alice),
                        json={"members": [carol.identity_id]})
        assert r.status_code == 201
        for socket in (bob_socket, carol_socket):  # the new member hears of it too
            updated, line = _drain(socket)
            assert updated.type == "exchange.updated" and carol.identity_id in [m["id"] for m in updated.data["members"]]
            assert (line.type, line.data["kind"], line.data["body"]) == (
                "message.created", "system", "Alice MARTIN a ajouté Carole PETIT.")
    finally:
        bus.unsubscribe(carol_socket)


def test_renaming_posts_a_line_and_a_status_change_none(app, client, thread):
    exchange, alice, _, bob_socket = thread
    r = client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(alice), json={"subject": "Plaie du pied"})
    assert r.status_code == 200 and r.json["exchange"]["last_message_at"] is not None
    updated, line = _drain(bob_socket)
    assert (updated.type, updated.data["subject"]) == ("exchange.updated", "Plaie du pied")
    assert line.data["body"] == "Alice MARTIN a renommé l'échange en « Plaie du pied »."
    assert client.patch(f"/api/v1/exchanges/{exchange.id}", headers=bearer(alice), json={"status": "closed"}) \
        .status_code == 200
    assert [e.type for e in _drain(bob_socket)] == ["exchange.updated"]
