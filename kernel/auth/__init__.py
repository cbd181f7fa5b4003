"""Who is asking: session cookie (with CSRF protection) for browsers, bearer tokens for programs."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, g, jsonify, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..models import Account
from .sessions import SESSION_KEY, end_session, open_session, session_for_cookie, session_is_live
from .tokens import account_for_token, token_is_live

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def current_account() -> Account | None:
    return g.get("account")


def init_auth(app: Flask) -> None:
    csrf = CSRFProtect(app)

    @app.before_request
    def _identify() -> Any:
        g.account = None
        g.auth = None
        g.session_id = None  # which credential let this request in: see still_authorised()
        g.token_id = None
        if request.endpoint == "static":  # assets need no account: spare the database a query each
            return None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            account = account_for_token(header[7:].strip())
            if account is None:
                return _unauthorized("Jeton d'accès invalide ou révoqué.")
            g.account, g.auth, g.token_id = account, "token", account.token_id
            return None
        secret = session.get(SESSION_KEY)
        if secret is not None:
            live = session_for_cookie(str(secret))
            if live is None:  # ended, expired, or its account deactivated: the cookie is worth nothing
                session.clear()
                if request.path.startswith("/api/") or request.path == "/ws":
                    # A call another tab sent before a logout, answered after it: deleting the cookie would delete
                    # the one the logout has just set (its « Vous êtes déconnecté. »). The next page load does it.
                    session.modified = False
            else:
                g.account, g.auth, g.session_id = live.account, "session", live.id
        # A cookie travels with cross-site requests, a bearer token does not: only the former needs CSRF.
        # An anonymous API call has no cookie to abuse: it gets its 401 from the view instead.
        anonymous_api = g.account is None and request.path.startswith("/api/")
        if request.method not in SAFE_METHODS and g.auth != "token" and not anonymous_api:
            csrf.protect()
        return None

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        if request.path.startswith("/api/") or request.is_json:
            return jsonify(errors={"_csrf": ["La page a expiré : rechargez-la puis recommencez."]}), 400
        return ("La page a expiré : revenez en arrière, rechargez-la puis recommencez.", 400,
                {"Content-Type": "text/plain; charset=utf-8"})


def login_session(account: Account) -> None:
    """Sign this browser in as ``account``: a new server-side session, named by a fresh cookie."""
    open_session(account)


def logout_session() -> None:
    """End this browser's session on the server, so a copy of its cookie is refused too."""
    if g.get("session_id") is not None:
        end_session(g.session_id)
    session.clear()


def still_authorised(auth_kind: str | None, credential_id: int | None) -> bool:
    """Whether the credential that let a request in still would: for what outlives the request (a websocket
    asks before each delivery). ``auth_kind`` and ``credential_id`` are ``g.auth`` and ``g.session_id`` or
    ``g.token_id`` as they were then: see ``credential()``. One short query."""
    if credential_id is None:
        return False
    if auth_kind == "session":
        return session_is_live(credential_id)
    if auth_kind == "token":
        return token_is_live(credential_id)
    return False


def credential() -> tuple[str | None, int | None]:
    """``(auth kind, credential id)`` of the current request, to hand to ``still_authorised`` later."""
    kind = g.get("auth")
    return kind, g.get("session_id") if kind == "session" else g.get("token_id") if kind == "token" else None


def _unauthorized(message: str = "Connectez-vous pour continuer.") -> Any:
    response = jsonify(errors={"_auth": [message]})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="relais"'
    return response


def api_login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("account") is None:
            return _unauthorized()
        return view(*args, **kwargs)
    return wrapper
