"""The event bus: live events go to the accounts that may see them, and to plugins' ``on_event``.

Publishing goes through a backend. The local backend fans out in this process; the PostgreSQL
LISTEN/NOTIFY backend (events_postgres.py) carries the same event to every instance, each of which
delivers to its own sockets. The recipients are decided by the publisher (members of the exchange), so a
socket never receives an event for an exchange its account cannot see.

Events leave only once the transaction that produced them commits: code anywhere calls
``publish_on_commit(event)`` (the one way to publish; kernel.db.on_commit holds it until the commit and
drops it on rollback), and ``EventBus.publish`` is what the commit then calls. Each event is checked
against the catalogue (kernel/event_types.py) when it is published.
"""
from __future__ import annotations

import collections
import functools
import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask import current_app

from ..db import on_commit
from ..green import when_waiting
from ..event_types import UncataloguedEvent

log = logging.getLogger(__name__)
RIGHTS_CHANGED = "rights.changed"  # kernel/services/rights.py publishes it; sockets re-check on it
_RECIPIENTS = '{"recipients": ['  # how ``Event.to_json`` begins


@dataclass(frozen=True)
class Event:
    type: str  # "message.created", "exchange.updated", "receipt.created"...
    exchange_id: int | None
    recipients: tuple[int, ...]  # account ids allowed to receive it
    data: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def wire(self) -> str:
        """What a browser's socket receives; built once however many sockets the event goes to."""
        return json.dumps({"type": self.type, "exchange_id": self.exchange_id, "data": self.data},
                          ensure_ascii=False, default=str)

    def to_json(self) -> str:
        """The whole event, recipients included: what travels between instances. The browser's text with the
        recipients put in front: the data is serialised once for the sockets and the other instances (and
        never deep-copied, as ``dataclasses.asdict`` would)."""
        return f'{{"recipients": {json.dumps(list(self.recipients))}, {self.wire[1:]}'

    @classmethod
    def from_json(cls, text: str) -> "Event":
        raw = json.loads(text)
        event = cls(raw["type"], raw["exchange_id"], tuple(raw["recipients"]), raw.get("data") or {})
        # Every other instance receives each event (LISTEN): the browser's text is the received one less its
        # recipients (``to_json``), taken as it is rather than serialised again for the sockets.
        if text.startswith(_RECIPIENTS) and raw.get("data") is not None:
            end = text.find("], ", len(_RECIPIENTS))
            if end != -1 and text[len(_RECIPIENTS):end] == ", ".join(map(str, event.recipients)):
                event.__dict__["wire"] = "{" + text[end + 3:]
        return event

    @classmethod
    def for_exchange(cls, type: str, exchange_id: int, data: dict[str, Any],
                     recipients: Iterable[int] | None = None) -> "Event":
        """An event about an exchange, for its audience (members and their delegates) unless told whom."""
        if recipients is None:
            from .acting_as import audience  # the models are not imported with the bus

            recipients = audience(exchange_id)
        return cls(type, exchange_id, tuple(recipients), data)


def check_event(event: Event) -> None:
    """Compare ``event`` with the app's catalogue: raise UncataloguedEvent in tests, log in production
    (a live event is secondary to the write it follows: a slip in the catalogue must not cancel a send)."""
    catalogue = current_app.extensions["relais"].event_types
    known = catalogue.get(event.type)
    problems = known.problems(event.data) if known is not None else ["type not in the catalogue"]
    if not problems:
        return
    text = f"event {event.type!r}: {'; '.join(problems)} (declare it with register_event_types, see docs/plugins.md)"
    if current_app.testing:
        raise UncataloguedEvent(text)
    log.error(text)


def publish_on_commit(*events: Event) -> None:
    """Publish ``events`` once the current transaction commits (at once outside one); never if it rolls back.

    They go to their recipients' sockets and to every plugin's ``on_event``, once each. The listeners run at the
    commit, in the request; under gevent the sockets are written once the request's answer is (in order)."""
    for event in events:
        check_event(event)
    on_commit(HeldEvents(current_app.extensions["relais"].events, events))


class HeldEvents:
    """Events held until their transaction commits (``publish_on_commit``; a send fills its ``message.created`` in
    once its content is final). Just before the COMMIT (kernel.db.on_commit's ``before_commit``) the backend may
    send what crosses to other instances inside the transaction: PostgreSQL's NOTIFY, delivered by the server on
    commit only, and committed with the transaction's own WAL flush rather than in a second transaction after it.
    After the commit the events go to this instance's sockets and to the plugins' listeners."""

    def __init__(self, bus: "EventBus", events: Iterable[Event] = ()) -> None:
        self.bus = bus
        self.events = list(events)
        self.notified = False  # the backend sent them inside the transaction

    def before_commit(self) -> None:
        if self.events:
            self.notified = self.bus.before_commit(self.events)

    def __call__(self) -> None:
        if self.notified:
            self.bus.publish(self.events, notified=True)
        elif self.events:
            self.bus.publish(self.events)  # as it was always called (tests watch it by replacing it)


