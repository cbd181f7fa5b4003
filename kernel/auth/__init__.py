"""Who is asking: session cookie (with CSRF protection) for browsers, bearer tokens for programs."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, g, jsonify, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..models import Account
from .tokens import account_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def current_account() -> Account | None:
    return g.get("account")


def init_auth(app: Flask) -> None:
    csrf = CSRFProtect(app)

    @app.before_request
    def _identify() -> Any:
        g.account = None
        g.auth = None
        if request.endpoint == "static":  # assets need no account: spare the database a query each
            return None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            account = account_for_token(header[7:].strip())
            if account is None:
                return _unauthorized("Jeton d'accès invalide ou révoqué.")
            g.account, g.auth = account, "token"
            return None
        account_id = session.get("account_id")
        if account_id is not None:
            account = Account.get_or_none((Account.id == account_id) & Account.active)
            if account is None or session.get("auth_epoch") != _epoch(account):
                session.clear()
            else:
                g.account, g.auth = account, "session"
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


def _epoch(account: Account) -> str:
    # Changing the password changes the hash, which ends every session opened before.
    return account.password_hash[-16:]


def login_session(account: Account) -> None:
    session.clear()
    session.permanent = True
    session["account_id"] = account.id
    session["auth_epoch"] = _epoch(account)


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
