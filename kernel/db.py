"""The database handle every model uses: it resolves to the database of the Flask app in context.

Models are classes shared by every app in the process, but each app (each regional "operator" in a
test) has its own database. Binding models to one global database would leak data between apps, so
the models are bound to this proxy, which looks the real database up in the current app context.
Every database it opens also holds actions until its transaction commits (``on_commit``).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from typing import Any, Callable
from urllib.parse import urlparse

import peewee
from flask import current_app, has_app_context
from playhouse import db_url
from playhouse.pool import PooledPostgresqlDatabase  # noqa: F401  (registers the pool schemes)

from .db_prepared import PreparedStatements
from .green import is_green

log = logging.getLogger(__name__)

try:  # the context variable behind has_app_context() and current_app (Flask 2.2 to 3.1)
    from flask.globals import _cv_app as _app_context
except ImportError:  # pragma: no cover - another Flask: the public way
    _app_context = None


class AppDatabase(peewee.DatabaseProxy):
    """A peewee database proxy whose target is the current app's database."""

    __slots__ = ()

    def __init__(self) -> None:  # noqa: D401 - no state of its own
        pass

    @property
    def obj(self) -> peewee.Database:  # type: ignore[override]
        # Asked about 30 times per request: the app context's variable read directly rather than through
        # has_app_context() and the current_app proxy (each a context lookup), where Flask has it.
        ctx = _app_context.get(None) if _app_context is not None else None
        app = getattr(ctx, "app", None)
        if app is not None:
            return app.extensions["relais"].database
        if not has_app_context():
            raise RuntimeError("Relais models need an app context (with app.app_context(): ...)")
        return current_app.extensions["relais"].database

    @obj.setter
    def obj(self, value: Any) -> None:  # peewee's Proxy.initialize; never used here
        raise AttributeError("AppDatabase resolves its database from the app context")

    @property
    def _callbacks(self) -> list:  # type: ignore[override]
        return []

    # peewee's proxy builds transactions around itself; the app's database must build them, so that
    # what waits for the commit (on_commit) is tracked by the database that commits.
    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        return self.obj.transaction(*args, **kwargs)

    def savepoint(self) -> Any:
        return self.obj.savepoint()


