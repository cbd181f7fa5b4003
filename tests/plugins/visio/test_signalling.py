"""Signalling over the live socket: a page's description reaches the target page's account alone; a page that is
not in the call, an outsider, a member removed meanwhile, a malformed message: refused, nothing published."""
from __future__ import annotations

import json

import pytest

from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio

pytestmark = pytest.mark.relais(plugins=[("conversation", conversation), ("visio", visio)])

OFFER = {"kind": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", "encoding": "plain"}


def _conversation(author, *members):
    r = author.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": author.identity_id, "members": [m.identity_id for m in members], "subject": "Avis",
        "body": "Bonjour"})
    return r.json["exchange"]["id"]


def _join(user, exchange_id):
    r = user.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})
    assert r.status_code == 201, r.json
    return r.json


def _no_signal(socket, timeout=0.7):
    """No ``visio.signal`` (nor refusal) reaches this socket within ``timeout`` seconds; other events may."""
    while (raw := socket.ws.receive(timeout=timeout)) is not None:
        assert json.loads(raw)["type"] not in ("visio.signal", "visio.signal_refused"), raw


def _signal(socket, call, sender, target, signal=OFFER, **extra):
    socket.ws.send(json.dumps({"type": "visio.signal", "call": call, "from": sender, "to": target, "signal": signal,
                               **extra}))


def test_a_description_reaches_the_target_page_only(relais_alice, relais_bob, relais_user, relais_ws):
    carol = relais_user("carol", "Carole", "Roux")
    exchange_id = _conversation(relais_alice, relais_bob, carol)
    sockets = {"alice": relais_ws(relais_alice), "bob": relais_ws(relais_bob), "carol": relais_ws(carol)}
    a, b = _join(relais_alice, exchange_id), _join(relais_bob, exchange_id)
    call = a["call"]["id"]
    for name in ("alice", "bob", "carol"):
        while sockets[name].next_event("visio.joined")["data"]["peer"] != b["peer"]:
            pass  # alice's page joined, then bob's
    _signal(sockets["bob"], call, b["peer"], a["peer"])
    event = sockets["alice"].next_event("visio.signal")
    assert event["exchange_id"] == exchange_id
    assert event["data"] == {"call": call, "from": b["peer"], "to": a["peer"], "signal": OFFER}
    _no_signal(sockets["carol"])  # a member of the exchange, not the target: nothing
    _no_signal(sockets["bob"])  # no answer when all went well


def test_a_page_not_in_the_call_or_an_outsider_is_refused(relais_alice, relais_bob, relais_user, relais_ws):
    carol = relais_user("carol", "Carole", "Roux")
    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live, bob_live, carol_live = relais_ws(relais_alice), relais_ws(relais_bob), relais_ws(carol)
    a = _join(relais_alice, exchange_id)
    call = a["call"]["id"]
    # Bob is a member but has not joined: he cannot speak for a page, nor for alice's.
    _signal(bob_live, call, "page-inventee", a["peer"])
    refused = bob_live.next_event("visio.signal_refused")
    assert refused["reason"] == "Vous n'êtes pas dans cette visio : rejoignez-la d'abord."
    _signal(bob_live, call, a["peer"], a["peer"])
    assert bob_live.next_event("visio.signal_refused")["call"] == call
    # Carol, an outsider who learnt the ids, gets the same refusal, and alice hears nothing.
    _signal(carol_live, call, a["peer"], a["peer"])
    assert carol_live.next_event("visio.signal_refused")["reason"].startswith("Vous n'êtes pas dans cette visio")
    _no_signal(alice_live)


def test_a_malformed_signal_is_refused_with_french_errors_and_the_socket_lives_on(relais_alice, relais_bob, relais_ws):
    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live = relais_ws(relais_alice)
    a = _join(relais_alice, exchange_id)
    b = _join(relais_bob, exchange_id)
    _signal(alice_live, a["call"]["id"], a["peer"], b["peer"], signal={"kind": "bonjour", "sdp": ""})
    refused = alice_live.next_event("visio.signal_refused")
    assert refused["reason"] == "Message de signalisation invalide." and set(refused["errors"]) == {"signal"}
    _signal(alice_live, "pas-un-nombre", a["peer"], b["peer"], extra_field=1)
    assert set(alice_live.next_event("visio.signal_refused")["errors"]) == {"call", "extra_field"}
    _signal(alice_live, a["call"]["id"], a["peer"], b["peer"])
    _no_signal(alice_live)  # accepted


def test_a_member_removed_from_the_exchange_can_no_longer_signal(relais_alice, relais_bob, relais_ws):
    from kernel.models import Membership

    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live, bob_live = relais_ws(relais_alice), relais_ws(relais_bob)
    a, b = _join(relais_alice, exchange_id), _join(relais_bob, exchange_id)
    Membership.delete().where((Membership.exchange == exchange_id)
                              & (Membership.identity == relais_bob.account.identity_id)).execute()
    _signal(bob_live, a["call"]["id"], b["peer"], a["peer"])
    assert bob_live.next_event("visio.signal_refused")["reason"] == "Vous n'avez plus accès à cet échange."
    _signal(alice_live, a["call"]["id"], a["peer"], b["peer"])
    assert alice_live.next_event("visio.signal_refused")["reason"] == "Vous n'avez plus accès à cet échange."
    _no_signal(bob_live)


def test_signalling_over_the_frame_limit_closes_the_socket(relais_alice, relais_bob, relais_ws):
    import simple_websocket

    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live = relais_ws(relais_alice)
    a, b = _join(relais_alice, exchange_id), _join(relais_bob, exchange_id)
    _signal(alice_live, a["call"]["id"], a["peer"], b["peer"], signal={**OFFER, "sdp": "a" * 5000})
    with pytest.raises(simple_websocket.ConnectionClosed):
        for _ in range(20):
            alice_live.ws.receive(timeout=0.5)
