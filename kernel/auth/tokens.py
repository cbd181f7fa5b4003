"""Bearer tokens for programs: shown once at creation, only their SHA-256 is stored."""
from __future__ import annotations

import functools
import hashlib
import secrets

from ..db import utcnow
from ..statements import execute, fetch_one, statement
from ..models import Account, ApiToken
from ..services.rights import TOKEN, rights_changed

PREFIX = "rls_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(account: Account, name: str) -> tuple[ApiToken, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(account=account, name=name, token_hash=_digest(token))
    return row, token


@functools.cache
def _token_lookup() -> str:
    # Every API call asks this: written once as plain SQL rather than built by peewee each time.
    columns = ", ".join(f'a."{f.column_name}"' for f in Account._meta.sorted_fields)
    return (f'SELECT {columns}, t."id" AS "token_id", t."last_used_at" AS "token_last_used_at" '
            'FROM "api_token" t JOIN "account" a ON a."id" = t."account_id" '
            'WHERE t."token_hash" = ? AND t."revoked_at" IS NULL AND a."active" LIMIT 1')


def account_for_token(token: str) -> Account | None:
    """The active account a live token belongs to (with ``token_id`` set), or None."""
    account = fetch_one(Account, statement(_token_lookup()), (_digest(token),))
    if account is None:
        return None
    last_used = ApiToken.last_used_at.python_value(account.token_last_used_at)
    now = utcnow()
    if last_used is None or (now - last_used).total_seconds() > 60:
        # Throttled write: a busy program must not turn every read into a write.
        execute('UPDATE "api_token" SET "last_used_at" = ? WHERE "id" = ?',
                (ApiToken.last_used_at.db_value(now), account.token_id))
    return account


def token_is_live(token_id: int) -> bool:
    """Whether a token may still be used: for what lives longer than a request (a websocket)."""
    return (ApiToken.select(ApiToken.id).join(Account)
            .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null() & Account.active).exists())


def live_token_ids(token_ids: "set[int]") -> set[int]:
    """Which of ``token_ids`` may still be used: the live sockets' periodic re-check, one query for many."""
    return {row.id for row in ApiToken.select(ApiToken.id).join(Account)
            .where(ApiToken.id.in_(list(token_ids)) & ApiToken.revoked_at.is_null() & Account.active)}


def live_tokens(account_id: int) -> list[ApiToken]:
    """The account's tokens not revoked, the newest first."""
    return list(ApiToken.select().where((ApiToken.account == account_id) & ApiToken.revoked_at.is_null())
                .order_by(ApiToken.id.desc()))


def revoke_token(token_id: int, account_id: int | None = None) -> bool:
    """Revoke one token (of ``account_id`` only, when given); False if there was no such live token."""
    query = ApiToken.update(revoked_at=utcnow()).where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
    if account_id is not None:
        query = query.where(ApiToken.account == account_id)
    if query.execute() == 0:
        return False
    # Its open live sockets close once the transaction commits.
    rights_changed([account_id or ApiToken.select(ApiToken.account).where(ApiToken.id == token_id).scalar()], TOKEN)
    return True
