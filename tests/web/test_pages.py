"""The web shell's pages through Flask's test client: login, logout, redirects, CSRF, panel, 404s."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kernel import GROUP_MES, GROUP_MONSISRA, GROUP_MSSANTE, Channel, hookimpl
from support.factories import PASSWORD, bearer, make_account, make_patient

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


# Requests run outside any pushed app context, as in production: Flask-WTF keeps the CSRF token in
# ``g``, and a context shared by several requests would carry a stale token across a login.
@pytest.fixture
def shell_app(make_app):
    return make_app("sqlite")


@pytest.fixture
def browser(shell_app):
    return shell_app.test_client()


def accounts(app, *logins):
    with app.app_context():
        return [make_account(login, login.capitalize(), "Martin") for login in logins]


def csrf_of(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def sign_in(client, login="alice", password=PASSWORD, next_path=""):
    return client.post("/login", data={"login": login, "password": password, "next": next_path,
                                       "csrf_token": csrf_of(client)})


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/?espace=mail", "/envoyer/test_chat", "/echanges/1", "/patients/1"])
def test_anonymous_visitors_are_sent_to_the_login_page(browser, path):
    r = browser.get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=")
    page = browser.get(r.headers["Location"])
    assert page.status_code == 200
    assert 'lang="fr"' in text(page) and "Identifiant" in text(page) and "Mot de passe" in text(page)


def test_good_login_opens_a_session_and_follows_next(browser, shell_app):
    accounts(shell_app, "alice")
    r = sign_in(browser, next_path="/envoyer/test_chat")
    assert r.status_code == 302 and r.headers["Location"] == "/envoyer/test_chat"
    assert browser.get("/envoyer/test_chat").status_code == 200
    # Signed in, the login page sends you on.
    assert browser.get("/login").headers["Location"] == "/"


@pytest.mark.parametrize("target", ["https://pirate.example/", "//pirate.example/x", "/\\pirate.example",
                                    "javascript:alert(1)", "relative/path", ""])
def test_login_never_redirects_off_site(browser, shell_app, target):
    accounts(shell_app, "alice")
    r = sign_in(browser, next_path=target)
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_bad_password_is_refused_in_french_and_keeps_the_login(browser, shell_app):
    accounts(shell_app, "alice")
    r = sign_in(browser, password="pas le bon")
    body = text(r)
    assert r.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in body
    assert 'value="alice"' in body and "pas le bon" not in body
    assert browser.get("/").status_code == 302


def test_empty_fields_get_their_message_at_the_field(browser):
    r = browser.post("/login", data={"login": " ", "password": "", "csrf_token": csrf_of(browser)})
    body = text(r)
    assert r.status_code == 400
    assert re.search(r'id="erreur-login">Saisissez votre identifiant\.<', body)
    assert re.search(r'id="erreur-password">Saisissez votre mot de passe\.<', body)


def test_throttled_login_shows_the_lockout_message(make_app):
    app = make_app("sqlite", login_max_failures=2, login_lockout_minutes=15)
    accounts(app, "alice")
    client = app.test_client()
    for _ in range(2):
        assert sign_in(client, password="faux").status_code == 401
    r = sign_in(client)  # even the right password waits now
    assert r.status_code == 429
    assert "Trop de tentatives de connexion. Réessayez dans 15 minutes" in text(r)
    assert client.get("/").status_code == 302


def test_posts_without_the_csrf_token_are_refused(browser, shell_app):
    accounts(shell_app, "alice")
    r = browser.post("/login", data={"login": "alice", "password": PASSWORD})
    assert r.status_code == 400 and "La page a expiré" in text(r)
    assert sign_in(browser).status_code == 302
    r = browser.post("/logout")
    assert r.status_code == 400
    assert browser.get("/").status_code == 200  # still signed in


def test_logout_ends_the_session(browser, shell_app):
    accounts(shell_app, "alice")
    sign_in(browser)
    r = browser.post("/logout", data={"csrf_token": csrf_of(browser, "/")})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert "Vous êtes déconnecté." in text(browser.get("/login"))
    assert browser.get("/").status_code == 302
    r = browser.get("/logout")
    assert r.status_code == 405 and "Cette adresse ne s'utilise pas ainsi" in text(r)


def test_inbox_has_both_spaces_and_the_send_panel(browser, shell_app):
    accounts(shell_app, "alice")
    sign_in(browser)
    body = text(browser.get("/"))
    assert "Conversations" in body and "Messagerie sécurisée" in body
    assert "Alice MARTIN" in body and "Se déconnecter" in body
    assert body.index(">Relais Santé<") < body.index('href="/envoyer/test_chat"') < body.index(">MSSanté<") \
        < body.index('href="/envoyer/test_mail"')
    assert '<meta name="csrf-token"' in body
    selected = r'<a role="tab"[^>]*data-tab="{}"[^>]*aria-selected="true"'
    assert re.search(selected.format("chat"), body) and not re.search(selected.format("mail"), body)
    assert re.search(selected.format("mail"), text(browser.get("/?espace=mail")))


class ThreeGroups:
    """Channels registered in the reverse of the panel's order, to check the panel sorts by group."""

    @hookimpl
    def register_channels(self):
        return [Channel("usager", "Échanger avec un usager", GROUP_MES, "mail", order=1),
                Channel("document", "Envoyer un document", GROUP_MSSANTE, "mail", order=1),
                Channel("mail", "Rédiger un mail sécurisé", GROUP_MSSANTE, "mail", order=2),
                Channel("te", "Démarrer une téléexpertise", GROUP_MONSISRA, "chat", order=20),
                Channel("chat", "Démarrer une conversation", GROUP_MONSISRA, "chat", order=10)]


