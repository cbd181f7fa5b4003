"""One open live socket's life: it delivers its account's events only while the credential that opened it
and the account's rights still hold, and it never lets its client eat the server's memory.

Rights: a ``rights.changed`` event naming the account (kernel/services/rights.py, carried to every
instance by the event bus) wakes the socket, which re-checks its session or token before sending anything
else (one query): ended, it closes with 1008 (the page then finds its way to the login page). Still valid,
it re-checks which exchanges the events queued meanwhile belong to, and every event of the next
``RECHECK_GRACE_SECONDS`` (a transaction that read the audience before the change may still publish), then
tells the page to reload its lists (``resync``). Every ``ws_recheck_seconds`` it re-checks its credential on
its own: a session past its lifetime, a change written by another process without the bus.

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
import random
import sys
import threading
import time
import weakref
from typing import Any, Iterable, Iterator

from .auth import still_authorised
from .health import stopping
from .services.acting_as import forget_request_cache, visible_among
from .services.events import Event, Subscription

log = logging.getLogger(__name__)

POLICY = 1008  # WebSocket close codes (RFC 6455): a rule of the server was broken
SERVICE_RESTART = 1012  # the page reconnects at once (with jitter) rather than backing off
TRY_AGAIN_LATER = 1013
RESTART_MESSAGE = "Redémarrage du serveur : reconnexion."
INBOX_LIMIT = 32
RECHECK_GRACE_SECONDS = 30.0
PING_EVERY = 25.0  # an application ping, for proxies that close silent connections
WAIT_SECONDS = 5.0  # the longest the loop sleeps with threads (a client's close or message, an event wake it)
GREEN_WAIT_SECONDS = 30.0  # under gevent, where no wake-up can slip past (see the loop)
# Sent to those who saw the exchange before it went: revealing its id to them reveals nothing.
_ALWAYS_DELIVERED = {"exchange.deleted"}
_RESYNC = json.dumps({"type": "resync"})
_PING = json.dumps({"type": "ping"})


class Inbox(list):
    """simple-websocket's input buffer, bounded: beyond ``INBOX_LIMIT`` messages in a minute, the next ones
    are dropped and ``flooded`` is set (the socket loop then closes the socket)."""

    flooded = False
    received = 0  # messages this minute (the socket loop starts each minute again)

    def append(self, item: Any) -> None:
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


def _wait_cap() -> float:
    monkey = sys.modules.get("gevent.monkey")
    return GREEN_WAIT_SECONDS if monkey is not None and monkey.is_module_patched("threading") else WAIT_SECONDS


def refused(reason: str, message_type: Any = None) -> str:
    """The answer to a message up that no plugin took (French ``reason``, for the page's console)."""
    return json.dumps({"type": "socket.refused", "message_type": message_type if isinstance(message_type, str)
                       else None, "reason": reason}, ensure_ascii=False)


# The sockets open in this process, for a stop to close them all (weak: a socket's end forgets it by itself).
_open: "weakref.WeakSet[LiveSocket]" = weakref.WeakSet()


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
    restarting = False

    def __init__(self, ws: Any, inbox: Inbox, subscription: Subscription, relais: Any,
                 account: Any = None) -> None:
        self.ws, self.inbox, self.subscription, self.relais = ws, inbox, subscription, relais
        self.metrics = getattr(relais, "metrics", None)
        self.account = account  # who the socket's messages up come from (None: they are all refused)
        self.recheck_seconds = float(relais.config["ws_recheck_seconds"])
        # The first re-check somewhere in the period, never later: sockets opened together (a node's start, the
        # reconnections after a restart) would otherwise all query in the same second, every period.
        self.next_check = time.monotonic() + self.recheck_seconds * random.uniform(0.5, 1.0)
        self.grace_until = 0.0
        self.visible: dict[int, bool] = {}  # during a grace period: exchange id -> may it be sent

    def run(self) -> None:
        _open.add(self)
        try:
            self._run()
        finally:
            _open.discard(self)

    def _run(self) -> None:
        ws, subscription = self.ws, self.subscription
        WakingEvent.install(ws, subscription)
        ws.send(json.dumps({"type": "hello", "account_id": subscription.account_id}))
        last_sent = minute = time.monotonic()
        minute += 60
        last_sent -= random.uniform(0, PING_EVERY / 2)  # spread the pings of sockets opened together
        while ws.connected:
            if self.restarting or stopping.is_set():
                ws.close(reason=SERVICE_RESTART, message=RESTART_MESSAGE)
                return
            if self.inbox.flooded:
                ws.close(reason=POLICY, message="Trop de messages reçus de ce client.")
                return
            now = time.monotonic()
            if now >= minute:
                self.inbox.received, minute = 0, now + 60
            if not self._rights_hold():
                ws.close(reason=POLICY, message="Votre session a pris fin : reconnectez-vous.")
                return
            for raw in self.inbox.drain():
                self._receive(raw)
            # Asleep until the next thing due (a ping, the periodic re-check, the minute's count): an event,
            # a client's message or close, a rights change or a restart wakes it before. An idle socket waking
            # every second cost most of a core at 20,000 sockets.
            due = min(last_sent + PING_EVERY, self.next_check, minute) - time.monotonic()
            # Looked at right before waiting: a wake-up that came while the loop was busy is not lost. Under
            # gevent nothing yields between here and the wait; with threads a wake-up may still slip in
            # between, which the shorter cap there bounds.
            if self.restarting or stopping.is_set() or self.inbox or self.inbox.flooded or not ws.connected:
                due = 0.0
            event = subscription.get(timeout=min(max(due, 0.0), _wait_cap()))
            if subscription.overflowed:
                ws.send(_RESYNC)
                subscription.overflowed = False
            if event is None:
                if time.monotonic() - last_sent >= PING_EVERY:
                    ws.send(_PING)
                    last_sent = time.monotonic()
                continue
            if self._may_send(event):
                ws.send(event.wire)
                last_sent = time.monotonic()
                if self.metrics is not None:
                    self.metrics.delivered(event)

    def _receive(self, raw: Any) -> None:
        """Hand one message up to the plugin owning its type (rights were re-checked just before)."""
        try:
            message = json.loads(raw)
        except (TypeError, ValueError):
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self.ws.send(refused("Message illisible : un objet JSON avec un « type » est attendu."))
            return
        if self.account is None:
            self.ws.send(refused("Ce connecteur n'accepte pas de messages.", message["type"]))
            return
        try:
            answer = self._query(lambda: self.relais.pm.hook.socket_message(account=self.account, message=message))
        except Exception:  # a plugin's failure must not end the socket: the page is told, the log says where
            log.exception("socket_message failed for a %r message of account %s", message["type"], self.account.id)
            self.ws.send(refused("Le serveur n'a pas pu traiter ce message.", message["type"]))
            return
        if answer is None:
            self.ws.send(refused("Type de message inconnu.", message["type"]))
        elif isinstance(answer, dict):
            self.ws.send(json.dumps(answer, ensure_ascii=False, default=str))

    def _rights_hold(self) -> bool:
        """Re-check the credential when the account's rights changed or the periodic check is due; after a
        change, send what was queued meanwhile and still may be, then ``resync``."""
        pending = self.subscription.take_rights_change()
        now = time.monotonic()
        if pending is None and now < self.next_check:
            return True
        kind, credential_id = self.subscription.credential
        if not self._query(still_authorised, kind, credential_id):
            return False
        self.next_check = now + self.recheck_seconds
        if pending is not None:
            self.grace_until, self.visible = now + RECHECK_GRACE_SECONDS, {}
            self._learn(e.exchange_id for e in pending if e.exchange_id is not None)
            for event in pending:
                if self._may_send(event):
                    self.ws.send(event.wire)
            self.ws.send(_RESYNC)  # the page reloads its lists, without what is no longer its own
        return True

    def _may_send(self, event: Event) -> bool:
        if event.exchange_id is None or event.type in _ALWAYS_DELIVERED or time.monotonic() >= self.grace_until:
            return True  # the publisher chose the recipients with the rights as they were at its commit
        if event.exchange_id not in self.visible:
            self._learn([event.exchange_id])
        return self.visible[event.exchange_id]

    def _learn(self, exchange_ids: Iterable[int]) -> None:
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
