"""Who may call the API: bearer tokens, session cookies with CSRF, anonymous callers, audit of it all."""
from __future__ import annotations

from flask import session

from kernel.auth import login_session
from kernel.db import utcnow
from kernel.models import ApiToken, AuditEvent
from support.factories import bearer, make_account


def _signed_in(app, client, account) -> None:
    """Give ``client`` a browser session of ``account``, without the CSRF header a page's script sends."""
    with app.test_request_context():
        login_session(account)
        values = dict(session)
    with client.session_transaction() as cookie:
        cookie.update(values)


def test_anonymous_and_bad_tokens_get_401_in_french(app, client):
    r = client.get("/api/v1/exchanges")
    assert r.status_code == 401 and r.json == {"errors": {"_auth": ["Connectez-vous pour continuer."]}}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.get("/api/v1/exchanges", headers={"Authorization": "Bearer rls_nope"})
    assert r.status_code == 401 and r.json == {"errors": {"_auth": ["Jeton d'accès invalide ou révoqué."]}}


def test_revoked_token_and_deactivated_account_lose_access(app, client):
    alice = make_account("alice")
    headers = bearer(alice)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ApiToken.update(revoked_at=utcnow()).execute()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = bearer(alice)
    alice.active = False
    alice.save()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_session_requests_need_the_csrf_token_tokens_do_not(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    _signed_in(app, client, alice)
    assert client.get("/api/v1/me").json["account"]["login"] == "alice"
    payload = {"acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S"}
    r = client.post("/api/v1/channels/test_chat/exchanges", json=payload)
    assert r.status_code == 400 and r.json == {"errors": {"_csrf": ["La page a expiré : rechargez-la puis recommencez."]}}
    token = client.get("/api/v1/me").json["csrf_token"]
    r = client.post("/api/v1/channels/test_chat/exchanges", json=payload, headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.json
    assert client.post("/api/v1/channels/test_chat/exchanges", json=payload, headers=bearer(alice)).status_code == 201


def test_a_password_change_ends_existing_sessions(app, client):
    alice = make_account("alice")
    _signed_in(app, client, alice)
    assert client.get("/api/v1/me").status_code == 200
    from kernel.auth.account_state import set_password

    set_password(alice, "un autre mot de passe")
    assert client.get("/api/v1/me").status_code == 401


def test_sends_and_refusals_are_audited_without_content(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    secret = "Le patient présente une lésion suspecte"
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "body": secret})
    assert r.status_code == 201
    client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": bob.identity_id, "members": [bob.identity_id], "subject": "Avis", "body": secret})
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    sent = [e for e in events if e.action == "exchange.create"]
    assert len(sent) == 1 and sent[0].account_id == alice.id and sent[0].outcome == "ok"
    assert sent[0].request["method"] == "POST" and sent[0].request["path"] == "/api/v1/channels/test_chat/exchanges"
    denied = [e for e in events if e.action == "acting_as.denied"]
    assert len(denied) == 1 and denied[0].outcome == "refused"
    for event in events:
        assert secret not in f"{event.target} {event.detail} {event.request}"
