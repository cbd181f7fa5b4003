"""What ends an account's access: a new password ends its browser sessions, a deactivation ends everything.

Every change of password or state goes through here (the ``relais user`` commands, the administration's
pages and API, the one-time password links do), so no path can change a password and leave a copied
session cookie working. ``by``: the administrator who acted (None: the command line, or the account itself).
"""
from __future__ import annotations

from typing import Any

from ..db import utcnow
from ..models import Account, ApiToken, Delegation
from ..relais import current_relais
from ..services.rights import ACCOUNT, DELEGATION, rights_changed
from .passwords import hash_password
from .sessions import end_account_sessions


def set_password(account: Account, password: str, by: Account | None = None,
                 request_data: dict[str, Any] | None = None) -> int:
    """Store a new password and end every browser session of the account; returns how many were ended.

    API tokens are kept: a program's token is not the password, and is revoked on its own.
    :param request_data: what the audit keeps of the request, when its own summary would hold a secret
        (a one-time link's path)."""
    relais = current_relais()
    with relais.database.atomic():
        account.password_hash = hash_password(password)
        account.save(only=[Account.password_hash])
        ended = end_account_sessions(account.id)
    relais.audit.record("account.password", account_id=by.id if by else account.id, target=f"account:{account.id}",
                        detail=f"sessions ended: {ended}", request_data=request_data)
    return ended


def _delegates(account: Account) -> list[int]:
    """The accounts holding a delegation (not withdrawn) given by ``account``: they act for it."""
    return [a for (a,) in Delegation.select(Delegation.delegate)
            .where((Delegation.principal == account.identity_id) & Delegation.revoked_at.is_null()).tuples()]


def deactivate(account: Account, by: Account | None = None) -> int:
    """Refuse every future request of the account: its sessions end and its tokens are revoked (they would
    otherwise come back to life with a reactivation). Returns the sessions ended.

    The delegations it gave are suspended, not withdrawn: nobody acts for, nor sees the exchanges of, a
    deactivated account (kernel/services/acting_as.py reads the principal's state), and its delegates' open
    live sockets re-check at once; a reactivation brings them back unchanged."""
    relais = current_relais()
    with relais.database.atomic():
        account.active = False
        account.save(only=[Account.active])
        ended = end_account_sessions(account.id)
        ApiToken.update(revoked_at=utcnow()).where((ApiToken.account == account.id)
                                                   & ApiToken.revoked_at.is_null()).execute()
        rights_changed([account.id], ACCOUNT)  # its open live sockets close, token ones too
        delegates = _delegates(account)
        rights_changed(delegates, DELEGATION)  # what they saw for it leaves their open pages
    relais.audit.record("account.deactivate", account_id=by.id if by else account.id,
                        target=f"account:{account.id}",
                        detail=f"sessions ended: {ended}; delegations suspended: {len(delegates)}")
    return ended


def reactivate(account: Account, by: Account | None = None) -> None:
    """Let the account sign in again (with its password: no session or token comes back); the delegations it
    gave take effect again, as they were."""
    account.active = True
    account.save(only=[Account.active])
    current_relais().audit.record("account.reactivate", account_id=by.id if by else account.id,
                                  target=f"account:{account.id}",
                                  detail=f"delegations back in force: {len(_delegates(account))}")
