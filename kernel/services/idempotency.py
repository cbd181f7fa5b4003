"""Sends made with an ``Idempotency-Key``: the same key from the same account gets the first answer again.

A browser that sends what was written offline, or retries after a lost answer, may send the same message
twice; it gives each message a key (a UUID) and the server stores the first answer under it, in the send's
own transaction. Two requests that race both try to take the key: the unique index on (account, key)
lets one through; the other waits for it (PostgreSQL's index, SQLite's write lock), fails to take the key
and answers what the first stored. A refused send (4xx) stores nothing, its key is free again.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Callable, TypeVar

import peewee as pw
from flask import Response, current_app, request

from ..db import utcnow, write_transaction
from ..statements import execute, fetch_one, insert_later, statement
from ..models import IdempotentAnswer
from .sending import SendRejected, write_together

T = TypeVar("T")
HEADER = "Idempotency-Key"
WINDOW = dt.timedelta(hours=24)  # a key older than this is forgotten and may be used again
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

Answer = tuple[Any, int, dict[str, str]]  # body, status, headers


BAD_KEY = "La clé d'idempotence doit compter de 1 à 200 caractères visibles (un UUID par exemple)."
KEY_REUSED = "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez-en une nouvelle."


def request_key() -> str | None:
    """The request's key, None without one; a 400 at the header when it cannot be one."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise SendRejected({HEADER: [BAD_KEY]}, status=400)
    return raw


def once(account_id: int, check: Callable[[], T], store: Callable[[T], Answer]) -> Response:
    """Answer the request with ``store(check())``, or with the first answer given to its key.

    ``check`` refuses what cannot be sent (SendRejected) and runs outside any transaction; ``store`` writes and
    builds the answer, in the transaction that takes the key, so the key and the message are stored together."""
    key = request_key()
    if key is None:
        body, status, headers = store(check())
        return _respond(current_app.json.dumps(body), status, headers)
    signature = f"{request.method} {request.path}"[:300]
    found = _first_answer(account_id, key)
    if found is not None:
        return _replay(found, signature)
    checked = check()
    try:
        with write_transaction():
            # Taken first: a racing twin blocks on it until this transaction ends, then finds the key taken. On
            # PostgreSQL it travels with the send's first statement (kernel/db_prepared.py ``defer``), so the twin's
            # refusal (IntegrityError) surfaces there, still inside this block. Every browser send carries a key:
            # its statements are plain SQL (peewee's query builder cost more than the rest of the send), and the
            # answer and the clean-up leave with the COMMIT.
            insert_later(IdempotentAnswer, {"account": account_id, "key": key, "request": signature,
                                            "status": 0, "location": "", "created_at": utcnow()})
            body, status, headers = store(checked)
            text = current_app.json.dumps(body)  # the app's JSON (dates as it writes them), replayed verbatim
            write_together([
                ('UPDATE "idempotent_answer" SET "status" = ?, "body" = ?, "location" = ? '
                 'WHERE "account_id" = ? AND "key" = ?', (status, text, headers.get("Location", ""), account_id, key)),
                # the account's expired keys go as it makes new ones: the table stays small
                _forget_old(account_id)])
    except pw.IntegrityError:
        found = _first_answer(account_id, key)
        if found is None:  # pragma: no cover - the row that refused ours is committed, hence visible
            raise
        return _replay(found, signature)
    return _respond(text, status, headers)


@functools.cache
def _lookup() -> str:
    columns = ", ".join(f'"{f.column_name}"' for f in IdempotentAnswer._meta.sorted_fields)
    return f'SELECT {columns} FROM "idempotent_answer" WHERE "account_id" = ? AND "key" = ? LIMIT 1'


def _first_answer(account_id: int, key: str) -> IdempotentAnswer | None:
    found = fetch_one(IdempotentAnswer, statement(_lookup()), (account_id, key))
    if found is not None and found.created_at < utcnow() - WINDOW:
        execute('DELETE FROM "idempotent_answer" WHERE "id" = ?', (found.id,))
        return None
    return found


def _replay(found: IdempotentAnswer, signature: str) -> Response:
    if found.request != signature:
        raise SendRejected({HEADER: [KEY_REUSED]}, status=422)
    headers = {"Idempotent-Replayed": "true"}
    if found.location:
        headers["Location"] = found.location
    return _respond(found.body, found.status, headers)


def _respond(text: str, status: int, headers: dict[str, str]) -> Response:
    response = current_app.response_class(f"{text}\n", status=status, mimetype="application/json")
    response.headers.update(headers)
    return response


def forget_old(account_id: int) -> int:
    """Remove the account's answers older than the window."""
    return execute(*_forget_old(account_id))


def _forget_old(account_id: int) -> tuple[str, tuple]:
    return ('DELETE FROM "idempotent_answer" WHERE "account_id" = ? AND "created_at" < ?',
            (account_id, IdempotentAnswer.created_at.db_value(utcnow() - WINDOW)))
