"""Sign-in with Pro Santé Connect through a real OpenID provider on loopback (tests/support/oidc_provider)."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
import pytest
import requests

from kernel.auth.login import LoginRefused, authenticate
from kernel.models import Account, AuditEvent, BrowserSession, MailAddress
from kernel.testing.factories import PASSWORD, bearer, make_account

from support.psc_flow import error_banner, form_of, sign_in_at_provider
from support.psc_provider import CODE


def audit(app, action: str = "login.psc") -> list[AuditEvent]:
    with app.app_context():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def test_first_sign_in_creates_the_account_from_the_national_directory(make_psc_site, psc_provider, backend):
    site = make_psc_site(backend)
    site.directory("10001234567", "Anne", "Martin", ("anne.martin@medecin.mssante.fr",))
    login = psc_provider.add_professional("10001234567", "Anne", "MARTIN")
    browser = requests.Session()
    landed = sign_in_at_provider(browser, site, login)
    assert landed.status_code == 200 and landed.url == site.url + "/", (landed.url, landed.text[:300])
    with site.app.app_context():
        account = Account.get(Account.rpps == "10001234567")
        assert (account.first_name, account.last_name, account.profession) == ("Anne", "MARTIN", "Médecin")
        assert [m.address for m in MailAddress.select().where(MailAddress.identity == account.identity_id)] == [
            "anne.martin@medecin.mssante.fr"]
        session_row = BrowserSession.get(BrowserSession.account == account.id)
        assert session_row.psc_id_token and session_row.psc_id_token.count(".") == 2
    assert "Anne MARTIN" in landed.text
    events = audit(site.app)
    assert [(e.outcome, e.account_id) for e in events] == [("ok", account.id)]


def csrf_of(response: requests.Response) -> str:
    return lxml.html.fromstring(response.text).xpath("//meta[@name='csrf-token']/@content")[0]


def test_the_authorization_request_is_pro_sante_connects(make_psc_site, psc_provider):
    site = make_psc_site()
    start = requests.get(site.url + "/login/psc", allow_redirects=False)
    target = urlsplit(start.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}" == psc_provider.issuer and target.path == "/auth"
    assert (query["response_type"], query["scope"], query["acr_values"], query["code_challenge_method"]) == (
        "code", "openid scope_all", "eidas1", "S256")
    assert query["redirect_uri"] == site.url + "/login/psc/retour" and query["client_id"] == psc_provider.client_id
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20 and len(query["code_challenge"]) == 43
    # The state, nonce and PKCE verifier wait in the signed session cookie; the challenge is the verifier's S256.
    with site.app.test_request_context():
        kept = site.app.session_interface.get_signing_serializer(site.app).loads(start.cookies["relais_session"])
    waiting = kept[f"_state_psc_{query['state']}"]["data"]
    assert waiting["nonce"] == query["nonce"] and waiting["code_verifier"] not in start.headers["Location"]
    digest = hashlib.sha256(waiting["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


def test_an_account_holding_the_rpps_signs_in_again_and_again(make_psc_site, psc_provider):
    site = make_psc_site()
    with site.app.app_context():
        account = make_account("paul.durand", "Paul", "Durand")
        account.rpps = "10002222222"
        account.save()
    login = psc_provider.add_professional("10002222222", "Paul", "DURAND")
    for _ in range(2):
        landed = sign_in_at_provider(requests.Session(), site, login, next_path="/patients")
        assert landed.url == site.url + "/patients", landed.url
    with site.app.app_context():
        assert Account.select().count() == 1
        assert BrowserSession.select().where(BrowserSession.account == account.id).count() == 2
    assert [e.detail for e in audit(site.app)] == ["RPPS 10002222222; account rpps"] * 2


def test_an_account_without_rpps_holding_the_directory_address_is_matched(make_psc_site, psc_provider, backend):
    site = make_psc_site(backend)
    with site.app.app_context():
        account = make_account("c.roux", "Carole", "Roux", addresses=("carole.roux@medecin.mssante.fr",))
    site.directory("10003333333", "Carole", "Roux", ("carole.roux@medecin.mssante.fr",))
    landed = sign_in_at_provider(requests.Session(), site, psc_provider.add_professional("10003333333"))
    assert landed.url == site.url + "/"
    with site.app.app_context():
        assert Account.get_by_id(account.id).rpps == "10003333333"
        assert Account.select().count() == 1


def test_an_rpps_unknown_to_the_directory_is_refused_in_french(make_psc_site, psc_provider):
    site = make_psc_site()
    refused = sign_in_at_provider(requests.Session(), site, psc_provider.add_professional("10004444444"))
    assert refused.status_code == 403 and refused.url.startswith(site.url + "/login/psc/retour?")
    assert error_banner(refused) == (
        "Votre numéro RPPS (10004444444) ne figure pas dans l’annuaire des professionnels de la plateforme : "
        "aucun compte ne peut vous être ouvert. Contactez l’administrateur de la plateforme.")
    assert 'id="psc-button"' in refused.text  # to try again
    with site.app.app_context():
        assert Account.select().count() == 0 and BrowserSession.select().count() == 0
    assert [(e.outcome, e.detail) for e in audit(site.app)] == [
        ("refused", "RPPS 10004444444: RPPS not in the directory")]


def test_claims_mode_creates_an_account_the_directory_does_not_know(make_psc_site, psc_provider):
    site = make_psc_site(psc_create_accounts="claims")
    login = psc_provider.add_professional("10005555555", "Léa", "PETIT", profession_code="50")
    assert sign_in_at_provider(requests.Session(), site, login).url == site.url + "/"
    with site.app.app_context():
        account = Account.get(Account.rpps == "10005555555")
        assert (account.first_name, account.last_name, account.profession, account.login) == (
            "Léa", "PETIT", "Sage-femme", "810005555555")


def test_never_mode_refuses_whoever_has_no_account(make_psc_site, psc_provider):
    site = make_psc_site(psc_create_accounts="never")
    site.directory("10006666666", "Marc", "Blanc", ("marc.blanc@medecin.mssante.fr",))
    refused = sign_in_at_provider(requests.Session(), site, psc_provider.add_professional("10006666666"))
    assert refused.status_code == 403
    assert "Aucun compte de la plateforme ne porte votre numéro RPPS (10006666666)" in error_banner(refused)


def test_a_deactivated_account_is_refused(make_psc_site, psc_provider):
    site = make_psc_site()
    with site.app.app_context():
        account = make_account("old.timer")
        account.rpps, account.active = "10007777777", False
        account.save()
    refused = sign_in_at_provider(requests.Session(), site, psc_provider.add_professional("10007777777"))
    assert refused.status_code == 403
    assert error_banner(refused) == "Votre compte est désactivé : contactez l’administrateur de la plateforme."
    assert [(e.outcome, e.account_id, e.detail) for e in audit(site.app)] == [
        ("refused", account.id, "RPPS 10007777777: account deactivated")]
    assert requests.get(site.url + "/api/v1/me").status_code == 401


def test_a_tampered_state_or_an_answer_meant_for_another_browser_is_refused(make_psc_site, psc_provider):
    site = make_psc_site()
    site.directory("10008888888", "Eve", "Noir", ("eve.noir@medecin.mssante.fr",))
    login = psc_provider.add_professional("10008888888")
    victim = requests.Session()
    # The provider's answer is caught before it reaches the app, then tampered with or replayed elsewhere.
    start = victim.get(site.url + "/login/psc")
    action, fields = form_of(start)
    answer = victim.post(action, data={**fields, "login": login, "password": CODE}, allow_redirects=False)
    while "/login/psc/retour" not in answer.headers.get("Location", ""):
        answer = victim.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False)
        if answer.status_code == 200:  # the consent form
            action, fields = form_of(answer)
            answer = victim.post(action, data=fields, allow_redirects=False)
    callback = answer.headers["Location"]
    tampered = victim.get(callback.replace("state=", "state=x"))
    assert tampered.status_code == 400
    assert "ne correspond à aucune connexion en cours dans ce navigateur" in error_banner(tampered)
    attacker = requests.Session()
    replayed = attacker.get(callback)
    assert replayed.status_code == 400 and "recommencez la connexion" in error_banner(replayed)
    with site.app.app_context():
        assert BrowserSession.select().count() == 0
    assert {e.detail for e in audit(site.app)} == {"state mismatch"}


def test_an_authentication_weaker_than_eidas1_or_an_adeli_number_is_refused(make_psc_site, psc_provider):
    site = make_psc_site(psc_create_accounts="claims")
    weak = psc_provider.add_professional("10012121212", acr="test-weak")
    refused = sign_in_at_provider(requests.Session(), site, weak)
    assert refused.status_code == 400
    assert error_banner(refused) == ("La réponse de Pro Santé Connect n’a pas pu être vérifiée : "
                                     "recommencez la connexion.")
    adeli = psc_provider.add_professional("", national_id="0741234567")
    refused = sign_in_at_provider(requests.Session(), site, adeli)
    assert refused.status_code == 403 and "ne transmet pas de numéro RPPS" in error_banner(refused)
    with site.app.app_context():
        assert Account.select().count() == 0
    assert [e.detail for e in audit(site.app)] == ["id_token invalid: invalid_claim",
                                                   "SubjectNameID is not 8 + RPPS: 0741234567"]


def test_the_providers_errors_are_told_in_french(make_psc_site, psc_provider):
    site = make_psc_site()
    browser = requests.Session()
    start = browser.get(site.url + "/login/psc")
    cancel = lxml.html.fromstring(start.text).xpath("//a[text()='Annuler']/@href")[0]
    cancelled = browser.get(urljoin(start.url, cancel))
    assert cancelled.status_code == 403 and cancelled.url.startswith(site.url + "/login/psc/retour?error=access_denied")
    assert error_banner(cancelled) == "La connexion avec Pro Santé Connect a été annulée ou refusée."
    unknown = browser.get(site.url + "/login/psc/retour?error=invalid_scope&state=abc")
    assert error_banner(unknown) == ("Pro Santé Connect a refusé la demande de connexion (code « invalid_scope ») : "
                                     "prévenez l’administrateur de la plateforme.")
    assert [e.detail for e in audit(site.app)] == [
        "provider error access_denied: End-User aborted interaction", "provider error invalid_scope: "]


def test_password_login_turned_off(make_psc_site, psc_provider):
    site = make_psc_site(password_login=False)
    with site.app.app_context():
        account = make_account("marie.curie")
        headers = bearer(account)
    page = requests.get(site.url + "/login")
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//a[@id='psc-button']//text()") and not tree.xpath("//input[@type='password']")
    browser = requests.Session()
    csrf = csrf_of(browser.get(site.url + "/login"))
    refused = browser.post(site.url + "/login", data={"csrf_token": csrf, "login": "marie.curie",
                                                      "password": PASSWORD})
    assert refused.status_code == 403
    assert error_banner(refused) == ("La connexion par mot de passe est désactivée sur cette plateforme : "
                                     "connectez-vous avec Pro Santé Connect (carte CPS ou application e-CPS).")
    assert browser.get(site.url + "/api/v1/me").status_code == 401
    assert requests.get(site.url + "/api/v1/me", headers=headers).status_code == 200  # API tokens keep working
    with site.app.app_context():
        with pytest.raises(LoginRefused) as refusal:
            authenticate("marie.curie", PASSWORD, "127.0.0.1")
        assert refusal.value.status == 403


def test_without_psc_there_is_no_button_and_no_route(make_site_plain):
    site_url = make_site_plain()
    assert "Pro Santé Connect" not in requests.get(site_url + "/login").text
    assert requests.get(site_url + "/login/psc", allow_redirects=False).status_code == 404
    assert requests.get(site_url + "/login/psc/retour?code=x&state=y").status_code == 404


def test_logout_ends_the_providers_session_too(make_psc_site, psc_provider):
    site = make_psc_site()
    site.directory("10009999999", "Hugo", "Vert", ("hugo.vert@medecin.mssante.fr",))
    login = psc_provider.add_professional("10009999999")
    browser = requests.Session()
    inbox = sign_in_at_provider(browser, site, login)
    logout = browser.post(site.url + "/logout", data={"csrf_token": csrf_of(inbox)})
    assert logout.status_code == 200 and browser.get(site.url + "/api/v1/me").status_code == 401
    # The platform's session is over, not yet the provider's (requests did not follow the page's refresh): it
    # asks no code again, only the consent it asks loopback clients every time (oidc-provider's policy for them).
    again = browser.get(site.url + "/login/psc")
    assert "Autorisation" in again.text and "Code e-CPS" not in again.text
    action, fields = form_of(again)
    inbox = browser.post(action, data=fields)
    assert inbox.url == site.url + "/"
    with site.app.app_context():
        id_token = BrowserSession.select().order_by(BrowserSession.id.desc()).get().psc_id_token
    logout = browser.post(site.url + "/logout", data={"csrf_token": csrf_of(inbox)})
    refresh = lxml.html.fromstring(logout.text).xpath("//meta[@http-equiv='refresh']/@content")[0]
    end_url = refresh.split("url=", 1)[1]
    query = parse_qs(urlsplit(end_url).query)
    assert end_url.startswith(psc_provider.issuer + "/session/end?")
    assert query["id_token_hint"] == [id_token] and query["post_logout_redirect_uri"] == [site.url + "/login"]
    assert logout.headers["Cache-Control"] == "no-store"
    with site.app.app_context():  # handed to the provider, then forgotten
        assert BrowserSession.select().where(BrowserSession.psc_id_token.is_null(False)).count() == 0
    confirm = browser.get(end_url)  # the provider's page submits its form by script: requests does it by hand
    action, fields = form_of(confirm)
    back = browser.post(action, data={**fields, "logout": "yes"})
    assert back.url.startswith(site.url + "/login") and "Vous êtes déconnecté." in back.text
    # The provider's session is over: its login form again.
    assert "Connexion avec votre e-CPS" in browser.get(site.url + "/login/psc").text
