"""Acting as ("Agir en tant que"): which identities an account may write for, and who sees what."""
from __future__ import annotations

from typing import Iterable

import peewee as pw
from flask import has_request_context, request

from ..db import column, fetch_by_id
from ..models import Account, Delegation, Exchange, Identity, Membership


# Hand-written (see kernel.db.column): asked on every send and every read. A delegate's rights follow the
# same rules as a member's own: an active account, and for the delegate a delegation not withdrawn.
_IDENTITY_IDS = ('SELECT "identity_id" FROM "account" WHERE "id" = ? AND "active" '
                 'UNION SELECT d."principal_id" FROM "delegation" d JOIN "account" a ON a."id" = d."delegate_id" '
                 'WHERE d."delegate_id" = ? AND d."revoked_at" IS NULL AND a."active"')
_AUDIENCE = ('SELECT a."id" FROM "account" a JOIN "membership" m ON m."identity_id" = a."identity_id" '
             'WHERE m."exchange_id" = ? AND a."active" '
             'UNION SELECT d."delegate_id" FROM "delegation" d JOIN "membership" m ON m."identity_id" = d."principal_id" '
             'JOIN "account" a ON a."id" = d."delegate_id" '
             'WHERE m."exchange_id" = ? AND d."revoked_at" IS NULL AND a."active"')


_REQUEST_CACHE = "relais.request_cache"  # key of the per-request lookups in the WSGI environ


class ActingAsDenied(PermissionError):
    """The account may not write for the chosen identity."""

    message = "Vous n'avez pas de délégation pour agir au nom de cette identité."


def identity_ids_query(account_id: int) -> pw.SelectQuery:
    """The account's own identity and every identity it holds an active delegation on (a subquery); nothing
    for a deactivated account."""
    own = Account.select(Account.identity).where((Account.id == account_id) & Account.active)
    delegated = (Delegation.select(Delegation.principal).join(Account, on=(Delegation.delegate == Account.id))
                 .where((Delegation.delegate == account_id) & Delegation.revoked_at.is_null() & Account.active))
    return own | delegated


def identity_ids(account_id: int) -> list[int]:
    """The account's own identity and its delegations, read once per request (a plain list, so the
    queries that use it stay small and cheap to build)."""
    cache = _request_cache()
    key = ("identity_ids", account_id)
    if key not in cache:
        cache[key] = sorted(set(column(_IDENTITY_IDS, (account_id, account_id))))
    return cache[key]


def identities_for(account: Account) -> list[Identity]:
    """The identities offered in the "Agir en tant que" list: one's own first, then delegations by name."""
    rows = list(Identity.select().where(Identity.id.in_(identity_ids(account.id))))
    return sorted(rows, key=lambda i: (i.id != account.identity_id, i.display_name.lower()))


def check_acting_as(account: Account, identity_id: int) -> Identity:
    """Return the identity if ``account`` may write for it, else raise ActingAsDenied."""
    identity = fetch_by_id(Identity, identity_id) if identity_id in identity_ids(account.id) else None
    if identity is None:
        raise ActingAsDenied(ActingAsDenied.message)
    return identity


def visible_exchanges(account_id: int) -> pw.SelectQuery:
    """Ids of the exchanges ``account_id`` may see: one of its identities is a member."""
    return Membership.select(Membership.exchange).where(Membership.identity.in_(identity_ids(account_id)))


def can_see(account_id: int, exchange_id: int) -> bool:
    return bool(_member_identities(account_id, exchange_id))


def member_identity_for(account: Account, exchange: Exchange) -> list[int]:
    """Identities through which ``account`` takes part in ``exchange`` (the allowed "acting as" for replies)."""
    return _member_identities(account.id, exchange.id)


def _member_identities(account_id: int, exchange_id: int) -> list[int]:
    # Asked twice per reply (may I see it? as whom may I answer?): one query per request.
    cache = _request_cache()
    key = ("members", account_id, exchange_id)
    if key not in cache:
        mine = identity_ids(account_id)
        cache[key] = column(f'SELECT "identity_id" FROM "membership" WHERE "exchange_id" = ? AND "identity_id" IN '
                            f'({", ".join("?" * len(mine))})', (exchange_id, *mine)) if mine else []
    return cache[key]


def _request_cache() -> dict:
    """Lookups kept for the rest of the request (a throwaway dict outside one). Kept in the request's
    WSGI environ rather than in ``g``: ``g`` belongs to the app context, which several requests share
    when they run inside one (tests do), and a membership read by one must not answer the next."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(_REQUEST_CACHE, {})


def forget_request_cache() -> None:
    """Drop the lookups kept for the current request: for what lives on inside one request (a live socket's
    loop) and must read rights as they are now, not as they were when the request began."""
    if has_request_context():
        request.environ.pop(_REQUEST_CACHE, None)


def audience(exchange_id: int) -> list[int]:
    """Account ids that may see an exchange: member identities' own accounts and their delegates."""
    return sorted(set(column(_AUDIENCE, (exchange_id, exchange_id))))


def visible_among(account_id: int, exchange_ids: Iterable[int]) -> set[int]:
    """Which of ``exchange_ids`` the account may see now: read afresh, never from the request's cache (a
    live socket asks this long after its request began, once its rights changed)."""
    wanted = sorted(set(exchange_ids))
    if not wanted:
        return set()
    return set(column(f'SELECT DISTINCT "exchange_id" FROM "membership" WHERE "exchange_id" IN '
                      f'({", ".join("?" * len(wanted))}) AND "identity_id" IN ({_IDENTITY_IDS})',
                      (*wanted, account_id, account_id)))

