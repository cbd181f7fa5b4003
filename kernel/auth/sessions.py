"""Browser sessions kept on the server: opened at sign-in, checked on every request, ended by logout,
a password change or a deactivation, and by their idle and absolute lifetimes (settings).

The signed cookie carries only a random secret (``sid``); the table keeps its SHA-256. Nothing in the
cookie derives from the password, so a leaked cookie says nothing about it.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from ..db import utcnow
from ..statements import execute, fetch_one, statement
from ..models import Account, BrowserSession
from ..relais import current_relais
from ..services.rights import SESSION, rights_changed
from .user_agent import summarise

SESSION_KEY = "sid"
# A busy page must not turn every read into a write: last_seen_at is stamped at most once a minute,
# so the idle lifetime is exact to the minute.
_STAMP_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class LiveSession:
    id: int
    account: Account


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _cutoffs() -> tuple[object, object]:
    """(created after, last seen after) for a session still alive now, as database values."""
    config = current_relais().config
    now = utcnow()
    created = now - dt.timedelta(hours=config["session_hours"])
    seen = now - dt.timedelta(minutes=config["session_idle_minutes"])
    return BrowserSession.created_at.db_value(created), BrowserSession.last_seen_at.db_value(seen)


def open_session(account: Account) -> BrowserSession:
    """Sign the current browser in as ``account``: a new row, and a fresh cookie naming only it."""
    secret = secrets.token_urlsafe(32)
    row = BrowserSession.create(account=account, token_hash=_digest(secret),
                                user_agent=summarise(request.user_agent.string)[:100],
                                remote_addr=(request.remote_addr or "")[:64])
    session.clear()  # nothing from before sign-in survives it (session fixation)
    session.permanent = True
    session[SESSION_KEY] = secret
    # The CSRF secret is made now, in the sign-in answer's cookie. Left to the next requests, two of them running
    # at once (the page and a service worker's or a script's request) would each make one, and the cookie written
    # last would refuse the other page's forms (« La page a expiré »).
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()
    return row


@functools.cache
def _lookup() -> str:
    # Every page and API call of a browser asks this: one statement, the session and its account.
    columns = ", ".join(f'a."{f.column_name}"' for f in Account._meta.sorted_fields)
    return (f'SELECT {columns}, s."id" AS "session_id", s."last_seen_at" AS "session_last_seen_at" '
            'FROM "browser_session" s JOIN "account" a ON a."id" = s."account_id" '
            'WHERE s."token_hash" = ? AND s."ended_at" IS NULL AND a."active" '
            'AND s."created_at" > ? AND s."last_seen_at" > ? LIMIT 1')


def session_for_cookie(secret: str) -> LiveSession | None:
    """The live session a cookie's secret names (None: unknown, ended, expired, or its account deactivated)."""
    created_after, seen_after = _cutoffs()
    account = fetch_one(Account, statement(_lookup()), (_digest(secret), created_after, seen_after))
    if account is None:
        return None
    last_seen = BrowserSession.last_seen_at.python_value(account.session_last_seen_at)
    now = utcnow()
    if now - last_seen >= _STAMP_EVERY:
        execute('UPDATE "browser_session" SET "last_seen_at" = ? WHERE "id" = ?',
                (BrowserSession.last_seen_at.db_value(now), account.session_id))
    return LiveSession(account.session_id, account)


def _alive() -> Any:
    """A session not ended and within both lifetimes (the cookie lookup's SQL says the same)."""
    created_after, seen_after = _cutoffs()
    return (BrowserSession.ended_at.is_null() & (BrowserSession.created_at > created_after)
            & (BrowserSession.last_seen_at > seen_after))


def session_is_live(session_id: int) -> bool:
    """Whether a session may still be used: for what lives longer than a request (a websocket)."""
    return (BrowserSession.select(BrowserSession.id).join(Account)
            .where((BrowserSession.id == session_id) & Account.active & _alive()).exists())


def live_session_ids(session_ids: "set[int]") -> set[int]:
    """Which of ``session_ids`` may still be used: the live sockets' periodic re-check, one query for many."""
    return {row.id for row in BrowserSession.select(BrowserSession.id).join(Account)
            .where(BrowserSession.id.in_(list(session_ids)) & Account.active & _alive())}


def live_sessions(account_id: int) -> list[BrowserSession]:
    """The account's sessions still alive, the most recently used first."""
    return list(BrowserSession.select().where((BrowserSession.account == account_id) & _alive())
                .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id.desc()))


def end_session(session_id: int, account_id: int | None = None) -> bool:
    """End one session (of ``account_id`` only, when given); False if there was no such live session.
    Its open live sockets close once the transaction commits (``rights.changed``)."""
    query = BrowserSession.update(ended_at=utcnow()).where(
        (BrowserSession.id == session_id) & BrowserSession.ended_at.is_null())
    if account_id is not None:
        query = query.where(BrowserSession.account == account_id)
    if query.execute() == 0:
        return False
    owner = account_id or BrowserSession.select(BrowserSession.account).where(BrowserSession.id == session_id).scalar()
    rights_changed([owner], SESSION)
    return True


def end_account_sessions(account_id: int) -> int:
    """End every session of an account (password changed, account deactivated); returns how many."""
    ended = (BrowserSession.update(ended_at=utcnow())
             .where((BrowserSession.account == account_id) & BrowserSession.ended_at.is_null()).execute())
    if ended:
        rights_changed([account_id], SESSION)
    return ended


def purge_sessions(keep_days: int = 30) -> int:
    """Forget sessions ended, or past their absolute lifetime, more than ``keep_days`` ago."""
    cutoff = utcnow() - dt.timedelta(days=keep_days)
    started_before = cutoff - dt.timedelta(hours=current_relais().config["session_hours"])
    return BrowserSession.delete().where((BrowserSession.created_at < started_before)
                                         | (BrowserSession.ended_at < cutoff)).execute()