database = AppDatabase()


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: what every DateTimeField stores (both SQLite and PostgreSQL agree on it)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class JSONField(peewee.TextField):
    """JSON stored as text, the same on SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


# --- on commit: actions held until the transaction that asked for them commits ----------------
# Zulip's send_event_on_commit, on peewee: a live event or a wake-up of the job runner must never leave
# for a write that is rolled back, nor leave before the write is visible to others. peewee's own
# after_commit ignores savepoints (a rolled-back savepoint would keep its actions), so every database
# Relais opens tracks its transactions itself: one frame of held actions per open transaction or
# savepoint, per thread (peewee's connection state is per thread too).
Action = Callable[[], None]


class _HeldActions(threading.local):
    def __init__(self) -> None:
        self.frames: list[list[Action]] = []


class _Tracked(peewee._callable_context_manager):
    """A peewee transaction or savepoint, and the frame of actions held until it is over."""

    def __init__(self, db: "CommitHooks", inner: Any, savepoint: bool) -> None:
        self.db, self.inner, self.savepoint = db, inner, savepoint
        self.frame: list[Action] | None = None

    def _build_ctx(self) -> "_Tracked":  # used when decorating a function: a fresh one per call
        return _Tracked(self.db, self.inner._build_ctx(), self.savepoint)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> "_Tracked":
        # A transaction() opened inside another is no transaction of its own in peewee (it neither
        # commits nor rolls back on exit): what it holds belongs to the enclosing one, so it gets no frame.
        outermost = self.db.transaction_depth() == 0
        if outermost:
            self.db._drop_stale_frames()
            self.gated = self.db._enter_gate()
        try:
            self.inner.__enter__()
        except BaseException:
            self._leave_gate()
            raise
        if self.savepoint or outermost:
            self.frame = []
            self.db._held.frames.append(self.frame)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.frame is None:
            try:
                return self.inner.__exit__(exc_type, exc, tb)
            finally:
                self._leave_gate()
        held = self.db._pop_frames(self.frame)
        if exc_type is None and not self.savepoint:
            try:
                _before_commit(held)
            except BaseException as failed:  # the transaction must not commit without what was to go with it
                exc_type, exc, tb = type(failed), failed, failed.__traceback__
                try:
                    self.inner.__exit__(exc_type, exc, tb)  # rolls back
                finally:
                    self._leave_gate()
                raise
        try:
            self.inner.__exit__(exc_type, exc, tb)  # commits (or releases), or rolls back; raises if that fails
        finally:
            self._leave_gate()
        if exc_type is None:
            self.db._settle(held)

    gated = False

    def _leave_gate(self) -> None:
        if self.gated:
            self.gated = False
            self.db._gate.release()

    def commit(self, begin: bool = True) -> None:
        # Committed in the middle of the block: what was held goes now, before the next transaction
        # begins, so that what the actions write after the commit is not part of the next transaction.
        if not self.savepoint:
            _before_commit([action for frame in self.db._held.frames for action in frame])
        self.inner.commit(False)
        try:
            if self.savepoint:
                self.db._savepoint_released(self.frame)
            else:  # any transaction() commits the whole database transaction, nested or not
                self.db._release_all_held()
        finally:
            if begin:
                self.inner._begin()

    def rollback(self, begin: bool = True) -> None:
        self.inner.rollback(begin)
        if self.savepoint:
            self.db._drop_held(above=self.frame)
        else:  # any transaction() rolls back the whole database transaction, nested or not
            self.db._drop_held()


class CommitHooks:
    """Mixed into every database Relais opens: ``on_commit`` holds actions until the commit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = _HeldActions()
        self._gate = _sqlite_gate() if isinstance(self, peewee.SqliteDatabase) else None

    def _enter_gate(self) -> bool:
        """Under gevent, SQLite: one greenlet at a time in a transaction (see ``_sqlite_gate``)."""
        if self._gate is None:
            return False
        self._gate.acquire()
        return True

    def transaction(self, *args: Any, **kwargs: Any) -> _Tracked:
        return _Tracked(self, super().transaction(*args, **kwargs), savepoint=False)  # type: ignore[misc]

    def savepoint(self) -> _Tracked:
        return _Tracked(self, super().savepoint(), savepoint=True)  # type: ignore[misc]

    # peewee's session_commit/session_rollback commit the transaction it pushed, not our wrapper of it:
    # done here, they settle what session_start's transaction held like the end of a block would.
    def session_commit(self) -> bool:
        try:
            transaction = self.pop_transaction()  # type: ignore[attr-defined]
        except IndexError:
            return False
        _before_commit([action for frame in self._held.frames for action in frame])
        transaction.commit(begin=False)
        try:
            self._release_all_held()
        finally:
            if self.in_transaction():  # type: ignore[attr-defined]
                transaction._begin()
            else:
                self._held.frames.clear()
        return True

    def session_rollback(self) -> bool:
        try:
            transaction = self.pop_transaction()  # type: ignore[attr-defined]
        except IndexError:
            return False
        transaction.rollback(begin=self.in_transaction())  # type: ignore[attr-defined]
        self._drop_held()
        if not self.in_transaction():  # type: ignore[attr-defined]
            self._held.frames.clear()
        return True

    def on_commit(self, action: Action) -> None:
        """Run ``action`` once this thread's transaction commits; at once outside a transaction; never if
        it rolls back. A rolled-back savepoint drops what was held inside it, and only that."""
        frames = self._held.frames
        if frames and not self.in_transaction():  # type: ignore[attr-defined]
            self._drop_stale_frames()
        if frames:
            frames[-1].append(action)
            return
        if self.in_transaction() or self._driver_in_transaction():  # type: ignore[attr-defined]
            # manual_commit() or a bare begin(): nothing tells when, or whether, that transaction commits.
            log.warning("on_commit asked in a transaction Relais does not track (manual_commit or begin()): "
                        "the action runs now, before that transaction commits")
        action()

    def _driver_in_transaction(self) -> bool:
        conn = self._state.conn  # type: ignore[attr-defined]
        if conn is None:
            return False
        if getattr(self._state, "deferred_begin", None) is conn:  # type: ignore[attr-defined]
            return True  # a BEGIN that leaves with the next statement (DeferredBegin)
        flag = getattr(conn, "in_transaction", None)  # sqlite3
        if isinstance(flag, bool):
            return flag
        adapter = getattr(self, "_adapter", None)  # PostgreSQL, psycopg 2 or 3: 2 in a transaction, 3 failed in one
        return adapter is not None and adapter.txn_status(conn) in (2, 3)

    def _drop_stale_frames(self) -> None:
        """Frames left by a transaction that ended without passing through them: whatever they hold is
        of unknown fate, and must not hold (or swallow) the actions of the transactions that follow."""
        frames = self._held.frames
        if frames:
            log.warning("dropping %s action(s) held by a transaction that ended untracked",
                        sum(len(f) for f in frames))
            frames.clear()

    def _pop_frames(self, frame: list[Action]) -> list[Action]:
        """Remove ``frame`` and any left above it (savepoints never exited); return what they held."""
        frames = self._held.frames
        for i in range(len(frames) - 1, -1, -1):
            if frames[i] is frame:
                held = [action for f in frames[i:] for action in f]
                del frames[i:]
                return held
        return []  # dropped as stale meanwhile: nothing of it is held any more

    def _drop_held(self, above: list[Action] | None = None) -> None:
        """Rolled back: forget what every frame holds, or only ``above`` and the frames over it."""
        frames = self._held.frames
        start = 0 if above is None else next((i for i, f in enumerate(frames) if f is above), len(frames))
        for frame in frames[start:]:
            frame.clear()

    def _savepoint_released(self, frame: list[Action] | None) -> None:
        """A savepoint released in the middle of its block: what it held joins the enclosing frame."""
        frames = self._held.frames
        index = next((i for i, f in enumerate(frames) if f is frame), None)
        if index is None:
            return
        moved = [action for f in frames[index:] for action in f]
        for f in frames[index:]:
            f.clear()
        if index > 0:
            frames[index - 1].extend(moved)
        else:
            self._release(moved)

    def _release_all_held(self) -> None:
        """The database transaction committed while its blocks go on: run everything held now, as after
        any commit (outside a transaction for peewee too, so an action's own writes commit on their own)."""
        frames = self._held.frames
        held = [action for frame in frames for action in frame]
        for frame in frames:
            frame.clear()
        if not held:
            return
        state = self._state  # type: ignore[attr-defined]
        transactions, state.transactions = state.transactions, []
        self._held.frames = []
        try:
            self._release(held)
        finally:
            state.transactions = transactions
            self._held.frames = frames

    def _settle(self, held: list[Action]) -> None:
        """A frame ended well: a savepoint's actions join the enclosing frame, a commit's run."""
        frames = self._held.frames
        if frames:
            frames[-1].extend(held)
        else:
            self._release(held)

    def _release(self, held: list[Action]) -> None:
        failed: Exception | None = None
        for action in held:
            try:
                action()
            except Exception as exc:  # the write is committed: one failed action must not cancel the others
                log.exception("an action held until commit failed")
                failed = failed or exc
        if failed is not None and has_app_context() and current_app.testing:
            raise failed  # a test must see it; a user's request, whose write is done, must not


