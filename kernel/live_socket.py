"""One open live socket's life: it delivers its account's events only while the credential that opened it
and the account's rights still hold, and it never lets its client eat the server's memory.

Rights: a ``rights.changed`` event naming the account (kernel/services/rights.py, carried to every
instance by the event bus) wakes the socket, which re-checks its session or token before sending anything
else (one query): ended, it closes with 1008 (the page then finds its way to the login page). Still valid,
it re-checks which exchanges the events queued meanwhile belong to, and every event of the next
``RECHECK_GRACE_SECONDS`` (a transaction that read the audience before the change may still publish), then
tells the page to reload its lists (``resync``). Every ``ws_recheck_seconds`` its credential is re-checked on
its own: a session past its lifetime, a change written by another process without the bus.

Idle sockets cost nothing but memory: one keeper per process (a greenlet under gevent, a thread otherwise)
pings every socket (a WebSocket ping frame every ``PING_EVERY`` seconds: proxies see traffic, and a client that
has not answered the previous one is let go) and re-checks the credentials that are due in one query per
few hundred sockets; a socket's own loop sleeps without a timer until an event, a message of its client, a
rights change, a restart or the keeper wakes it. A timer and a query per socket cost most of a core at
20,000 sockets.

Writing: the fan-out writes an event's frame (built once per event, kernel/ws_frames.py) straight into each idle
socket whose buffer has room (``Subscription.direct``), without waking its loop: a greenlet switch and a queue per
recipient cost more than the write. What cannot go at once (an event queued before it, a rights change or grace
period to check first, a full buffer: a slow reader) is queued, and the loop writes all that waits in one write.
Every write is whole and one writer at a time (``SocketWriter``), in the order the events were heard.

Memory: simple-websocket's reading thread keeps every message a client sends until someone reads it;
``Inbox`` keeps at most ``INBOX_LIMIT`` messages a minute: beyond, the socket is closed (1008).

Messages up: a page may send JSON objects with a ``type`` (a visio's offer to a peer...). Each is handed to
the plugins' ``socket_message`` hook (firstresult) with the socket's account, re-checked like any event
first; the plugin that owns the type answers (a reply for this socket only, or True), and publishes what
others must receive through the event bus, so it reaches their sockets on every instance. A message
nobody owns, or that is no JSON object, is answered ``{"type": "socket.refused"}``.

Restart: a node asked to stop (SIGTERM) calls ``restart_sockets``: every socket of that app closes with 1012
(« service restart »); the page reconnects at once, with jitter, to whichever node answers, and catches up
through its ``onConnected`` handlers (web/static/js/live.js). Events queued for a socket when it closes are
not lost to the page: the catch-up reads them from the database.

Delivery contract (the page's side is written in web/static/js/live.js): a socket sends each event it is given
once, in the order its process heard them, and never replays: what happened before its hello, or while the page
had no socket, the page reads from the API. Exactly once is the page's doing: an event may reach a page on two
sockets. Each node delivers an event to its own sockets when it hears it: at once on the node that published
it, a moment later elsewhere (the NOTIFY). A page that got a message on its old socket, closed with 1012, and
subscribed on another node before that node heard the message, gets it again on its new socket; a catch-up answer
may hold what a socket brings too. So live.js hands a ``message.created`` to the page once per message id,
whatever socket brought it, and pages key what they show by id (tests/serving/test_restart_under_load.py).
"""
from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from typing import Any, Iterable, Iterator

from flask import current_app, has_app_context
from simple_websocket import ConnectionClosed
from wsproto.events import Ping, TextMessage
from wsproto.utilities import LocalProtocolError

from .auth import still_authorised
from .auth.sessions import live_session_ids
from .auth.tokens import live_token_ids
from .green import is_green
from .health import stopping
from .services.acting_as import forget_request_cache, visible_among
from .services.events import Event, Subscription
from .ws_frames import SocketWriter, event_frame, plain, text_frame

log = logging.getLogger(__name__)

