"""Signalling across instances (event_backend = "postgres"): a page on one instance reaches a page whose socket
is held by another, through PostgreSQL LISTEN/NOTIFY, and no one else's."""
from __future__ import annotations

import json

import pytest

from kernel import create_app
from kernel.testing import LiveServer, LiveSocket, bearer, make_account, sign_in
from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio

pytestmark = pytest.mark.postgres
PLUGINS = [("conversation", conversation), ("visio", visio)]


@pytest.fixture
def two_instances(make_app, tmp_path):
    a = make_app("postgres", plugins=PLUGINS, event_backend="postgres", name="a")
    config = a.extensions["relais"].config
    b = create_app({"data_dir": str(tmp_path / "b"), "plugins": [], "log_level": "WARNING",
                    "database_url": config["database_url"], "secret_key": config["secret_key"],
                    "event_backend": "postgres"}, plugins=PLUGINS)
    yield a, b
    relais = b.extensions["relais"]
    relais.jobs.shutdown(wait=False)
    relais.events.close()
    relais.database.close_all()


def _live(app, url, account):
    with app.app_context():
        headers = bearer(account)
    socket = LiveSocket(url, headers)
    assert app.extensions["relais"].events._backend.listening.wait(5), "the instance never listened"
    return socket


def test_a_description_crosses_instances_to_the_target_alone(two_instances):
    a, b = two_instances
    with a.app_context():
        alice, bob, carol = make_account("alice"), make_account("bob", "Bob", "Durand"), make_account("carol")
        exchange_id = a.test_client().post("/api/v1/channels/conversation/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id, carol.identity_id], "subject": "Avis",
            "body": "."}).json["exchange"]["id"]
        alice_page = sign_in(a, alice).browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={}).json
    with LiveServer(a) as url_a, LiveServer(b) as url_b:
        alice_on_a, carol_on_b = _live(a, url_a, alice), _live(b, url_b, carol)
        bob_on_b = _live(b, url_b, bob)
        with b.app_context():  # bob joins through instance B: alice's socket on A hears it
            bob_page = sign_in(b, bob).browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={}).json
        assert alice_on_a.next_event("visio.joined")["data"]["peer"] == bob_page["peer"]
        bob_on_b.ws.send(json.dumps({"type": "visio.signal", "call": bob_page["call"]["id"], "from": bob_page["peer"],
                                     "to": alice_page["peer"], "signal": {"kind": "offer", "sdp": "v=0"}}))
        event = alice_on_a.next_event("visio.signal")
        assert event["data"]["from"] == bob_page["peer"] and event["data"]["signal"]["sdp"] == "v=0"
        carol_on_b.next_event("visio.joined")
        while (raw := carol_on_b.ws.receive(timeout=1.0)) is not None:
            assert json.loads(raw)["type"] != "visio.signal", raw
        for socket in (alice_on_a, carol_on_b, bob_on_b):
            socket.close()
