"""Browser hardening: a Content-Security-Policy without inline script but the page's nonce, never framed,
never sniffed, a Referrer-Policy, nothing of a signed-in user cached; HSTS and Secure cookies behind TLS;
the client's address and scheme through trusted proxies only (proxy_count)."""
from __future__ import annotations

import re

import pytest

from kernel.models import BrowserSession
from security.signin_forms import browser, login_form, signed_in
from support.factories import make_account


@pytest.fixture
def site(make_app):
    app = make_app("sqlite")
    with app.app_context():
        make_account("alice")
    return app


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def test_a_page_runs_only_its_own_files_and_the_scripts_carrying_its_nonce(site):
    alice = signed_in(site, "alice")
    page = alice.get("/")
    policy = _policy(page)
    nonces = set(re.findall(r'<script[^>]*\snonce="([^"]+)"', page.get_data(as_text=True)))
    assert len(nonces) == 1  # the import map and every module of the page carry the same one
    assert policy["script-src"] == ["'self'", f"'nonce-{nonces.pop()}'"]
    assert policy["default-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    header = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header
    assert alice.get("/").headers["Content-Security-Policy"] != header  # a new nonce per page


def test_answers_that_are_not_pages_run_nothing_if_opened_as_one(site):
    r = site.test_client().get("/api/v1/me")
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_pdf_is_left_to_the_browser_s_viewer(site):
    @site.get("/essai.pdf")
    def pdf():
        return site.response_class(b"%PDF-1.4\n", mimetype="application/pdf")
    r = site.test_client().get("/essai.pdf")
    assert "Content-Security-Policy" not in r.headers  # the viewer would be blocked
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/login", "/api/v1/me", "/page-inconnue", "/api/openapi.json"])
def test_every_answer_carries_the_hardening_headers(site, path):
    r = site.test_client().get(path)
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP: HSTS would mean nothing


def test_what_a_signed_in_user_sees_is_not_cached_but_assets_are(site):
    alice = signed_in(site, "alice")
    assert alice.get("/api/v1/me").headers["Cache-Control"] == "no-store"
    page = alice.get("/")
    assert page.headers["Cache-Control"] == "no-store"
    asset = re.search(r'src="(/static/shell/[^"]+\.js)"', page.get_data(as_text=True)).group(1)
    cached = alice.get(asset)
    assert cached.status_code == 200 and "immutable" in cached.headers["Cache-Control"]


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(make_app):
    app = make_app("sqlite", behind_tls=True)
    with app.app_context():
        make_account("alice")
    client = browser(app)
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    r = login_form(client, "alice")
    assert r.status_code == 302
    cookies = {h.split("=", 1)[0]: h for h in r.headers.getlist("Set-Cookie")}
    for name in ("relais_session", "relais_device"):
        assert "; Secure" in cookies[name] and "HttpOnly" in cookies[name], cookies[name]


def test_forwarded_headers_are_believed_only_from_the_configured_proxies(make_app):
    forwarded = {"X-Forwarded-For": "192.0.2.44", "X-Forwarded-Proto": "https"}
    direct = make_app("sqlite")
    proxied = make_app("sqlite", proxy_count=1)
    for app, address, hsts in ((direct, "127.0.0.9", False), (proxied, "192.0.2.44", True)):
        with app.app_context():
            make_account("alice")
        client = browser(app, "127.0.0.9")
        # Behind TLS, Flask-WTF wants a same-origin Referer on forms: Referrer-Policy same-origin keeps it.
        client.environ_base.update({"HTTP_X_FORWARDED_FOR": forwarded["X-Forwarded-For"],
                                    "HTTP_X_FORWARDED_PROTO": forwarded["X-Forwarded-Proto"],
                                    "HTTP_REFERER": "https://localhost/login"})
        r = login_form(client, "alice")
        assert r.status_code == 302
        assert ("Strict-Transport-Security" in r.headers) is hsts
        with app.app_context():
            assert BrowserSession.get().remote_addr == address


def test_only_the_last_proxy_s_word_is_taken(make_app):
    """A client may send its own X-Forwarded-For: with one proxy, only the address that proxy added counts."""
    app = make_app("sqlite", proxy_count=1)
    with app.app_context():
        make_account("alice")
    client = browser(app, "127.0.0.1")
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "10.66.0.1, 192.0.2.44"  # forged first, then the proxy's
    assert login_form(client, "alice").status_code == 302
    with app.app_context():
        assert BrowserSession.get().remote_addr == "192.0.2.44"


_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def test_no_template_has_an_inline_handler_or_a_script_without_the_nonce(make_app):
    """The policy would block them: every template of the shell and of the built-in plugins is clean."""
    app = make_app("sqlite", plugins=["*builtin"])
    folders = app.extensions["relais_assets"].template_folders()
    templates = [p for folder in folders for p in folder.rglob("*.html")]
    assert len(templates) >= 10 and any("mssante_mail" in str(p) for p in templates)
    for path in templates:
        source = path.read_text(encoding="utf-8")
        assert not _INLINE_HANDLER.search(source), f"{path}: an on…= handler (move it to a script file)"
        assert "javascript:" not in source.lower(), f"{path}: a javascript: address"
        for tag in _SCRIPT.findall(source):
            assert 'nonce="{{ csp_nonce() }}"' in tag, f"{path}: {tag} without the page's nonce"
