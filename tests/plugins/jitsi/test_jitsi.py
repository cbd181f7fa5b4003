"""The jitsi plugin: once configured it hosts the visio's calls (room per call, unguessable; a JWT per participant
when the app id and secret are set), and the visio page links there; unconfigured, the built-in mesh stays."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from plugins.conversation import hooks as conversation
from plugins.jitsi import hooks as jitsi
from plugins.visio import hooks as visio
from plugins.visio.models import VisioCall

PLUGINS = [("conversation", conversation), ("visio", visio), ("jitsi", jitsi)]
SECRET = "secret-de-l-application-jitsi-de-la-region"
SIGNED = {"jitsi": {"base_url": "https://visio.region.example/", "app_id": "relais-region", "app_secret": SECRET,
                    "token_ttl_seconds": 3600}}


def _call(alice, bob):
    r = alice.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "body": "."})
    exchange_id = r.json["exchange"]["id"]
    first = alice.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})
    second = bob.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})
    assert first.status_code == second.status_code == 201, (first.json, second.json)
    return first.json, second.json


@pytest.mark.relais(plugins=PLUGINS, plugin_settings=SIGNED)
def test_each_participant_gets_the_calls_room_with_a_token_of_their_own(relais_alice, relais_bob):
    a, b = _call(relais_alice, relais_bob)
    call = VisioCall.get_by_id(a["call"]["id"])
    assert call.provider == "jitsi" and a["call"]["provider"] == "jitsi"
    room = f"relais-{call.key}"
    assert len(call.key) == 32  # 128 random bits
    for joined, user in ((a, relais_alice), (b, relais_bob)):
        assert joined["room"]["provider"] == "jitsi" and joined["room"]["label"] == "Jitsi Meet"
        url = urlsplit(joined["room"]["url"])
        assert (url.scheme, url.netloc, url.path) == ("https", "visio.region.example", f"/{room}")
        assert url.fragment == 'userInfo.displayName="' + user.account.full_name.replace(" ", "%20") + '"'
        token = parse_qs(url.query)["jwt"][0]
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="relais-region")
        assert claims["sub"] == "visio.region.example" and claims["room"] == room
        assert claims["context"]["user"] == {"id": str(user.account.id), "name": user.account.full_name}
        assert 3590 <= claims["exp"] - time.time() <= 3600
    # The signature is the secret's: another key fails.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(parse_qs(urlsplit(a["room"]["url"]).query)["jwt"][0], "une-autre-cle-bien-assez-longue-pour-hs256", algorithms=["HS256"],
                   audience="jitsi")


@pytest.mark.relais(plugins=PLUGINS, plugin_settings={"jitsi": {"base_url": "https://meet.example.org"}})
def test_without_app_id_and_secret_the_link_carries_no_token(relais_alice, relais_bob):
    a, _ = _call(relais_alice, relais_bob)
    url = urlsplit(a["room"]["url"])
    assert url.netloc == "meet.example.org" and url.query == "" and url.path.startswith("/relais-")


@pytest.mark.relais(plugins=PLUGINS)
def test_enabled_but_not_configured_the_built_in_mesh_hosts_the_call(relais_alice, relais_bob):
    a, b = _call(relais_alice, relais_bob)
    assert a["room"] is None and b["room"] is None and a["call"]["provider"] == "webrtc"
    assert b["peers"][0]["peer"] == a["peer"]


@pytest.mark.relais(plugins=PLUGINS, plugin_settings=SIGNED)
def test_the_call_page_offers_the_room_link(relais_alice, relais_bob):
    a, _ = _call(relais_alice, relais_bob)
    page = relais_alice.browser.get(f"/visio/echanges/{a['call']['exchange_id']}")
    assert page.status_code == 200 and b"call_page.js" in page.data