POLICY = 1008  # WebSocket close codes (RFC 6455): a rule of the server was broken
SERVICE_RESTART = 1012  # the page reconnects at once (with jitter) rather than backing off
TRY_AGAIN_LATER = 1013
RESTART_MESSAGE = "Redémarrage du serveur : reconnexion."
INBOX_LIMIT = 32
RECHECK_GRACE_SECONDS = 30.0
PING_EVERY = 25.0  # a ping frame: for proxies that close silent connections, and to find clients gone silently
KEEPER_TICK = 1.0  # how often the keeper looks for pings and re-checks due
RECHECK_BATCH = 500  # credentials re-checked in one query
WAIT_SECONDS = 5.0  # the longest the loop sleeps with threads (a client's close or message, an event wake it)
GREEN_WAIT_SECONDS = None  # under gevent no wake-up can slip past (see the loop): no timer at all
# Sent to those who saw the exchange before it went: revealing its id to them reveals nothing.
_ALWAYS_DELIVERED = {"exchange.deleted"}
_RESYNC = json.dumps({"type": "resync"})


class Inbox(list):
    """simple-websocket's input buffer, bounded: beyond ``INBOX_LIMIT`` messages in a minute, the next ones
    are dropped and ``flooded`` is set (the socket loop then closes the socket)."""

    flooded = False
    received = 0  # messages in the minute ending at ``minute_ends``
    minute_ends = 0.0

    def append(self, item: Any) -> None:
        now = time.monotonic()
        if now >= self.minute_ends:
            self.received, self.minute_ends = 0, now + 60
        self.received += 1
        if self.received > INBOX_LIMIT:
            self.flooded = True
            return
        super().append(item)

    def drain(self) -> Iterator[Any]:
        """The messages received so far, oldest first, each taken out as it is handed over. One at a time
        (``list.pop`` is atomic): the reading thread may append while we read, and copying then clearing
        would lose what arrived in between."""
        while self:
            yield self.pop(0)

    @classmethod
    def install(cls, ws: Any) -> "Inbox":
        """Put a bounded inbox in place of the socket's list (its reading thread looks it up each time)."""
        inbox = cls(ws.input_buffer)
        ws.input_buffer = inbox
        return inbox


class WakingEvent(threading.Event):
    """simple-websocket's event, which its reading thread sets when a message or a close arrives: it also
    wakes the socket loop waiting for live events, so a socket closed by its client is let go at once."""

    def __init__(self, subscription: Subscription) -> None:
        super().__init__()
        self.subscription = subscription

    def set(self) -> None:
        super().set()
        self.subscription.wake()

    @classmethod
    def install(cls, ws: Any, subscription: Subscription) -> None:
        event = cls(subscription)
        if ws.event.is_set():
            event.set()
        ws.event = event


def _wait_cap() -> float | None:
    return GREEN_WAIT_SECONDS if is_green() else WAIT_SECONDS


def refused(reason: str, message_type: Any = None) -> str:
    """The answer to a message up that no plugin took (French ``reason``, for the page's console)."""
    return json.dumps({"type": "socket.refused", "message_type": message_type if isinstance(message_type, str)
                       else None, "reason": reason}, ensure_ascii=False)


# The sockets open in this process: for the keeper, and for a stop to close them all (each one's loop takes
# itself out when it ends).
_open: "set[LiveSocket]" = set()


def _ping_frame(ws: Any) -> bytes | None:
    """A WebSocket ping frame for simple-websocket's ``ws``; None if it has no protocol state (or is closing)."""
    connection = getattr(ws, "ws", None)
    if connection is None:
        return None
    try:
        return connection.send(Ping())
    except LocalProtocolError:
        return None