def _before_commit(held: list[Action]) -> None:
    """Let the actions held until this commit that have a part to play inside the transaction play it now, in
    their order, before the COMMIT: a live event's NOTIFY (kernel/services/events_postgres.py), which PostgreSQL
    then delivers on commit only, with the transaction's one WAL flush. Such an action has a ``before_commit``."""
    for action in held:
        prepare = getattr(action, "before_commit", None)
        if prepare is not None:
            prepare()


# How long a request waits for a pooled connection. Under gevent thousands of greenlets share one pool; a burst
# (every page of a restarted node reconnecting) queues longer than a thread pool ever does.
_POOL_WAIT_SECONDS = 10
_GREEN_POOL_WAIT_SECONDS = 60


def _sqlite_gate() -> Any:
    """A cooperative lock for the transactions of one SQLite database, in a gevent-patched process only.

    Each greenlet has its own connection (peewee's state is per thread, per greenlet once patched), but SQLite
    has one writer at a time and waits for the lock inside C (busy_timeout), without yielding: a greenlet
    waiting there would stall the whole event loop, and with it the greenlet holding the lock, if that one
    yielded in the middle of its transaction (network I/O, a contended lock). Waiting here instead yields.
    With threads (the threaded server, the side process), SQLite's own wait is fine: no gate.
    """
    return threading.RLock() if is_green() else None  # gevent's, the module being patched


