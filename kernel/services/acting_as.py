"""Acting as ("Agir en tant que"): which identities an account may write for, and who sees what."""
from __future__ import annotations

from typing import Iterable

import peewee as pw
from flask import has_request_context, request

from ..db import database
from ..statements import column, fetch_by_id, statement
from ..models import MAIL, Account, Delegation, Exchange, Identity, MailAddress, Membership


# Hand-written (see kernel.statements.column): asked on every send and every read. A delegate's rights follow the
# same rules as a member's own: an active account, and for the delegate a delegation not withdrawn. Each
# identity comes with the spaces it opens: its own account and a delegation of scope "all" open every
# space; a delegation of scope "mail" opens the principal's secure mail only (Exchange.space "mail").
# A delegation given by a professional whose account is deactivated is suspended (_PRINCIPAL_ACTIVE): it
# takes effect again, unchanged, when the account is reactivated (kernel/auth/account_state.py).
_PRINCIPAL_ACTIVE = ('NOT EXISTS (SELECT 1 FROM "account" pa WHERE pa."identity_id" = d."principal_id" '
                     'AND NOT pa."active")')
_IDENTITY_SCOPES = ('SELECT "identity_id", \'all\' FROM "account" WHERE "id" = ? AND "active" '
                    'UNION SELECT d."principal_id", d."scope" FROM "delegation" d '
                    'JOIN "account" a ON a."id" = d."delegate_id" '
                    'WHERE d."delegate_id" = ? AND d."revoked_at" IS NULL AND a."active" AND ' + _PRINCIPAL_ACTIVE)
# The identities an account reaches in the space of exchange e (joined by the caller): two account ids.
_IDENTITY_IDS_IN_SPACE = ('SELECT "identity_id" FROM "account" WHERE "id" = ? AND "active" '
                          'UNION SELECT d."principal_id" FROM "delegation" d JOIN "account" a ON a."id" = d."delegate_id" '
                          'WHERE d."delegate_id" = ? AND d."revoked_at" IS NULL AND a."active" '
                          'AND (d."scope" = \'all\' OR d."scope" = e."space") AND ' + _PRINCIPAL_ACTIVE)
_AUDIENCE = ('SELECT a."id" FROM "account" a JOIN "membership" m ON m."identity_id" = a."identity_id" '
             'WHERE m."exchange_id" = ? AND a."active" '
             'UNION SELECT d."delegate_id" FROM "delegation" d JOIN "membership" m ON m."identity_id" = d."principal_id" '
             'JOIN "account" a ON a."id" = d."delegate_id" JOIN "exchange" e ON e."id" = m."exchange_id" '
             'WHERE m."exchange_id" = ? AND d."revoked_at" IS NULL AND a."active" '
             'AND (d."scope" = \'all\' OR d."scope" = e."space") AND ' + _PRINCIPAL_ACTIVE)
ALL_SPACES = "all"  # a delegation's scope that opens every space (kernel.models.delegation.SCOPE_ALL)


_REQUEST_CACHE = "relais.request_cache"  # key of the per-request lookups in the WSGI environ


class ActingAsDenied(PermissionError):
    """The account may not write for the chosen identity."""

    message = "Vous n'avez pas de délégation pour agir au nom de cette identité."


def identity_ids_query(account_id: int) -> pw.SelectQuery:
    """The account's own identity and every identity it holds an active delegation on (a subquery); nothing
    for a deactivated account, no delegation given by a deactivated account (suspended)."""
    own = Account.select(Account.identity).where((Account.id == account_id) & Account.active)
    deactivated = Account.alias()
    delegated = (Delegation.select(Delegation.principal).join(Account, on=(Delegation.delegate == Account.id))
                 .where((Delegation.delegate == account_id) & Delegation.revoked_at.is_null() & Account.active
                        & Delegation.principal.not_in(deactivated.select(deactivated.identity)
                                                      .where(deactivated.active == False))))  # noqa: E712
    return own | delegated


def identity_scopes(account_id: int) -> dict[int, str]:
    """Every identity the account reaches, with the space it opens there ("all", or "mail" for a mail-only
    delegation); read once per request."""
    cache = _request_cache()
    key = ("identity_scopes", account_id)
    if key not in cache:
        rows = database.obj.execute_sql(statement(_IDENTITY_SCOPES), (account_id, account_id)).fetchall()
        cache[key] = {identity_id: scope for identity_id, scope in sorted(rows)}
    return cache[key]


