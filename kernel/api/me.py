"""The signed-in account: who am I, for whom may I act."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify
from flask_wtf.csrf import generate_csrf

from ..auth import api_login_required, current_account
from ..services.acting_as import identities_for
from .blueprint import api


@api.get("/me")
@api_login_required
def me() -> Any:
    account = current_account()
    extra = {}
    if g.get("auth") == "session":
        # Browser clients send it back in X-CSRFToken on every state-changing request.
        extra["csrf_token"] = generate_csrf()
    return jsonify(**extra,
                   account={"id": account.id, "login": account.login, "name": account.full_name,
                            "profession": account.profession, "identity_id": account.identity_id},
                   identities=[{"id": i.id, "kind": i.kind, "display_name": i.display_name}
                               for i in identities_for(account)])
