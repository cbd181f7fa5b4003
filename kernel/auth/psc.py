"""Sign-in with Pro Santé Connect: OpenID Connect authorization code flow with PKCE, by authlib's Flask client.

``start`` sends the browser to the provider (state, nonce and PKCE verifier kept in the signed session cookie by
authlib, for ten minutes); ``finish`` checks the provider's answer (state, code exchanged with the verifier,
id_token signature, issuer, audience, nonce and ``acr`` eidas1), reads the signed userinfo and finds the account
of its ``SubjectNameID`` (kernel/auth/psc_accounts.py). The session opened is the platform's ordinary browser
session; its id_token stays on the server for the logout, which ends the provider's session too
(``logout_url``). Settings: ``psc_*`` and ``password_login`` (kernel/settings.py).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import UserInfo
from flask import current_app, session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from ..db import utcnow
from ..models import Account, BrowserSession
from ..relais import current_relais
from . import devices
from .psc_accounts import CREATE_MODES, NoAccount, account_for_rpps
from .sessions import open_session

log = logging.getLogger(__name__)

SCOPES = "openid scope_all"
ACR = "eidas1"
NEXT_KEY = "psc_next"  # where to go once signed in, kept in the session cookie during the round trip
_NATIONAL_ID = re.compile(r"^8(\d{11})$")  # « 8 » + RPPS; ADELI ids (« 0 » + ...) are not accepted
_EXTENSION = "relais_psc"

# The provider's error codes (RFC 6749 4.1.2.1, OpenID Connect Core 3.1.2.6) in words for the professional.
_PROVIDER_ERRORS = {
    "access_denied": "La connexion avec Pro Santé Connect a été annulée ou refusée.",
    "login_required": "Pro Santé Connect demande de vous identifier à nouveau : recommencez la connexion.",
    "interaction_required": "Pro Santé Connect demande de vous identifier à nouveau : recommencez la connexion.",
    "consent_required": "Pro Santé Connect demande votre accord : recommencez la connexion.",
    "temporarily_unavailable": "Pro Santé Connect est momentanément indisponible : réessayez dans quelques minutes.",
    "server_error": "Pro Santé Connect a rencontré une erreur : réessayez dans quelques minutes.",
}


class PscRefused(Exception):
    """The sign-in is refused: ``message`` for the professional (French), ``reason`` for the audit line."""

    def __init__(self, message: str, reason: str, status: int = 403, account_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status
        self.account_id = account_id


def enabled() -> bool:
    return bool(current_relais().config["psc_enabled"])


def client_secret(config: Any) -> str:
    """``psc_client_secret``, else the file ``<data_dir>/psc_client_secret`` (kept out of the TOML file)."""
    if config["psc_client_secret"]:
        return str(config["psc_client_secret"])
    path = Path(config["data_dir"]) / "psc_client_secret"
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def _client() -> Any:
    """authlib's client for this app, registered on first use from the settings."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get(_EXTENSION)
    if client is None:
        config = current_relais().config
        if config["psc_create_accounts"] not in CREATE_MODES:
            raise PscRefused("La connexion avec Pro Santé Connect est mal configurée : prévenez l’administrateur "
                             "de la plateforme.", "psc_create_accounts must be one of " + ", ".join(CREATE_MODES), 500)
        if not config["psc_client_id"]:
            raise PscRefused("La connexion avec Pro Santé Connect n’est pas encore configurée : prévenez "
                             "l’administrateur de la plateforme.", "psc_client_id is not set", 500)
        oauth = OAuth(app)
        client = oauth.register(
            "psc", client_id=config["psc_client_id"], client_secret=client_secret(config),
            server_metadata_url=config["psc_issuer"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": 15})
        app.extensions[_EXTENSION] = client
    return client


def _metadata() -> dict[str, Any]:
    try:
        return _client().load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("Pro Santé Connect metadata unavailable: %s", exc)
        raise PscRefused("Pro Santé Connect ne répond pas : réessayez dans quelques minutes.",
                         f"provider unreachable: {type(exc).__name__}", 502) from None


def start(redirect_uri: str, next_path: str) -> Any:
    """The redirection to the provider's authorization endpoint (PKCE S256, nonce, state, acr eidas1)."""
    _metadata()
    response = _client().authorize_redirect(redirect_uri, acr_values=ACR)
    session[NEXT_KEY] = next_path
    return response


def finish(query: dict[str, str]) -> tuple[Account, str, str]:
    """The provider came back with ``query``: the account signed in, its id_token and where to go next.

    :raises PscRefused: whatever went wrong, said in French, and audited as ``login.psc`` refused.
    """
    next_path = str(session.pop(NEXT_KEY, "") or "")
    try:
        account, id_token = _checked_account(query)
    except PscRefused as exc:
        current_relais().audit.record("login.psc", account_id=exc.account_id, outcome="refused", status=exc.status,
                                      target=f"account:{exc.account_id}" if exc.account_id else "",
                                      detail=exc.reason)
        raise
    return account, id_token, next_path


def claims_options(issuer: str, client_id: str) -> dict[str, Any]:
    """What the id_token must say: from our provider, at the eIDAS level, and meant for us (its audience is
    our client id: a token issued to another application must not sign anyone in here)."""
    return {"iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "value": client_id},
            "acr": {"essential": True, "values": [ACR]}}


def _checked_account(query: dict[str, str]) -> tuple[Account, str]:
    error = query.get("error")
    if error:
        _client().framework.clear_state_data(session, query.get("state"))
        message = _PROVIDER_ERRORS.get(error, "Pro Santé Connect a refusé la demande de connexion "
                                              f"(code « {error[:60]} ») : prévenez l’administrateur de la plateforme.")
        raise PscRefused(message, f"provider error {error[:60]}: {query.get('error_description', '')[:200]}")
    _metadata()
    try:
        token = _client().authorize_access_token(claims_options=claims_options(
            _metadata()["issuer"], current_relais().config["psc_client_id"]))
    except MismatchingStateError:
        raise PscRefused("Cette réponse de Pro Santé Connect ne correspond à aucune connexion en cours dans ce "
                         "navigateur (elle a expiré ou a été modifiée) : recommencez la connexion.",
                         "state mismatch", 400) from None
    except OAuthError as exc:
        raise PscRefused("Pro Santé Connect n’a pas confirmé la connexion : recommencez-la.",
                         f"token request refused: {exc.error}", 400) from None
    except JoseError as exc:
        raise PscRefused("La réponse de Pro Santé Connect n’a pas pu être vérifiée : recommencez la connexion.",
                         f"id_token invalid: {exc.error}", 400) from None
    except requests.RequestException as exc:
        raise PscRefused("Pro Santé Connect ne répond pas : réessayez dans quelques minutes.",
                         f"token request failed: {type(exc).__name__}", 502) from None
    id_claims = token.get("userinfo")
    if not id_claims or not token.get("id_token"):
        raise PscRefused("La réponse de Pro Santé Connect est incomplète : recommencez la connexion.",
                         "no id_token", 400)
    claims = _userinfo(token)
    if claims.get("sub") != id_claims.get("sub"):
        raise PscRefused("La réponse de Pro Santé Connect n’a pas pu être vérifiée : recommencez la connexion.",
                         "userinfo sub differs from the id_token's", 400)
    match = _NATIONAL_ID.match(str(claims.get("SubjectNameID") or ""))
    if match is None:
        raise PscRefused("Pro Santé Connect ne transmet pas de numéro RPPS pour vous : la plateforme n’est ouverte "
                         "qu’aux professionnels inscrits au RPPS.",
                         f"SubjectNameID is not 8 + RPPS: {str(claims.get('SubjectNameID'))[:30]}")
    rpps = match.group(1)
    try:
        found = account_for_rpps(rpps, claims, current_relais().config["psc_create_accounts"])
    except NoAccount as exc:
        raise PscRefused(exc.message, f"RPPS {rpps}: {exc.reason}") from None
    account = found.account
    if not account.active:
        raise PscRefused("Votre compte est désactivé : contactez l’administrateur de la plateforme.",
                         f"RPPS {rpps}: account deactivated", account_id=account.id)
    account.last_login_at = utcnow()
    account.save(only=[Account.last_login_at])
    current_relais().audit.record("login.psc", account_id=account.id, target=f"account:{account.id}", status=200,
                                  detail=f"RPPS {rpps}; account {found.how}")
    return account, str(token["id_token"])


def _userinfo(token: dict[str, Any]) -> UserInfo:
    """The userinfo endpoint's claims: PSC signs them (application/jwt); plain JSON is read too."""
    client, metadata = _client(), _metadata()
    try:
        response = client.get(metadata["userinfo_endpoint"], token=token)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise PscRefused("Pro Santé Connect ne répond pas : réessayez dans quelques minutes.",
                         f"userinfo failed: {type(exc).__name__}", 502) from None
    if not response.headers.get("Content-Type", "").startswith("application/jwt"):
        return UserInfo(response.json())
    algorithms = metadata.get("userinfo_signing_alg_values_supported") or ["RS256"]
    try:
        decoded = jwt.decode(response.text.strip(), KeySet.import_key_set(client.fetch_jwk_set()),
                             registry=JWSRegistry(algorithms=algorithms))
    except (JoseError, ValueError) as exc:
        raise PscRefused("La réponse de Pro Santé Connect n’a pas pu être vérifiée : recommencez la connexion.",
                         f"userinfo signature invalid: {exc}"[:200], 400) from None
    claims = decoded.claims
    if claims.get("iss", metadata["issuer"]) != metadata["issuer"]:
        raise PscRefused("La réponse de Pro Santé Connect n’a pas pu être vérifiée : recommencez la connexion.",
                         "userinfo from another issuer", 400)
    return UserInfo(claims)


def sign_in(account: Account, id_token: str) -> None:
    """Open the platform's ordinary browser session, keeping the id_token on the server for the logout."""
    row = open_session(account)
    row.psc_id_token = id_token
    row.save(only=[BrowserSession.psc_id_token])
    devices.remember_device(account.id)


def take_id_token(session_id: int | None) -> str | None:
    """The id_token of a session opened through Pro Santé Connect (None for a password one), forgotten at once:
    called at logout, which hands it to the provider as id_token_hint and needs it no more."""
    if session_id is None:
        return None
    id_token = BrowserSession.select(BrowserSession.psc_id_token).where(BrowserSession.id == session_id).scalar()
    if id_token is not None:
        BrowserSession.update(psc_id_token=None).where(BrowserSession.id == session_id).execute()
    return id_token


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end_session_endpoint with id_token_hint and the way back; None when it has none."""
    try:
        return _client().create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                           id_token_hint=id_token)["url"]
    except (PscRefused, RuntimeError, requests.RequestException, ValueError):
        return None