class DeferredBegin:
    """PostgreSQL with psycopg2: a transaction's BEGIN travels with its first statement (``BEGIN; INSERT ...``,
    one round trip) instead of on its own. peewee runs psycopg2 in autocommit mode and sends ``BEGIN`` when a
    transaction opens: a round trip that, on every send, waits for the server like any statement. Nothing
    changes but the trip: the server runs BEGIN, then the statement, in the same transaction; a transaction
    that ran nothing sends neither BEGIN nor COMMIT (there is nothing to commit); whoever takes the driver's
    cursor itself (``db.cursor()``, kernel/directory/bulk.py's COPY) gets the BEGIN sent first. psycopg2
    returns the result of the last statement of a text, so the statement's rows, row count and description
    are its own. The pending BEGIN belongs to the connection it was asked on: never to another, nor after a
    close."""

    def begin(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs or getattr(self, "_isolation_level", None) or \
                type(getattr(self, "_adapter", None)).__name__ != "Psycopg2Adapter":
            return super().begin(*args, **kwargs)  # type: ignore[misc]
        super().cursor()  # type: ignore[misc]  # connects (checks a pooled connection out) if needed
        self._state.deferred_begin = self._state.conn  # type: ignore[attr-defined]

    def _take_deferred_begin(self) -> bool:
        state = self._state  # type: ignore[attr-defined]
        pending = getattr(state, "deferred_begin", None)
        if pending is None:
            return False
        state.deferred_begin = None
        return pending is state.conn and state.conn is not None

    def execute_sql(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if self._take_deferred_begin():
            sql = "BEGIN; " + sql
        return super().execute_sql(sql, params, *args, **kwargs)  # type: ignore[misc]

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        if self._take_deferred_begin():
            self._state.conn.cursor().execute("BEGIN")  # type: ignore[attr-defined]
        return super().cursor(*args, **kwargs)  # type: ignore[misc]

    def commit(self) -> None:
        if not self._take_deferred_begin():
            super().commit()  # type: ignore[misc]

    def rollback(self) -> None:
        if not self._take_deferred_begin():
            super().rollback()  # type: ignore[misc]

    def close(self) -> Any:
        self._state.deferred_begin = None  # type: ignore[attr-defined]
        return super().close()  # type: ignore[misc]


# A pooled PostgreSQL connection handed out again within this many seconds of its return is not pinged.
PING_AFTER_IDLE_SECONDS = 2.0


class PingWhenIdle:
    """Pooled PostgreSQL: peewee's pool pings (``SELECT 1``, a round trip) every connection it hands out, so
    every request paid one more trip to the server before its first statement. A connection returned to
    the pool less than ``PING_AFTER_IDLE_SECONDS`` ago, idle and not closed by the driver, is handed out as it
    is (a busy node reuses its connections within milliseconds); one idle longer is pinged as before (the
    server may have restarted, or a firewall dropped it meanwhile)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._returned_at: dict[int, float] = {}

    def _is_closed(self, conn: Any) -> bool:
        returned = self._returned_at.get(id(conn))
        if (returned is not None and not conn.closed and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS
                and self._adapter.txn_status(conn) == self._adapter.txn_idle):  # type: ignore[attr-defined]
            return False
        return super()._is_closed(conn)  # type: ignore[misc]

    def _close(self, conn: Any, close_conn: bool = False) -> Any:
        with self._pool_lock:  # type: ignore[attr-defined]  # the pool's own (reentrant): as it checks it in
            self._returned_at[id(conn)] = time.monotonic()  # forgotten again if it is closed (_close_raw)
            return super()._close(conn, close_conn)  # type: ignore[misc]

    def _close_raw(self, conn: Any) -> Any:
        self._returned_at.pop(id(conn), None)
        return super()._close_raw(conn)  # type: ignore[misc]


_WITH_HOOKS: dict[type, type] = {}


def _with_commit_hooks(cls: type) -> type:
    if cls not in _WITH_HOOKS:
        bases: tuple[type, ...] = (CommitHooks, cls)
        if issubclass(cls, peewee.PostgresqlDatabase):
            bases = (CommitHooks, PreparedStatements, DeferredBegin, cls)
            if issubclass(cls, PooledPostgresqlDatabase):
                bases = (CommitHooks, PreparedStatements, DeferredBegin, PingWhenIdle, cls)
        _WITH_HOOKS[cls] = type(cls.__name__, bases, {})
    return _WITH_HOOKS[cls]


def _connect(url: str, **params: Any) -> peewee.Database:
    """playhouse.db_url.connect, with the database class extended by CommitHooks."""
    scheme = urlparse(url).scheme
    cls = db_url.schemes.get(scheme)
    if cls is None:
        raise RuntimeError(f'Unrecognized or unsupported scheme: "{scheme}".')
    kwargs = {**db_url.parse(url), **params}
    if not kwargs.get("database"):
        raise ValueError(f'"{url}" has no database name: local databases take three slashes ("{scheme}:///name").')
    return _with_commit_hooks(cls)(**kwargs)


def on_commit(action: Callable[[], None]) -> None:
    """Run ``action`` after the current transaction of the app's database commits (at once outside one).

    An ``action`` with a ``before_commit`` method has it called inside the transaction, just before the COMMIT
    (never if it rolls back; not at all outside a transaction): its writes then commit with the transaction's.

    Dropped if the transaction, or the savepoint it was asked in, rolls back. Actions run in the order
    they were asked, in the thread that committed, still in its app context, outside any transaction (a
    commit in the middle of a block runs them before the next transaction begins). In a transaction
    opened by ``manual_commit()`` or a bare ``begin()``, which nothing tracks, it runs at once, with a warning."""
    database.obj.on_commit(action)


def open_database(url: str, pool_size: int = 32) -> peewee.Database:
    """Open the database named by ``url`` with the settings Relais relies on; ``pool_size``: PostgreSQL's most
    connections kept by this process (setting ``database_pool_size``)."""
    if url.startswith("sqlite"):
        # Pooled: a request returns its connection instead of closing it. Closing the last
        # connection of a WAL database checkpoints and removes the WAL file, about a millisecond
        # on every request; opening one again re-reads the schema.
        if url.startswith("sqlite://"):
            url = "sqlite+pool://" + url.split("://", 1)[1]
        # Every app context returns its connection at teardown (kernel/app.py), so 64 is plenty; a burst
        # beyond it waits for a free connection (timeout) instead of failing the request.
        db = _connect(url, max_connections=64, stale_timeout=300, timeout=_pool_wait(), pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 10000,
            "synchronous": "normal",
        }, check_same_thread=False)
        return db
    if url.startswith(("postgres://", "postgresql://")):
        # A pooled connection per thread: the web server and the job runner are threaded.
        url = "postgresql+pool://" + url.split("://", 1)[1]
        return _connect(url, max_connections=pool_size, stale_timeout=300, timeout=_pool_wait())
    return _connect(url)


def _pool_wait() -> int:
    return _GREEN_POOL_WAIT_SECONDS if is_green() else _POOL_WAIT_SECONDS


def write_transaction():
    """A transaction that will write. On SQLite it takes the write lock up front (BEGIN IMMEDIATE),
    so two concurrent senders wait for each other instead of failing with "database is locked"."""
    real = database.obj
    if isinstance(real, peewee.SqliteDatabase):
        return real.atomic("IMMEDIATE")
    return real.atomic()
