"""Messages a page sends up ``WS /ws``: handed to the plugins' ``socket_message`` hook with the socket's account,
answered on that socket only; a failing plugin or a message nobody owns gets a refusal and the socket lives on."""
from __future__ import annotations

import json

import pytest

from kernel import can_see, hookimpl
from kernel.models import Membership
from kernel.testing import LiveServer, LiveSocket, bearer, make_account
from support.chat_channel import ChatChannel


class Recorder:
    """Owns "essai.*" messages: records who sent what, answers "essai.ok", raises on "essai.panne", tells
    whether the sender may see an exchange on "essai.voir"."""

    def __init__(self) -> None:
        self.heard: list[tuple[int, dict]] = []

    @hookimpl
    def socket_message(self, account, message):
        if not message["type"].startswith("essai."):
            return None
        if message["type"] == "essai.panne":
            raise RuntimeError("plugin bug")
        self.heard.append((account.id, message))
        if message["type"] == "essai.voir":
            return {"type": "essai.vu", "visible": can_see(account.id, message["exchange_id"])}
        return {"type": "essai.ok", "echo": message.get("n")} if message["type"] == "essai.question" else True


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def served(make_app, recorder):
    app = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("essai", recorder)])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob")
        headers = {"alice": bearer(alice), "bob": bearer(bob)}
    with LiveServer(app) as url:
        yield url, headers, (alice, bob), app


def test_the_owner_hears_the_sockets_account_and_answers_that_socket_only(served, recorder):
    url, headers, (alice, bob), _ = served
    alice_live, bob_live = LiveSocket(url, headers["alice"]), LiveSocket(url, headers["bob"])
    try:
        alice_live.ws.send(json.dumps({"type": "essai.question", "n": 7}))
        assert alice_live.next_event("essai.ok") == {"type": "essai.ok", "echo": 7}
        alice_live.ws.send(json.dumps({"type": "essai.silence"}))  # True: nothing to answer
        alice_live.assert_silent()
        bob_live.assert_silent()
        assert recorder.heard == [(alice.id, {"type": "essai.question", "n": 7}), (alice.id, {"type": "essai.silence"})]
    finally:
        alice_live.close()
        bob_live.close()


def test_a_failing_plugin_or_an_unknown_type_is_refused_and_the_socket_lives_on(served, recorder, caplog):
    url, headers, *_ = served
    live = LiveSocket(url, headers["alice"])
    try:
        live.ws.send(json.dumps({"type": "essai.panne"}))
        refused = live.next_event("socket.refused")
        assert refused == {"type": "socket.refused", "message_type": "essai.panne",
                           "reason": "Le serveur n'a pas pu traiter ce message."}
        assert "socket_message failed" in caplog.text and "plugin bug" in caplog.text
        for raw in ('{"type": 3}', "[1, 2]", "{"):
            live.ws.send(raw)
            assert live.next_event("socket.refused")["message_type"] is None
        live.ws.send(json.dumps({"type": "essai.question", "n": 1}))
        assert live.next_event("essai.ok")["echo"] == 1
    finally:
        live.close()


def test_a_member_removed_while_the_socket_lives_is_no_longer_one_for_the_plugin(served):
    # The socket keeps its request for its whole life: rights the request cached must not outlive a change.
    url, headers, (alice, bob), app = served
    r = app.test_client().post("/api/v1/channels/test_chat/exchanges", headers=headers["alice"], json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "Bonjour"})
    assert r.status_code == 201
    exchange_id = r.json["exchange"]["id"]
    live = LiveSocket(url, headers["bob"])
    try:
        live.ws.send(json.dumps({"type": "essai.voir", "exchange_id": exchange_id}))
        assert live.next_event("essai.vu")["visible"] is True
        with app.app_context():  # removed without a word to the socket; its token stays valid
            Membership.delete().where((Membership.exchange == exchange_id)
                                      & (Membership.identity == bob.identity_id)).execute()
        live.ws.send(json.dumps({"type": "essai.voir", "exchange_id": exchange_id}))
        assert live.next_event("essai.vu")["visible"] is False
    finally:
        live.close()
