"""``/me/sessions`` and ``/me/tokens``: the account sees its ways in and ends those it does not recognise."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify

from ..auth import api_login_required, current_account
from ..auth.sessions import end_session, live_sessions
from ..auth.tokens import live_tokens, revoke_token
from ..relais import current_relais
from ..schemas.sessions import SessionListResponse, TokenListResponse
from .blueprint import api
from .errors import fail


@api.get("/me/sessions")
@api_login_required
def my_sessions() -> Any:
    rows = live_sessions(current_account().id)
    current = g.get("session_id")
    return jsonify(SessionListResponse().dump({"sessions": [
        {**row.__data__, "current": row.id == current} for row in rows]}))


@api.delete("/me/sessions/<int:session_id>")
@api_login_required
def end_my_session(session_id: int) -> Any:
    """Ending the current session is signing out; another account's session is not found (404)."""
    account = current_account()
    if not end_session(session_id, account_id=account.id):
        fail(404, "Cette session est introuvable ou déjà terminée.")
    current_relais().audit.record("session.end", account_id=account.id, target=f"session:{session_id}")
    return "", 204


@api.get("/me/tokens")
@api_login_required
def my_tokens() -> Any:
    rows = live_tokens(current_account().id)
    current = g.get("token_id")
    return jsonify(TokenListResponse().dump({"tokens": [
        {**row.__data__, "current": row.id == current} for row in rows]}))


@api.delete("/me/tokens/<int:token_id>")
@api_login_required
def revoke_my_token(token_id: int) -> Any:
    account = current_account()
    if not revoke_token(token_id, account_id=account.id):
        fail(404, "Ce jeton est introuvable ou déjà révoqué.")
    current_relais().audit.record("token.revoke", account_id=account.id, target=f"token:{token_id}")
    return "", 204
