"""Live events across instances: PostgreSQL LISTEN/NOTIFY.

Every instance publishing an event NOTIFYs it on the platform's channel inside the transaction that publishes it
(PostgreSQL delivers it on commit only), and once committed delivers it to its own sockets; every other instance
LISTENs on that channel and delivers it to its own sockets.
The recipients travel with the event, so each instance still sends it only to the accounts that may
see it.

- One channel per platform: its name comes from the database's current schema, so two platforms
  sharing a PostgreSQL database in different schemas (the test suite does) never see each other's events.
- NOTIFY payloads must stay under 8000 bytes: a larger event (a long message) is stored in
  ``live_event`` and NOTIFY carries its id; such rows are purged after minutes (kernel.purge_live_events).
- The listening connection is opened by the first websocket of the process (a job-only worker
  never listens). If it drops, events may have been missed: every socket of the instance is told to
  resynchronise (it reloads from the API, as after its own reconnection), and the listener reconnects.
"""
from __future__ import annotations

import hashlib
import logging
import select
import threading
import uuid
from typing import Any, Callable

import psycopg2
import psycopg2.extensions

from ..db_prepared import register
from .events import Event

log = logging.getLogger(__name__)

NOTIFY_LIMIT = 7000  # bytes of payload; PostgreSQL refuses 8000 and more
_NOTIFY = "SELECT pg_notify(%s, %s)"
register(_NOTIFY)  # run prepared, like the hand-written statements of the send (kernel/db_prepared.py)
RETRY_SECONDS = (0.5, 1, 2, 5, 10)


class PostgresBackend:
    def __init__(self, database: Any) -> None:
        self.database = database  # the app's pooled PostgresqlDatabase (publishing side)
        self.origin = uuid.uuid4().hex  # this instance: its own notifications come back and are skipped
        self._deliver: Callable[[Event], None] | None = None
        self._resync: Callable[[], None] | None = None
        self._channel: str | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.listening = threading.Event()  # set while the LISTEN connection is up (tests wait on it)
        self.listener_pid: int | None = None

    # --- the EventBus side ----------------------------------------------------------------------
    def start(self, deliver: Callable[[Event], None], resync: Callable[[], None] | None = None) -> None:
        self._deliver, self._resync = deliver, resync

    def subscribed(self) -> None:
        """A socket subscribed in this process: make sure this instance hears the others."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(target=self._listen, name="relais-events-listen", daemon=True)
                self._thread.start()
                # The socket says "hello" once it is live: what other instances publish from then on
                # must reach it, so wait for LISTEN (briefly: if the database is away, the listener
                # keeps trying and tells every socket to resync once it is back).
                self.listening.wait(5)

    def send(self, event: Event) -> None:
        if self._deliver is not None:
            self._deliver(event)  # this instance's sockets need no round trip through the database
        try:
            self._notify(event)
        except Exception:  # committed already: the other instances' sockets catch up when they resync
            log.exception("could not NOTIFY event %s of exchange %s", event.type, event.exchange_id)

    def before_commit(self, events: list[Event]) -> None:
        """Inside the publishing transaction, just before its COMMIT (kernel.services.events.HeldEvents): NOTIFY
        each event there. PostgreSQL delivers a transaction's notifications once it commits, and never if it
        rolls back, so the other instances hear of the events exactly as before, after the commit; but the NOTIFY
        travels with the COMMIT (one round trip, kernel/db_prepared.py ``defer``) and commits with the write's
        own WAL flush, where a NOTIFY after the commit was a second transaction, flushed on its own, per send.
        (If the server's notification queue were full, the COMMIT itself would fail: the send is refused rather
        than stored without its event for the other instances.)"""
        for event in events:
            sql, params = self._notification(event)
            defer = getattr(self.database, "defer", None)
            if defer is None:  # pragma: no cover - the app's PostgreSQL database always has it
                self.database.execute_sql(sql, params)
            else:
                defer(sql, params)

    def stop(self) -> None:
        self._stopping.set()
        self._deliver = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- publishing -----------------------------------------------------------------------------
    def channel(self) -> str:
        """The platform's channel, from a request or job (the pooled connection goes back at teardown)."""
        if self._channel is None:
            self._channel = _channel_for(self.database.execute_sql("SELECT current_schema()").fetchone()[0])
        return self._channel

    def _notify(self, event: Event) -> None:
        """NOTIFY an event published outside a transaction (in one, ``before_commit`` sent it)."""
        self.database.execute_sql(*self._notification(event))

    def _notification(self, event: Event) -> tuple[str, tuple]:
        # "<origin> <event>": the event serialised once, whether it travels in the payload or the table.
        body = event.to_json()
        payload = f"{self.origin} {body}"
        if len(payload.encode()) > NOTIFY_LIMIT:
            # The table of kernel.models.LiveEvent, written in plain SQL like the NOTIFY beside it.
            row_id = self.database.execute_sql(
                'INSERT INTO "live_event" ("payload", "created_at") VALUES (%s, now() AT TIME ZONE \'UTC\') '
                'RETURNING "id"', (body,)).fetchone()[0]
            payload = f"{self.origin} {row_id}"
        return _NOTIFY, (self.channel(), payload)

    # --- listening ------------------------------------------------------------------------------
    def _connect(self) -> Any:
        conn = psycopg2.connect(dbname=self.database.database, **self.database.connect_params)
        conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        self.listener_pid = conn.get_backend_pid()  # seen in pg_stat_activity; tests cut it
        with conn.cursor() as cursor:
            if self._channel is None:  # asked on this connection: the listening thread has no app context
                cursor.execute("SELECT current_schema()")
                self._channel = _channel_for(cursor.fetchone()[0])
            cursor.execute(f'LISTEN "{self._channel}"')
        return conn

    def _listen(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            conn = None
            try:
                conn = self._connect()
                if failures:
                    log.warning("live events: listening again after %s failed attempt(s)", failures)
                    self._tell_resync()  # what was published meanwhile never reached this instance
                failures = 0
                self.listening.set()
                while not self._stopping.is_set():
                    if select.select([conn], [], [], 1.0) == ([], [], []):
                        continue
                    conn.poll()
                    while conn.notifies:
                        self._receive(conn, conn.notifies.pop(0).payload)
            except Exception as exc:  # the server restarted, the connection was cut...
                self.listening.clear()
                if self._stopping.is_set():
                    break
                failures += 1
                log.warning("live events: lost the LISTEN connection (%s); retrying", exc)
                self._tell_resync()
                self._stopping.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
            finally:
                self.listening.clear()
                if conn is not None:
                    conn.close()

    def _receive(self, conn: Any, payload: str) -> None:
        try:
            origin, _, body = payload.partition(" ")
            if origin == self.origin:
                return
            if body.isascii() and body.isdigit():  # a large event, stored in live_event
                with conn.cursor() as cursor:
                    cursor.execute('SELECT "payload" FROM "live_event" WHERE "id" = %s', (int(body),))
                    row = cursor.fetchone()
                if row is None:  # purged already: only a very late listener gets here
                    return self._tell_resync()
                body = row[0]
            event = Event.from_json(body)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("live events: unreadable notification skipped (%s)", exc)
            return
        if self._deliver is not None:
            self._deliver(event)

    def _tell_resync(self) -> None:
        if self._resync is not None:
            self._resync()


def _channel_for(schema: str) -> str:
    return "relais_events_" + hashlib.sha256(schema.encode()).hexdigest()[:12]
