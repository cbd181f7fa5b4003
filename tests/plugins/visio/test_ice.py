"""ICE servers from the settings; TURN credentials per call as coturn's use-auth-secret expects."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio
from plugins.visio.ice import turn_credentials

SECRET = "secret-partage-coturn"
pytestmark = pytest.mark.relais(plugins=[("conversation", conversation), ("visio", visio)], plugin_settings={
    "visio": {"stun_urls": ["stun:turn.region.example:3478"],
              "turn_urls": "turn:turn.region.example:3478?transport=udp, turns:turn.region.example:5349",
              "turn_secret": SECRET, "turn_ttl_seconds": 3600}})


def test_turn_rest_credentials_are_coturns():
    username, credential = turn_credentials("s3cret", 42, 600, now=1_700_000_000)
    assert username == "1700000600:42"
    assert credential == base64.b64encode(hmac.new(b"s3cret", b"1700000600:42", hashlib.sha1).digest()).decode()


def test_a_joining_page_gets_stun_and_turn_with_its_own_credentials(relais_alice, relais_bob):
    r = relais_alice.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": relais_alice.identity_id, "members": [relais_bob.identity_id], "subject": "Avis", "body": "."})
    exchange_id = r.json["exchange"]["id"]
    joined = relais_alice.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={}).json
    stun, turn = joined["ice_servers"]
    assert stun == {"urls": ["stun:turn.region.example:3478"]}
    assert turn["urls"] == ["turn:turn.region.example:3478?transport=udp", "turns:turn.region.example:5349"]
    expiry, account = turn["username"].split(":")
    assert account == str(relais_alice.account.id) and 3590 <= int(expiry) - time.time() <= 3600
    expected = hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn["credential"]) == expected