class _Keeper:
    """The process's one keeper of idle sockets: every ``KEEPER_TICK`` it pings the sockets whose ping is due
    and re-checks, one query per ``RECHECK_BATCH``, the credentials whose periodic check is due. A socket found
    gone or unauthorised is only flagged and woken: its own loop closes it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0

    def ensure_running(self) -> None:
        if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
            return
        with self.lock:
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self.run, name="relais-live-keeper", daemon=True)
                self.thread.start()

    def run(self) -> None:
        while True:
            time.sleep(KEEPER_TICK)
            try:
                self.tick(time.monotonic())
            except Exception:  # the keeper must outlive any one socket's or query's failure
                log.exception("live sockets' keeper: tick failed")

    def tick(self, now: float) -> None:
        due = []
        for live in list(_open):
            if now >= live.next_ping:
                live.ping(now)
            if now >= live.next_check:
                due.append(live)
        by_app: dict[Any, list[LiveSocket]] = {}
        for live in due:
            by_app.setdefault(live.app, []).append(live)
        for app, lives in by_app.items():
            for start in range(0, len(lives), RECHECK_BATCH):
                self.recheck(app, lives[start:start + RECHECK_BATCH], now)

    def recheck(self, app: Any, lives: "list[LiveSocket]", now: float) -> None:
        wanted: dict[str, set[int]] = {"session": set(), "token": set()}
        for live in lives:
            kind, credential_id = live.subscription.credential
            if kind in wanted and credential_id is not None:
                wanted[kind].add(credential_id)
        try:
            with app.app_context():
                database = app.extensions["relais"].database
                try:
                    alive = {("session", i) for i in live_session_ids(wanted["session"])} if wanted["session"] \
                        else set()
                    alive |= {("token", i) for i in live_token_ids(wanted["token"])} if wanted["token"] else set()
                finally:
                    if not database.is_closed():
                        database.close()
        except Exception:  # the database is away: tried again soon, the sockets keep going meanwhile
            log.exception("live sockets' keeper: credentials not re-checked")
            for live in lives:
                live.next_check = now + min(live.recheck_seconds, 5.0)
            return
        for live in lives:
            live.next_check = now + live.recheck_seconds
            if tuple(live.subscription.credential) not in alive:
                live.revoked = True
                live.subscription.wake()


_keeper = _Keeper()


def restart_sockets(relais: Any = None) -> int:
    """Ask every socket of ``relais`` (every app's when None) to close with 1012; returns how many were asked.
    Each closes from its own loop (woken here), so thousands close at once rather than one after another."""
    asked = [s for s in list(_open) if relais is None or s.relais is relais]
    for live in asked:
        live.restarting = True
        live.subscription.wake()
    return len(asked)


def open_sockets(relais: Any = None) -> int:
    """How many sockets of ``relais`` (of every app when None) this process has open now."""
    return sum(1 for s in list(_open) if relais is None or s.relais is relais)


class LiveSocket:
    __slots__ = ("ws", "inbox", "subscription", "relais", "app", "metrics", "account", "recheck_seconds",
                 "next_check", "next_ping", "grace_until", "visible", "restarting", "revoked", "silent", "writer",
                 "plain")

    def __init__(self, ws: Any, inbox: Inbox, subscription: Subscription, relais: Any,
                 account: Any = None) -> None:
        self.ws, self.inbox, self.subscription, self.relais = ws, inbox, subscription, relais
        self.app = current_app._get_current_object() if has_app_context() else None  # the keeper's queries
        self.metrics = getattr(relais, "metrics", None)
        self.account = account  # who the socket's messages up come from (None: they are all refused)
        self.recheck_seconds = float(relais.config["ws_recheck_seconds"])
        # The first re-check and ping somewhere in their period: sockets opened together (a node's start, the
        # reconnections after a restart) would otherwise all query and ping in the same second, every period.
        now = time.monotonic()
        self.next_check = now + self.recheck_seconds * random.uniform(0.5, 1.0)
        self.next_ping = now + PING_EVERY * random.uniform(0.5, 1.0)
        self.grace_until = 0.0
        self.visible: dict[int, bool] | None = None  # during a grace period: exchange id -> may it be sent
        self.restarting = False
        self.revoked = False  # the keeper found its credential no longer valid
        self.silent = False  # the client did not answer the keeper's last ping
        self.writer = SocketWriter.install(ws)  # every write whole, one writer at a time (kernel/ws_frames.py)
        self.plain = plain(ws)  # no extension: an event's frame is built once for all its sockets

    def run(self) -> None:
        _open.add(self)
        if self.app is not None:
            _keeper.ensure_running()
        try:
            self._run()
        finally:
            self.subscription.direct = None
            _open.discard(self)

    def ping(self, now: float) -> None:
        """The keeper's: a ping frame, unless the previous one is still unanswered (the client is let go)."""
        self.next_ping = now + PING_EVERY
        ws = self.ws
        if not ws.connected:
            return
        if not getattr(ws, "pong_received", True):
            self.silent = True
            self.subscription.wake()
            return
        frame = _ping_frame(ws)
        writer = self.writer
        # Never waiting on a client that does not read: its buffer full, or a frame of the loop still going out
        # (the lock held), it is not pinged this time: not read lately, but not silent either.
        if frame is None or not writer.lock.acquire(False):
            return
        try:
            ws.pong_received = False  # before writing: a pong may come back at once
            if not writer.try_write(frame):
                ws.pong_received = True  # gone, or its buffer is full: its reading tells the loop if gone
            behind = bool(writer.backlog)
        finally:
            writer.lock.release()
        if behind:
            self.subscription.wake()  # the rest of the ping is the loop's to write

    def _run(self) -> None:
        ws, subscription, writer = self.ws, self.subscription, self.writer
        WakingEvent.install(ws, subscription)
        self._send(json.dumps({"type": "hello", "account_id": subscription.account_id}))
        if self.plain:  # from now on the fan-out writes an event at once when nothing waits before it
            subscription.direct = self._deliver_now
        cap = _wait_cap()
        while ws.connected:
            if self.restarting or stopping.is_set():
                ws.close(reason=SERVICE_RESTART, message=RESTART_MESSAGE)
                return
            if self.inbox.flooded:
                ws.close(reason=POLICY, message="Trop de messages reçus de ce client.")
                return
            if self.silent:
                ws.close(reason=POLICY, message="Pas de réponse du client.")
                return
            if not self._rights_hold():
                ws.close(reason=POLICY, message="Votre session a pris fin : reconnectez-vous.")
                return
            for raw in self.inbox.drain():
                self._receive(raw)
            # Asleep until an event, a client's message or close, a rights change, a restart or the keeper
            # wakes it. Looked at right before waiting: a wake-up that came while the loop was busy is not
            # lost. Under gevent nothing yields between here and the wait (no timer needed); with threads a
            # wake-up may still slip in between, which the cap there bounds.
            timeout = cap
            if (self.restarting or stopping.is_set() or self.inbox or self.inbox.flooded or not ws.connected
                    or self.silent or self.revoked or writer.backlog):
                timeout = 0.0
            subscription.wait(timeout)
            if subscription.overflowed:
                subscription.overflowed = False
                self._send(_RESYNC)
            # The events are taken with the write lock held: the fan-out cannot write a later one at once
            # between their taking and their writing. Every one queued meanwhile goes in one write.
            with writer.lock:
                sent = [event for event in subscription.take() if self._may_send(event)]
                if sent or writer.backlog:
                    if not ws.connected:
                        raise ConnectionClosed(ws.close_reason, ws.close_message)
                    writer.write_all(b"".join([self._frame(event) for event in sent]))
            if self.metrics is not None:
                for event in sent:
                    self.metrics.delivered(event)

    def _deliver_now(self, event: Event) -> bool:
        """The fan-out's way (``Subscription.direct``): write ``event``'s frame at once, without waking this
        socket's loop, when nothing is to go before it and the socket's buffer has room; the part it has no room
        for is the loop's to write. False: the event is queued for the loop as before (something waits before
        it, a frame is being written, a rights change or a grace period needs the loop's checks, or the
        socket's buffer is full: a slow reader makes no one else wait)."""
        subscription, writer = self.subscription, self.writer
        if not writer.lock.acquire(False):
            return False
        try:
            if (self.restarting or self.revoked or self.silent or subscription.overflowed
                    or subscription.rights_changed or not self.ws.connected or subscription.pending()
                    or (self.grace_until and time.monotonic() < self.grace_until)
                    or not writer.try_write(event_frame(event))):
                return False
            behind = bool(writer.backlog)
        finally:
            writer.lock.release()
        if behind:
            subscription.wake()
        if self.metrics is not None:
            self.metrics.delivered(event)
        return True

    def _frame(self, event: Event) -> bytes:
        return event_frame(event) if self.plain else self.ws.ws.send(TextMessage(data=event.wire))

    def _send(self, text: str) -> None:
        """Write one text message whole, after whatever is still to go out (the loop's own messages)."""
        ws, writer = self.ws, self.writer
        with writer.lock:
            if not ws.connected:
                raise ConnectionClosed(ws.close_reason, ws.close_message)
            writer.write_all(self._text(text))

    def _text(self, text: str) -> bytes:
        return text_frame(text.encode()) if self.plain else self.ws.ws.send(TextMessage(data=text))

    def _receive(self, raw: Any) -> None:
        """Hand one message up to the plugin owning its type (rights were re-checked just before)."""
        try:
            message = json.loads(raw)
        except (TypeError, ValueError):
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self._send(refused("Message illisible : un objet JSON avec un « type » est attendu."))
            return
        if self.account is None:
            self._send(refused("Ce connecteur n'accepte pas de messages.", message["type"]))
            return
        try:
            answer = self._query(lambda: self.relais.pm.hook.socket_message(account=self.account, message=message))
        except Exception:  # a plugin's failure must not end the socket: the page is told, the log says where
            log.exception("socket_message failed for a %r message of account %s", message["type"], self.account.id)
            self._send(refused("Le serveur n'a pas pu traiter ce message.", message["type"]))
            return
        if answer is None:
            self._send(refused("Type de message inconnu.", message["type"]))
        elif isinstance(answer, dict):
            self._send(json.dumps(answer, ensure_ascii=False, default=str))

    def _rights_hold(self) -> bool:
        """False once the keeper found the credential invalid. When the account's rights changed, re-check
        the credential at once, send what was queued meanwhile and still may be, then ``resync``."""
        if self.revoked:
            return False
        if not self.subscription.rights_changed:
            return True
        # With the write lock held throughout: the fan-out must not write an event at once while the credential
        # is being re-checked (it queues it, and the grace period's checks apply once the lock is let go).
        ws, writer = self.ws, self.writer
        with writer.lock:
            pending = self.subscription.take_rights_change()
            if pending is None:
                return True
            kind, credential_id = self.subscription.credential
            if not self._query(still_authorised, kind, credential_id):
                return False
            now = time.monotonic()
            self.next_check = now + self.recheck_seconds
            self.grace_until, self.visible = now + RECHECK_GRACE_SECONDS, {}
            self._learn(e.exchange_id for e in pending if e.exchange_id is not None)
            if not ws.connected:
                raise ConnectionClosed(ws.close_reason, ws.close_message)
            # What was queued meanwhile and still may be, then ``resync``: the page reloads its lists, without
            # what is no longer its own.
            writer.write_all(b"".join([self._frame(e) for e in pending if self._may_send(e)] + [self._text(_RESYNC)]))
        return True

    def _may_send(self, event: Event) -> bool:
        if event.exchange_id is None or event.type in _ALWAYS_DELIVERED or time.monotonic() >= self.grace_until:
            return True  # the publisher chose the recipients with the rights as they were at its commit
        if self.visible is None:
            self.visible = {}
        if event.exchange_id not in self.visible:
            self._learn([event.exchange_id])
        return self.visible[event.exchange_id]

    def _learn(self, exchange_ids: Iterable[int]) -> None:
        if self.visible is None:
            self.visible = {}
        wanted = set(exchange_ids) - set(self.visible)
        if wanted:
            seen = self._query(visible_among, self.subscription.account_id, wanted)
            self.visible.update({exchange_id: exchange_id in seen for exchange_id in wanted})

    def _query(self, function: Any, *args: Any) -> Any:
        # A pooled connection for one query, given back at once: idle sockets must not hold the pool.
        # The socket's request lasts as long as it does: what it cached about rights (can_see...) is
        # forgotten before each query, or a removed member would still pass until the socket closed.
        forget_request_cache()
        database = self.relais.database
        try:
            return function(*args)
        finally:
            if not database.is_closed():
                database.close()
