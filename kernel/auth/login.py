"""Checking a login and password, with throttling and audit."""
from __future__ import annotations

from ..db import utcnow
from ..models import Account
from ..relais import current_relais
from . import throttle
from .passwords import hash_password, needs_rehash, verify_password


class LoginRefused(Exception):
    """``status`` is 401 for bad credentials, 429 while the login is throttled."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def authenticate(login: str, password: str, remote_addr: str) -> Account:
    relais = current_relais()
    login = (login or "").strip()
    cfg = relais.config
    try:
        throttle.check(login, remote_addr, cfg["login_max_failures"], cfg["login_lockout_minutes"])
    except throttle.LoginThrottled as exc:
        relais.audit.record("login", target=f"login:{login[:60]}", outcome="throttled", status=429)
        raise LoginRefused(exc.message, status=429) from None
    account = Account.get_or_none((Account.login == login) & Account.active)
    if not verify_password(account.password_hash if account else None, password or ""):
        throttle.record_failure(login, remote_addr)
        relais.audit.record("login", account_id=account.id if account else None,
                            target=f"login:{login[:60]}", outcome="refused", status=401)
        raise LoginRefused("Identifiant ou mot de passe incorrect.")
    throttle.clear(login)
    account.last_login_at = utcnow()
    changed = [Account.last_login_at]
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        changed.append(Account.password_hash)
    account.save(only=changed)
    relais.audit.record("login", account_id=account.id, target=f"account:{account.id}", status=200)
    return account
