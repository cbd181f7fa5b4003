"""The event bus: live events reach the exchange's audience only, after commit, never for a refused send."""
from __future__ import annotations

import json

import pytest

from kernel.services.events import Event
from support.factories import bearer, make_account, make_structure


def _drain(sub):
    out = []
    while (event := sub.get(timeout=0.01)) is not None:
        out.append(event)
    return out


def test_events_reach_members_and_delegates_only(app, client):
    bus = app.extensions["relais"].events
    alice, bob, carol, dora = (make_account(n) for n in ("alice", "bob", "carol", "dora"))
    repap = make_structure("Coordination REPAP", delegates=(dora,))
    subs = {a.login: bus.subscribe(a.id) for a in (alice, bob, carol, dora)}
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id, repap.id], "subject": "S", "body": "Bonjour"})
    assert r.status_code == 201
    got = {login: [e.type for e in _drain(sub)] for login, sub in subs.items()}
    assert got == {"alice": ["exchange.created", "message.created"], "bob": ["exchange.created", "message.created"],
                   "carol": [], "dora": ["exchange.created", "message.created"]}
    for sub in subs.values():
        bus.unsubscribe(sub)
    assert bus.connected_accounts() == set()


def test_no_event_for_a_refused_send(app, client):
    bus = app.extensions["relais"].events
    alice = make_account("alice")
    sub = bus.subscribe(alice.id)
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [], "subject": "S"})
    assert r.status_code == 422
    assert _drain(sub) == []


def test_read_receipts_are_pushed_to_the_author(app, client):
    bus = app.extensions["relais"].events
    alice, bob = make_account("alice"), make_account("bob")
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "Bonjour"})
    exchange_id, message_id = r.json["exchange"]["id"], r.json["message"]["id"]
    sub = bus.subscribe(alice.id)
    assert client.post(f"/api/v1/exchanges/{exchange_id}/read", headers=bearer(bob), json={}).json == \
        {"read": 1, "up_to": message_id}
    [event] = _drain(sub)
    assert event.type == "receipt.created" and event.data["messages"] == [message_id]
    assert event.data["account"]["id"] == bob.id
    # Reading again sends nothing new.
    client.post(f"/api/v1/exchanges/{exchange_id}/read", headers=bearer(bob), json={})
    assert _drain(sub) == []


def test_a_slow_socket_overflows_instead_of_eating_memory(app):
    from kernel.services.events import Event, Subscription

    sub = Subscription(1, maxsize=3)
    for n in range(5):
        sub.offer(Event("x", 1, (1,), {"n": n}))
    assert sub.overflowed and sub.pending() == 3


@pytest.mark.parametrize("recipients", [(3, 1, 2), (7,), ()])
@pytest.mark.parametrize("data", [{"body": "Réponse « citée » \"entre guillemets\"", "n": [1, 2]}, {}])
def test_an_event_heard_from_another_instance_keeps_the_text_it_came_in(recipients, data):
    """Each instance hears every event (LISTEN): the sockets' text is the received one less its recipients, the
    same as the publisher's, not serialised again."""
    sent = Event("message.created", 5, recipients, data)
    heard = Event.from_json(sent.to_json())
    assert heard == sent
    assert heard.__dict__["wire"] == sent.wire == Event(sent.type, 5, recipients, data).wire
    assert json.loads(heard.wire) == {"type": "message.created", "exchange_id": 5, "data": data}


def test_a_subscription_hands_events_to_its_direct_writer_first_and_queues_what_it_refuses():
    # kernel/live_socket.py: the fan-out writes at once when it can (True); what it refuses waits, in order,
    # and the socket's loop takes all of it at once, never while a rights change is pending.
    from kernel.services.events import Subscription

    sub, written, accept = Subscription(1), [], [True]
    sub.direct = lambda event: accept[0] and not written.append(event.data["n"])
    events = [Event("message.created", 7, (1,), {"n": n}) for n in range(4)]
    sub.offer(events[0])
    accept[0] = False
    sub.offer(events[1])
    sub.offer(events[2])
    assert written == [0] and sub.pending() == 2
    sub.wait(0)  # returns at once: events are queued
    assert [e.data["n"] for e in sub.take()] == [1, 2] and sub.take() == []
    sub.offer(events[3])
    sub.mark_rights_changed()
    assert sub.take() == [] and sub.take_rights_change() == [events[3]]
