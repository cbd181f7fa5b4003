"""One-time password links: an administrator makes one and passes it on; it chooses the account's password
once, before it expires (setting ``password_reset_hours``), and ends the account's browser sessions.

Only the SHA-256 of the link's secret is kept (like API tokens): a copy of the database opens no account.
A new link voids the account's older ones, so only the last one handed out works.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import has_request_context, request

from ..db import utcnow, write_transaction
from ..models import Account
from ..models.password_reset import PasswordReset
from ..relais import current_relais
from .account_state import set_password

LINK_PATH = "/mot-de-passe/"
EXPIRED = ("Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé par un plus récent. "
           "Demandez-en un nouveau à votre administrateur.")


PASSWORDS_OFF = ("La connexion par mot de passe est désactivée sur cette plateforme (réglage password_login) : "
                 "les professionnels se connectent avec Pro Santé Connect, sans mot de passe.")


class LinkRefused(ValueError):
    """The link cannot choose a password (used, expired, replaced, its account deactivated, or passwords off)."""

    def __init__(self, message: str = EXPIRED) -> None:
        super().__init__(message)
        self.message = message


def passwords_on() -> bool:
    return bool(current_relais().config.get("password_login", True))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_url(secret: str) -> str:
    """The address to pass on: this site's own in a request (as the administrator reached it), else base_url."""
    root = request.url_root if has_request_context() else current_relais().config["base_url"].rstrip("/") + "/"
    return root.rstrip("/") + LINK_PATH + secret


def make_link(account: Account, by: Account | None) -> tuple[str, dt.datetime]:
    """A new one-time link for ``account`` (older ones stop working); returns its URL and expiry."""
    relais = current_relais()
    if not passwords_on():
        raise LinkRefused(PASSWORDS_OFF)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + dt.timedelta(hours=relais.config["password_reset_hours"])
    with write_transaction():
        PasswordReset.update(used_at=now).where((PasswordReset.account == account.id)
                                                & PasswordReset.used_at.is_null()).execute()
        PasswordReset.create(account=account.id, token_hash=_digest(secret), created_by=by.id if by else None,
                             created_at=now, expires_at=expires_at)
        # The secret never reaches the audit: the link's expiry does.
        relais.audit.record("account.reset_link", account_id=by.id if by else None, target=f"account:{account.id}",
                            detail=f"expires {expires_at.isoformat(timespec='minutes')}Z")
    return link_url(secret), expires_at


def live_link(secret: str) -> PasswordReset | None:
    """The link's row while it may still be used (its account active, passwords on), else None."""
    if not passwords_on():
        return None
    row = (PasswordReset.select(PasswordReset, Account).join(Account, on=(PasswordReset.account == Account.id))
           .where((PasswordReset.token_hash == _digest(secret)) & PasswordReset.used_at.is_null()
                  & (PasswordReset.expires_at > utcnow()) & Account.active).first())
    return row


def use_link(secret: str, password: str) -> Account:
    """Choose the account's password through the link, once: raises LinkRefused otherwise."""
    row = live_link(secret)
    if row is None:
        raise LinkRefused(EXPIRED)
    with write_transaction():
        # Single use even when two tabs submit at once: only one update finds it unused.
        taken = (PasswordReset.update(used_at=utcnow())
                 .where((PasswordReset.id == row.id) & PasswordReset.used_at.is_null()).execute())
        if not taken:
            raise LinkRefused(EXPIRED)
        # The audit's request summary would hold the path, and so the secret: keep the rest only.
        summary = {"method": request.method, "path": LINK_PATH + "…", "remote_addr": request.remote_addr,
                   "status": 200} if has_request_context() else {}
        set_password(row.account, password, request_data=summary)
    return row.account
