"""Live sockets follow their owner's rights across instances (event_backend = "postgres"): a logout, a revoked
token or a deactivation on instance A closes the sockets on instance B before anything else reaches them."""
from __future__ import annotations

import pytest

from kernel.auth.account_state import deactivate
from kernel.testing import LiveServer, make_account, sign_in
from security.test_socket_rights import _browser_post, _closed_before_hearing, _hears, _post, _sockets, _start

pytestmark = pytest.mark.postgres


@pytest.fixture
def people(instances):
    a, _ = instances
    with a.app_context():
        alice = sign_in(a, make_account("alice"))
        return alice, sign_in(a, make_account("bob", "Bob", "Durand"))


@pytest.mark.parametrize("how", ["logout", "token", "deactivation"])
def test_losing_a_right_on_one_instance_closes_the_sockets_on_the_other(instances, people, how):
    a, b = instances
    alice, bob = people
    with a.app_context():
        exchange_id = _start(alice, [bob.identity_id])
    with LiveServer(a) as url_a, LiveServer(b) as url_b:
        sockets = _sockets(url_b, bob)
        assert b.extensions["relais"].events._backend.listening.wait(5)
        try:
            with a.app_context():
                if how == "logout":
                    assert _browser_post(url_a, bob, "/logout") == 302
                elif how == "token":
                    token_id = bob.browser.get("/api/v1/me/tokens").json["tokens"][0]["id"]
                    assert bob.browser.delete(f"/api/v1/me/tokens/{token_id}").status_code == 204
                else:
                    deactivate(bob.account)
                _post(alice, exchange_id, "Après")
            lost = {"logout": ["cookie"], "token": ["token"], "deactivation": ["cookie", "token"]}[how]
            for kind, ws in sockets.items():
                if kind in lost:
                    assert _closed_before_hearing(ws, "Après") == 1008
                else:
                    _hears(ws, "Après")
        finally:
            for ws in sockets.values():
                if ws.connected:
                    ws.close()
