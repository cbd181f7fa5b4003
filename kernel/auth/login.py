"""Checking a login and password, with throttling (kernel/auth/throttle.py) and audit."""
from __future__ import annotations

from ..db import utcnow
from ..models import Account
from ..relais import current_relais
from . import devices, throttle
from .passwords import hash_password, needs_rehash, verify_password


PASSWORD_LOGIN_OFF = ("La connexion par mot de passe est désactivée sur cette plateforme : connectez-vous "
                      "avec Pro Santé Connect (carte CPS ou application e-CPS).")


def password_login() -> bool:
    """Whether local passwords may sign in (setting ``password_login``; false: Pro Santé Connect only)."""
    return bool(current_relais().config["password_login"])


class LoginRefused(Exception):
    """``status`` is 401 for bad credentials, 429 while the login is throttled, 403 when passwords are off."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def authenticate(login: str, password: str, remote_addr: str) -> Account:
    """The active account whose password this is; the browser becomes one of its known devices.

    Call it within the sign-in request: it reads and sets the known-device cookie.
    :raises LoginRefused: wrong login or password (401), too many failures from this source (429), local
        passwords turned off (403).
    """
    relais = current_relais()
    login = (login or "").strip()
    if not password_login():
        relais.audit.record("login", target=f"login:{login[:60]}", outcome="refused", status=403,
                            detail="password login is off")
        raise LoginRefused(PASSWORD_LOGIN_OFF, status=403)
    cfg = relais.config
    account = Account.get_or_none((Account.login == login) & Account.active)
    attempt = throttle.Attempt(login, remote_addr, devices.device_for(account.id) if account else None,
                               real_account=account is not None)
    try:
        ticket = throttle.begin(attempt, cfg["login_max_failures"], cfg["login_lockout_minutes"])
    except throttle.LoginThrottled as exc:
        relais.audit.record("login", target=f"login:{login[:60]}", outcome="throttled", status=429)
        raise LoginRefused(exc.message, status=429) from None
    # Checked even for a login that does not exist (against a dummy hash): the time taken tells nothing.
    if not verify_password(account.password_hash if account else None, password or ""):
        relais.audit.record("login", account_id=account.id if account else None,
                            target=f"login:{login[:60]}", outcome="refused", status=401)
        raise LoginRefused("Identifiant ou mot de passe incorrect.")
    throttle.succeeded(ticket, login)
    account.last_login_at = utcnow()
    changed = [Account.last_login_at]
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        changed.append(Account.password_hash)
    account.save(only=changed)
    devices.remember_device(account.id)
    relais.audit.record("login", account_id=account.id, target=f"account:{account.id}", status=200)
    return account
