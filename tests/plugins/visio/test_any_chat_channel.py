"""Visios are offered on every channel of the chat space (a téléexpertise as well as a conversation), never on
the mail space, without the plugin naming any channel: here on a test plugin's channels."""
from __future__ import annotations

import pytest

from plugins.visio import hooks as visio
from support.chat_channel import ChatChannel

pytestmark = pytest.mark.relais(plugins=[("test_chat", ChatChannel()), ("visio", visio)])


def _start(user, other, channel):
    r = user.api.post(f"/api/v1/channels/{channel}/exchanges", json={
        "acting_as": user.identity_id, "members": [other.identity_id], "subject": "Avis", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


@pytest.mark.parametrize("channel, offered", [("test_chat", True), ("test_mail", False)])
def test_the_visio_follows_the_space_not_the_channel(relais_alice, relais_bob, channel, offered):
    exchange_id = _start(relais_alice, relais_bob, channel)
    actions = relais_bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]["actions"]
    assert ("visio_start" in [a["name"] for a in actions]) is offered
    joined = relais_alice.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})
    assert joined.status_code == (201 if offered else 404)
