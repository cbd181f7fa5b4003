"""Known devices: a browser that signed in successfully carries a signed cookie naming it for that account.

Throttling judges a known device by its own failures only (kernel/auth/throttle.py): someone guessing a
professional's password from elsewhere cannot lock them out of the workstation they use every day. The
cookie opens nothing by itself; it holds no secret but a random device id, signed with the app's key.
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..relais import current_relais

COOKIE = "relais_device"
_SALT = "relais.known-device"
# A shared workstation (a practice's reception desk) is known for several professionals at once.
_MAX_ACCOUNTS = 8


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _max_age() -> int:
    return current_relais().config["login_known_device_days"] * 86400


def known_devices() -> dict[int, str]:
    """``{account id: device id}`` from this request's cookie; empty when absent, forged or expired."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        pairs = _serializer().loads(raw, max_age=_max_age())
    except (BadSignature, ValueError, TypeError):
        return {}
    if not isinstance(pairs, list):
        return {}
    return {int(a): str(d) for a, d in (p for p in pairs if isinstance(p, list) and len(p) == 2)
            if isinstance(a, int) and isinstance(d, str) and len(d) == 32}


def device_for(account_id: int) -> str | None:
    """The id this browser is known by for ``account_id``, or None (an unknown device)."""
    return known_devices().get(account_id)


def remember_device(account_id: int) -> None:
    """After a successful sign-in: this browser becomes (or stays) a known device of the account."""
    known = known_devices()
    device = known.pop(account_id, None) or secrets.token_hex(16)
    known[account_id] = device  # the latest sign-in last: the oldest is dropped first
    pairs = [[a, d] for a, d in list(known.items())[-_MAX_ACCOUNTS:]]
    value = _serializer().dumps(pairs)
    secure = bool(current_relais().config["behind_tls"])

    @after_this_request
    def _set_cookie(response: Any) -> Any:
        response.set_cookie(COOKIE, value, max_age=_max_age(), httponly=True, samesite="Lax", secure=secure)
        return response
