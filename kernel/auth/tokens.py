"""Bearer tokens for programs: shown once at creation, only their SHA-256 is stored."""
from __future__ import annotations

import hashlib
import secrets

from ..db import utcnow
from ..models import Account, ApiToken

PREFIX = "rls_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(account: Account, name: str) -> tuple[ApiToken, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(account=account, name=name, token_hash=_digest(token))
    return row, token


def account_for_token(token: str) -> Account | None:
    row = (ApiToken.select(ApiToken, Account).join(Account)
           .where((ApiToken.token_hash == _digest(token)) & ApiToken.revoked_at.is_null() & Account.active)
           .first())
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        # Throttled write: a busy program must not turn every read into a write.
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()
    return row.account