def identity_ids(account_id: int, space: str | None = None) -> list[int]:
    """The account's own identity and its delegations (a plain list, so the queries that use it stay small
    and cheap to build). Given a ``space`` ("chat", "mail"), only the identities it may act for there."""
    return [i for i, scope in identity_scopes(account_id).items() if _opens(scope, space)]


def _opens(scope: str, space: str | None) -> bool:
    return space is None or scope == ALL_SPACES or scope == space


def _split(account_id: int) -> tuple[list[int], list[int]]:
    """(identities opening every space, identities opening the mail space only)."""
    scopes = identity_scopes(account_id)
    return ([i for i, s in scopes.items() if s == ALL_SPACES], [i for i, s in scopes.items() if s != ALL_SPACES])


def identities_for(account: Account, space: str | None = None) -> list[Identity]:
    """The identities offered in the "Agir en tant que" list: one's own first, then delegations by name.
    Given a ``space`` (a channel's), only those the account may act for there (a mail-only delegate does
    not write the principal's conversations)."""
    rows = list(Identity.select().where(Identity.id.in_(identity_ids(account.id, space))))
    return sorted(rows, key=lambda i: (i.id != account.identity_id, i.display_name.lower()))


def check_acting_as(account: Account, identity_id: int, space: str | None = None) -> Identity:
    """Return the identity if ``account`` may write for it (in ``space``, when given), else raise ActingAsDenied."""
    allowed = identity_id in identity_ids(account.id, space)
    identity = fetch_by_id(Identity, identity_id) if allowed else None
    if identity is None:
        raise ActingAsDenied(ActingAsDenied.message)
    return identity


def visible_exchanges(account_id: int) -> pw.SelectQuery:
    """Ids of the exchanges ``account_id`` may see: one of its identities is a member (through a mail-only
    delegation, in the mail space only)."""
    full, mail_only = _split(account_id)
    query = Membership.select(Membership.exchange).where(Membership.identity.in_(full))
    if mail_only:
        query = query | (Membership.select(Membership.exchange).join(Exchange)
                         .where(Membership.identity.in_(mail_only) & (Exchange.space == MAIL)))
    return query


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
        full, mail_only = _split(account_id)
        if not full and not mail_only:
            cache[key] = []
        elif not mail_only:
            cache[key] = column(f'SELECT "identity_id" FROM "membership" WHERE "exchange_id" = ? AND "identity_id" IN '
                                f'({", ".join("?" * len(full))})', (exchange_id, *full))
        else:  # a mail-only delegation counts in a mail exchange only
            either = " OR ".join(part for part in (
                f'm."identity_id" IN ({", ".join("?" * len(full))})' if full else "",
                f'(e."space" = ? AND m."identity_id" IN ({", ".join("?" * len(mail_only))}))') if part)
            cache[key] = column(f'SELECT m."identity_id" FROM "membership" m JOIN "exchange" e ON e."id" = m."exchange_id" '
                                f'WHERE m."exchange_id" = ? AND ({either})', (exchange_id, *full, MAIL, *mail_only))
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
    live socket asks this long after its request began, once its rights changed or narrowed)."""
    wanted = sorted(set(exchange_ids))
    if not wanted:
        return set()
    return set(column(f'SELECT DISTINCT m."exchange_id" FROM "membership" m JOIN "exchange" e ON e."id" = m."exchange_id" '
                      f'WHERE m."exchange_id" IN ({", ".join("?" * len(wanted))}) '
                      f'AND m."identity_id" IN ({_IDENTITY_IDS_IN_SPACE})',
                      (*wanted, account_id, account_id)))


def may_send(identities: list[Identity], needs_mailbox: bool) -> set[int]:
    """Which of ``identities`` may send on a channel: all of them, or for a channel that needs a mailbox
    (Channel.needs_mailbox) those eligible to MSSanté that hold an address (one query)."""
    if not needs_mailbox:
        return {i.id for i in identities}
    eligible = [i.id for i in identities if i.mssante_eligible]
    if not eligible:
        return set()
    return {row[0] for row in MailAddress.select(MailAddress.identity).where(MailAddress.identity.in_(eligible))
            .distinct().tuples()}