class TooManySockets(RuntimeError):
    """A socket over the account's or the instance's limit (``ws_max_per_account``, ``ws_max_per_node``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Subscription:
    """One live socket's queue of events, bounded so a stuck client cannot eat memory.

    It knows whose socket it is and which credential opened it (``("session", id)`` or ``("token", id)``,
    see kernel.auth.credential), so the socket can re-check both when a ``rights.changed`` event names
    its account: ``rights_changed`` is then set and a waiting ``get`` returns at once."""

    def __init__(self, account_id: int, maxsize: int = 1000,
                 credential: tuple[str | None, int | None] = (None, None)) -> None:
        self.account_id = account_id
        self.credential = credential
        self.maxsize = maxsize
        self.overflowed = False
        self.rights_changed = False
        self._events: collections.deque[Event] = collections.deque()
        self._ready = threading.Condition(threading.Lock())
        # Set by a socket able to write an event at once without waking its loop (kernel/live_socket.py): offered
        # each event first; True means it took the event (written, in order), so nothing is queued.
        self.direct: Callable[[Event], bool] | None = None

    def offer(self, event: Event) -> None:
        direct = self.direct
        if direct is not None and direct(event):
            return
        with self._ready:
            if len(self._events) >= self.maxsize:
                # The client will catch up from the API when it reconnects; tell it so.
                self.overflowed = True
                return
            self._events.append(event)
            self._ready.notify()

    def mark_rights_changed(self) -> None:
        """What the account may receive shrank: wake the socket so it re-checks before anything else."""
        with self._ready:
            self.rights_changed = True
            self._ready.notify()

    def wake(self) -> None:
        """Return a waiting ``get`` at once (its socket was closed by the client)."""
        with self._ready:
            self._ready.notify()

    def get(self, timeout: float) -> Event | None:
        """The next event; None after ``timeout`` seconds, or at once when ``rights_changed`` is set."""
        with self._ready:
            if not self._events and not self.rights_changed:
                self._ready.wait(timeout)
            return self._events.popleft() if self._events and not self.rights_changed else None

    def wait(self, timeout: float | None) -> None:
        """Like ``get``, without taking the event: returns once one is queued, a rights change is pending or
        ``wake`` was called, or after ``timeout`` seconds (None: no limit)."""
        with self._ready:
            if not self._events and not self.rights_changed:
                self._ready.wait(timeout)

    def take(self) -> list[Event]:
        """Every queued event, oldest first, taken out; none while a rights change is pending (``get``'s rule)."""
        with self._ready:
            if self.rights_changed or not self._events:
                return []
            events = list(self._events)
            self._events.clear()
            return events

    def take_rights_change(self) -> list[Event] | None:
        """None if no rights change is pending; else clear it and return the events queued meanwhile (taken
        out of the queue: the socket re-checks them before sending any)."""
        with self._ready:
            if not self.rights_changed:
                return None
            self.rights_changed = False
            pending = list(self._events)
            self._events.clear()
            return pending

    def pending(self) -> int:
        """How many events wait to be sent."""
        with self._ready:
            return len(self._events)


class LocalBackend:
    """In-process transport: publishing delivers straight to this process's subscribers.

    A backend has ``start(deliver, resync)``, ``subscribed()`` (a socket of this process subscribed),
    ``send(event)`` and ``stop()``; kernel/services/events_postgres.py is the one for several instances.
    """

    def __init__(self) -> None:
        self._deliver: Callable[[Event], None] | None = None

    def start(self, deliver: Callable[[Event], None], resync: Callable[[], None] | None = None) -> None:
        self._deliver = deliver

    def subscribed(self) -> None:
        pass  # nothing to listen to: every event is published in this process

    def send(self, event: Event) -> None:
        if self._deliver is not None:
            self._deliver(event)

    def stop(self) -> None:
        self._deliver = None


class EventBus:
    def __init__(self, backend: Any = None,
                 listeners: Callable[[Event], None] | None = None) -> None:
        self._subscriptions: dict[int, set[Subscription]] = {}
        self._count = 0  # sockets subscribed in this process
        self._lock = threading.Lock()
        self._backend = backend or LocalBackend()
        self._backend.start(self._fan_out, self.resync)
        self._listeners = listeners
        self._forward: Callable[[Event], None] | None = None
        self._ids = itertools.count(1)

    @property
    def in_process(self) -> bool:
        """Whether the backend only delivers in this process (nothing crosses to other instances)."""
        return isinstance(self._backend, LocalBackend)

    def forward_to(self, forward: Callable[[Event], None]) -> None:
        """Also hand every committed event to ``forward``: the side process of a gunicorn node sends them to its
        worker's sockets (kernel/serving/relay.py)."""
        self._forward = forward

    def deliver(self, event: Event) -> None:
        """Give ``event``, committed and published in another process, to this process's sockets (not to the
        plugins' listeners: the publishing process called them)."""
        self._fan_out(event)

    def subscribe(self, account_id: int, credential: tuple[str | None, int | None] = (None, None),
                  max_per_account: int | None = None, max_per_node: int | None = None) -> Subscription:
        """A queue for one socket of ``account_id``, opened with ``credential``; TooManySockets (in French)
        beyond ``max_per_account`` sockets of that account or ``max_per_node`` in this process."""
        sub = Subscription(account_id, credential=credential)
        with self._lock:
            mine = self._subscriptions.get(account_id, set())
            if max_per_account is not None and len(mine) >= max_per_account:
                raise TooManySockets("Trop de pages ouvertes en direct pour ce compte : fermez-en quelques-unes.")
            if max_per_node is not None and self._count >= max_per_node:
                raise TooManySockets("Serveur saturé : nouvelle tentative de connexion dans quelques instants.")
            self._subscriptions.setdefault(account_id, set()).add(sub)
            self._count += 1
        self._backend.subscribed()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subscriptions.get(sub.account_id)
            if subs is not None and sub in subs:
                subs.discard(sub)
                self._count -= 1
                if not subs:
                    del self._subscriptions[sub.account_id]

    def connected_accounts(self) -> set[int]:
        with self._lock:
            return set(self._subscriptions)

    def before_commit(self, events: list[Event]) -> bool:
        """Inside the transaction that publishes ``events``, just before its COMMIT: let the backend send what
        must leave with the transaction (PostgreSQL's NOTIFY). True if it did (``publish`` then only delivers
        here); False for a backend without such a step (in-process). Called by ``HeldEvents``; not for direct use."""
        prepare = getattr(self._backend, "before_commit", None)
        if prepare is None:
            return False
        prepare(events)
        return True

    def publish(self, events: Iterable[Event], *, notified: bool = False) -> None:
        """Send committed events: to the sockets of their recipients, then to plugins' listeners. ``notified``:
        the backend already sent them to the other instances inside the transaction (``before_commit``).

        Called once the transaction committed (``publish_on_commit``); not for direct use."""
        for event in events:
            if notified:
                self._to_sockets_here(self._fan_out, event)
            elif self.in_process:
                self._to_sockets_here(self._backend.send, event)  # its fan-out (nothing once it is stopped)
            else:
                self._backend.send(event)
            if self._forward is not None:
                self._forward(event)
            if self._listeners is not None:
                try:
                    self._listeners(event)
                except Exception:  # a listener's failure must not lose the event for the others
                    log.exception("event listener failed for %s", event.type)

    @staticmethod
    def _to_sockets_here(fan_out: Callable[[Event], None], event: Event) -> None:
        # Under gevent, once the publishing greenlet waits, which for a request is when its answer is written (or
        # the socket cannot take it at once): the sender's answer does not wait for the ten writes into its members'
        # sockets, 0.7 ms of a 2.6 ms send at 5 messages/s. Started in publishing order, before the listeners run
        # (what they publish goes after). With threads, now.
        if not when_waiting(functools.partial(fan_out, event)):
            fan_out(event)

    def _fan_out(self, event: Event) -> None:
        with self._lock:
            targets = [s for account in event.recipients for s in self._subscriptions.get(account, ())]
        if event.type == RIGHTS_CHANGED:
            # Not for the browser: each socket of these accounts re-checks before it sends anything else.
            for sub in targets:
                sub.mark_rights_changed()
            return
        if targets:
            event.wire  # serialise once, here, rather than once per socket thread
        for sub in targets:
            sub.offer(event)

    def resync(self) -> None:
        """Events may have been missed (the backend lost its connection): every socket reloads."""
        with self._lock:
            targets = [s for subs in self._subscriptions.values() for s in subs]
        for sub in targets:
            sub.overflowed = True  # the socket loop then sends {"type": "resync"} (kernel/ws.py)

    def close(self) -> None:
        self._backend.stop()