def test_panel_groups_follow_the_fixed_order(make_app):
    app = make_app("sqlite", plugins=[("three", ThreeGroups())])
    accounts(app, "alice")
    client = app.test_client()
    sign_in(client)
    body = text(client.get("/"))
    order = [">Relais Santé<", "/envoyer/chat", "/envoyer/te", ">MSSanté<", "/envoyer/document", "/envoyer/mail",
             ">Mon Espace Santé<", "/envoyer/usager"]
    positions = [body.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_the_platforms_own_group_and_the_compose_breadcrumb_carry_its_configured_name(make_app):
    app = make_app("sqlite", plugins=[("three", ThreeGroups())], platform_name="Sisra Santé Auvergne")
    accounts(app, "alice")
    client = app.test_client()
    sign_in(client)
    body = text(client.get("/"))
    titles = re.findall(r'class="send-group-title">([^<]*)<', body)
    assert titles == ["Sisra Santé Auvergne", "MSSanté", "Mon Espace Santé"]
    assert "MonSisra" not in body
    compose = text(client.get("/envoyer/chat"))
    assert re.search(r'class="breadcrumb"><a [^>]*>Conversations</a> <span aria-hidden="true">›</span> Nouvel envoi</p>',
                     compose)
    assert "MonSisra" not in compose
    # The brand and the titles carry it too, on the sign-in page as on the others.
    assert "<title>Démarrer une conversation · Sisra Santé Auvergne</title>" in compose
    assert '<span class="brand-name">Sisra Santé Auvergne</span>' in body
    assert '<meta name="application-name" content="Sisra Santé Auvergne">' in body  # titles the browser code writes
    login = text(app.test_client().get("/login"))
    assert "Sisra Santé Auvergne</h1>" in login and "Relais Santé" not in login


def test_no_enabled_channel_is_said_plainly(make_app):
    app = make_app("sqlite", plugins=[])
    accounts(app, "alice")
    client = app.test_client()
    sign_in(client)
    body = text(client.get("/"))
    assert "Aucun canal d'envoi n'est activé sur cette plateforme." in body
    assert "/envoyer/" not in body


def test_compose_page_and_unknown_channel(browser, shell_app):
    accounts(shell_app, "alice")
    sign_in(browser)
    r = browser.get("/envoyer/test_chat")
    assert r.status_code == 200
    assert 'data-channel="test_chat"' in text(r) and "Démarrer une conversation" in text(r)
    r = browser.get("/envoyer/inexistant")
    assert r.status_code == 404
    assert "Ce canal d'envoi n'existe pas ou n'est pas activé" in text(r) and 'lang="fr"' in text(r)


def test_thread_page_only_for_members(browser, shell_app):
    alice, bob, carol = accounts(shell_app, "alice", "bob", "carol")
    with shell_app.app_context():
        headers = bearer(alice)
    r = browser.post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Plaie", "body": "Bonjour"})
    exchange_id = r.json["exchange"]["id"]
    sign_in(browser, "bob")
    r = browser.get(f"/echanges/{exchange_id}")
    assert r.status_code == 200 and f'data-exchange-id="{exchange_id}"' in text(r)
    # Another professional cannot tell a foreign exchange from a missing one.
    other = shell_app.test_client()
    sign_in(other, "carol")
    for path in (f"/echanges/{exchange_id}", "/echanges/999999"):
        r = other.get(path)
        assert r.status_code == 404 and "Cet échange est introuvable" in text(r)


def test_unknown_urls_get_a_french_page_and_the_api_keeps_json(browser):
    r = browser.get("/nulle-part")
    assert r.status_code == 404 and "Cette page n'existe pas." in text(r)
    r = browser.get("/api/v1/nulle-part")
    assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Introuvable, ou vous n'y avez pas accès."]}}
    r = browser.get("/api/v1/attachments")
    assert r.status_code == 405 and r.json == {"errors": {"_schema": ["Méthode non autorisée pour cette adresse."]}}


def test_scripts_and_styles_exist_and_stay_small(browser, shell_app):
    """No build step: every module a page or another module imports must exist as written."""
    accounts(shell_app, "alice")
    sign_in(browser)
    pages = [text(browser.get(p)) for p in ("/", "/envoyer/test_chat", "/login")]
    referenced = {m for page in pages for m in re.findall(r'(?:src|href)="(/static/[^"]+)"', page)}
    assert referenced
    for url in referenced:
        assert browser.get(url).status_code == 200, url
    # The shell's modules, the plugins' and the test plugins': relative imports stay in their folder, and
    # "relais/..." (the import map's prefix) names a module of the shell.
    modules = [*(WEB / "static" / "js").glob("*.js"), *ROOT.glob("plugins/*/static/**/*.js"),
               *ROOT.glob("tests/support/**/static/**/*.js")]
    assert any("plugins" in m.parts for m in modules)
    for module in modules:
        source = module.read_text(encoding="utf-8")
        for target in re.findall(r'from "([^"]+)"', source):
            if target.startswith("relais/"):
                assert (WEB / "static" / "js" / target[len("relais/"):]).is_file(), f"{module} imports missing {target}"
            else:
                assert target.startswith("./") and (module.parent / target).is_file(), f"{module} imports {target}"
    for path in [*WEB.rglob("*.js"), *WEB.rglob("*.css"), *WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path


def test_the_session_cookie_is_http_only_and_same_site(make_app):
    app = make_app("sqlite")
    accounts(app, "alice")
    client = app.test_client()
    r = sign_in(client)
    assert r.status_code == 302
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("relais_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_patient_page_only_for_those_who_deal_with_the_patient(browser, shell_app):
    alice, bob, carol = accounts(shell_app, "alice", "bob", "carol")
    with shell_app.app_context():
        patient = make_patient(ins="279035121518989", birthplace_code="51215", in_care_of=alice)
        headers, carol_headers = bearer(alice), bearer(carol)
    r = browser.post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id, "subject": "Plaie",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    sign_in(browser, "bob")
    r = browser.get(f"/patients/{patient.id}")
    body = text(r)
    assert r.status_code == 200 and f'data-patient-id="{patient.id}"' in body
    assert "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901" in body
    assert "2 79 03 51 215 189 89 (identité qualifiée)" in body and "51215" in body
    assert "Échanges au sujet de ce patient" in body
    # Carol has no exchange about the patient: she cannot tell the patient from a missing one...
    other = shell_app.test_client()
    sign_in(other, "carol")
    for path in (f"/patients/{patient.id}", "/patients/999999"):
        r = other.get(path)
        assert r.status_code == 404 and "Ce patient est introuvable" in text(r)
    # ...until she creates one herself: a patient she just registered is one of her recent patients.
    r = other.post("/api/v1/patients", headers=carol_headers, json={
        "birth_name": "LEGRAND", "first_names": "Lucie", "birth_date": "1984-05-12", "sex": "F"})
    assert r.status_code == 201, r.json
    r = other.get(f"/patients/{r.json['patient']['id']}")
    assert r.status_code == 200 and "Lucie LEGRAND (née LEGRAND) née le 12/05/1984" in text(r)


def test_a_page_refused_to_the_account_says_so_in_french_and_the_api_in_json(make_app):
    # Any page answering 403 (a plugin's page checking a right of its own): the French page, never « Forbidden ».
    app = make_app("sqlite")

    @app.get("/_test_refused")
    def refused():
        from flask import abort
        abort(403)

    client = app.test_client()
    r = client.get("/_test_refused")
    assert r.status_code == 403 and "Accès refusé" in text(r) and "Forbidden" not in text(r)
    r = client.get("/_test_refused", headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.is_json
