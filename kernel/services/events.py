"""The event bus: live events go to the accounts that may see them, and to plugins' ``on_event``.

Publishing goes through a backend. The local backend fans out in this process; the PostgreSQL
LISTEN/NOTIFY backend (events_postgres.py) carries the same event to every instance, each of which
delivers to its own sockets. The recipients are decided by the publisher (members of the exchange), so a
socket never receives an event for an exchange its account cannot see.
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
        """Send committed events: to the sockets of their recipients, then to plugins' listeners."""
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
