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

import functools
import itertools
import json
import logging
import queue
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from flask import current_app

from ..db import on_commit
from ..event_types import UncataloguedEvent

log = logging.getLogger(__name__)


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
        """The whole event, recipients included: what travels between instances."""
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> "Event":
        raw = json.loads(text)
        return cls(raw["type"], raw["exchange_id"], tuple(raw["recipients"]), raw.get("data") or {})

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

    They go to their recipients' sockets, then to every plugin's ``on_event``, once, in this order."""
    for event in events:
        check_event(event)
    on_commit(functools.partial(current_app.extensions["relais"].events.publish, events))


class Subscription:
    """One live socket's queue of events, bounded so a stuck client cannot eat memory."""

    def __init__(self, account_id: int, maxsize: int = 1000) -> None:
        self.account_id = account_id
        self.queue: queue.Queue[Event] = queue.Queue(maxsize=maxsize)
        self.overflowed = False

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            # The client will catch up from the API when it reconnects; tell it so.
            self.overflowed = True

    def get(self, timeout: float) -> Event | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


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
        self._lock = threading.Lock()
        self._backend = backend or LocalBackend()
        self._backend.start(self._fan_out, self.resync)
        self._listeners = listeners
        self._ids = itertools.count(1)

    def subscribe(self, account_id: int) -> Subscription:
        sub = Subscription(account_id)
        with self._lock:
            self._subscriptions.setdefault(account_id, set()).add(sub)
        self._backend.subscribed()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subscriptions.get(sub.account_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscriptions[sub.account_id]

    def connected_accounts(self) -> set[int]:
        with self._lock:
            return set(self._subscriptions)

    def publish(self, events: Iterable[Event]) -> None:
        """Send committed events: to the sockets of their recipients, then to plugins' listeners.

        Called once the transaction committed (``publish_on_commit``); not for direct use."""
        for event in events:
            self._backend.send(event)
            if self._listeners is not None:
                try:
                    self._listeners(event)
                except Exception:  # a listener's failure must not lose the event for the others
                    log.exception("event listener failed for %s", event.type)

    def _fan_out(self, event: Event) -> None:
        with self._lock:
            targets = [s for account in event.recipients for s in self._subscriptions.get(account, ())]
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
