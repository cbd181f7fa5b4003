"""« Sessions et accès » through the API: an account lists its browser sessions and tokens and ends those
it does not recognise; another account's are not found; the answers are the OpenAPI document's."""
from __future__ import annotations


from api.test_openapi_responses import Document
from kernel.models import Account, ApiToken, AuditEvent, BrowserSession
from kernel.auth.tokens import create_token
from security.signin_forms import copy_of, signed_in
from support.factories import bearer
from support.query_counter import count_queries


def test_listing_and_ending_my_other_sessions(site):
    at_work, at_home, bob = signed_in(site, "alice", "10.0.0.1"), signed_in(site, "alice", "192.0.2.7"), signed_in(site, "bob")
    listed = at_work.get("/api/v1/me/sessions")
    assert listed.status_code == 200
    sessions = listed.json["sessions"]
    assert len(sessions) == 2 and [s["current"] for s in sessions].count(True) == 1
    assert {s["remote_addr"] for s in sessions} == {"10.0.0.1", "192.0.2.7"}
    assert {s["user_agent"] for s in sessions} == {"Firefox sous Windows"}
    assert set(sessions[0]) == {"id", "created_at", "last_seen_at", "user_agent", "remote_addr", "current"}
    home = next(s["id"] for s in sessions if not s["current"])
    assert at_work.delete(f"/api/v1/me/sessions/{home}").status_code == 204
    assert at_home.get("/api/v1/me").status_code == 401
    assert at_work.get("/api/v1/me").status_code == 200
    assert [s["current"] for s in at_work.get("/api/v1/me/sessions").json["sessions"]] == [True]
    assert at_work.delete(f"/api/v1/me/sessions/{home}").status_code == 404  # already ended
    assert bob.get("/api/v1/me").status_code == 200
    with site.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "session.end").count() == 1


def test_another_accounts_session_is_not_found_and_stays(site):
    alice, bob = signed_in(site, "alice"), signed_in(site, "bob")
    with site.app_context():
        bobs = BrowserSession.select().join(Account).where(Account.login == "bob").get().id
    r = alice.delete(f"/api/v1/me/sessions/{bobs}")
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Cette session est introuvable ou déjà terminée."]}}
    assert bob.get("/api/v1/me").status_code == 200
    assert alice.delete("/api/v1/me/sessions/999999").status_code == 404


def test_ending_the_current_session_signs_out(site):
    alice = signed_in(site, "alice")
    thief = copy_of(site, alice)
    mine = alice.get("/api/v1/me/sessions").json["sessions"][0]["id"]
    assert alice.delete(f"/api/v1/me/sessions/{mine}").status_code == 204
    assert alice.get("/api/v1/me").status_code == 401 and thief.get("/api/v1/me").status_code == 401


def test_ending_a_session_from_a_page_needs_the_csrf_token(site):
    alice, other = signed_in(site, "alice"), signed_in(site, "alice", "10.0.0.2")
    target = next(s["id"] for s in alice.get("/api/v1/me/sessions").json["sessions"] if not s["current"])
    del alice.environ_base["HTTP_X_CSRFTOKEN"]  # a form of another site, riding on the cookie
    assert alice.delete(f"/api/v1/me/sessions/{target}").status_code == 400
    assert other.get("/api/v1/me").status_code == 200


def test_listing_and_revoking_my_tokens(site):
    client = site.test_client()
    with site.app_context():
        alice, bob = (Account.get(Account.login == login) for login in ("alice", "bob"))
        script = bearer(alice)
        _, spare = create_token(alice, "Logiciel du cabinet")
        bobs = bearer(bob)
        bobs_id = ApiToken.select().where(ApiToken.account == bob.id).get().id
    tokens = client.get("/api/v1/me/tokens", headers=script).json["tokens"]
    assert [t["name"] for t in tokens] == ["Logiciel du cabinet", "tests"]  # the newest first
    assert [t["current"] for t in tokens] == [False, True]
    assert set(tokens[0]) == {"id", "name", "created_at", "last_used_at", "current"}
    assert "token_hash" not in str(tokens) and spare not in str(tokens)
    spare_id = tokens[0]["id"]
    r = client.delete(f"/api/v1/me/tokens/{bobs_id}", headers=script)
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Ce jeton est introuvable ou déjà révoqué."]}}
    assert client.get("/api/v1/me", headers=bobs).status_code == 200
    assert client.delete(f"/api/v1/me/tokens/{spare_id}", headers=script).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {spare}"}).status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{spare_id}", headers=script).status_code == 404
    assert [t["name"] for t in client.get("/api/v1/me/tokens", headers=script).json["tokens"]] == ["tests"]


def test_a_browser_sees_its_tokens_and_a_program_its_sessions(site):
    alice = signed_in(site, "alice")
    with site.app_context():
        headers = bearer(Account.get(Account.login == "alice"))
    tokens = alice.get("/api/v1/me/tokens").json["tokens"]
    assert len(tokens) == 1 and not tokens[0]["current"]
    sessions = site.test_client().get("/api/v1/me/sessions", headers=headers).json["sessions"]
    assert len(sessions) == 1 and not sessions[0]["current"]


def test_anonymous_callers_get_401(site):
    client = site.test_client()
    for method, url in (("get", "/api/v1/me/sessions"), ("delete", "/api/v1/me/sessions/1"),
                        ("get", "/api/v1/me/tokens"), ("delete", "/api/v1/me/tokens/1")):
        assert getattr(client, method)(url).status_code == 401, url


def test_the_answers_are_those_of_the_openapi_document(site):
    alice = signed_in(site, "alice")
    signed_in(site, "alice", "10.0.0.2")
    doc = Document(alice, {})
    sessions = alice.get("/api/v1/me/sessions")
    doc.check("get", "/me/sessions", sessions)
    other = next(s["id"] for s in sessions.json["sessions"] if not s["current"])
    doc.check("delete", "/me/sessions/{id}", alice.delete(f"/api/v1/me/sessions/{other}"))
    doc.check("delete", "/me/sessions/{id}", alice.delete(f"/api/v1/me/sessions/{other}"))
    tokens = alice.get("/api/v1/me/tokens")
    doc.check("get", "/me/tokens", tokens)
    doc.check("delete", "/me/tokens/{id}", alice.delete("/api/v1/me/tokens/424242"))
    # 200s and 404s are checked against their schemas; a 204 has no body, only its status is checked.
    assert doc.checked == {("get", "/me/sessions"), ("get", "/me/tokens"), ("delete", "/me/sessions/{id}"),
                           ("delete", "/me/tokens/{id}")}


def test_a_browser_session_costs_one_query_like_a_token(site):
    """The session check is one statement (the session joined to its account), as the token check is."""
    alice = signed_in(site, "alice")
    with site.app_context():
        headers = bearer(Account.get(Account.login == "alice"))
    program = site.test_client()
    for client, extra in ((alice, {}), (program, headers)):
        client.get("/api/v1/me/tokens", headers=extra)  # steady state: "last seen/used" stamped once a minute
    with count_queries(site) as by_cookie:
        assert alice.get("/api/v1/me/tokens").status_code == 200
    with count_queries(site) as by_token:
        assert program.get("/api/v1/me/tokens", headers=headers).status_code == 200
    assert len(by_cookie) == len(by_token) == 2, (by_cookie, by_token)
