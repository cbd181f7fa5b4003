"""Live events from the side process to the worker's sockets, with the in-process event bus (``event_backend =
"local"``).

The side process (kernel/serving/node.py) runs the jobs and the services (the MSSanté SMTP receiver...): the events
they publish (a mail received, an outbox status, a job's result) would reach only its own bus, which holds no
socket. So its bus also writes each committed event, as JSON, on a datagram socket pair the arbiter makes before
anything forks (like the job wake-up channel, kernel/serving/wake.py, in the other direction); a greenlet of the
worker reads them and delivers each to the worker's sockets. The side process still publishes on commit only:
it forwards from ``EventBus.publish``, which the commit calls. With ``event_backend = "postgres"`` none of this
is set up: NOTIFY crosses processes already. ``relais serve`` allows one worker only on the local bus
(kernel/commands/running.py), so one reader: a worker that dies leaves the datagrams to its successor, which
inherits the same end from the arbiter.

A datagram is bounded by the socket's buffer: an event too large for it, or one the worker cannot take in time
(its buffer full), is replaced by a resynchronisation notice (every socket reloads from the API) rather than
lost silently.
"""
from __future__ import annotations

import logging
import socket
from typing import Any, Callable

from ..services.events import Event

log = logging.getLogger(__name__)
RESYNC = b"resync"  # not JSON: the worker's sockets reload from the API
SEND_TIMEOUT = 2.0  # seconds the side process waits for room in the worker's buffer
BUFFER_BYTES = 4 * 1024 * 1024  # asked for; the system caps it (net.core.wmem_max)


def channel() -> tuple[socket.socket, socket.socket]:
    """(the side process's end, the workers' end)."""
    send, receive = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for sock, option in ((send, socket.SO_SNDBUF), (receive, socket.SO_RCVBUF)):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, BUFFER_BYTES)
        except OSError:
            pass
    return send, receive


def forwarder(send: socket.socket) -> Callable[[Event], None]:
    """In the side process: what its bus calls with every committed event."""
    send.settimeout(SEND_TIMEOUT)

    def forward(event: Event) -> None:
        try:
            send.send(event.to_json().encode())
            return
        except OSError as exc:  # too large (EMSGSIZE), or the worker's buffer stayed full
            log.warning("live event %s not forwarded to the worker (%s): its sockets resynchronise", event.type, exc)
        try:
            send.send(RESYNC)
        except OSError as exc:
            log.error("live events lost on the way to the worker: %s", exc)

    return forward


def listen(receive: socket.socket, events: Any) -> Any:
    """In a worker (gevent): a greenlet delivering what the side process forwards to this worker's sockets."""
    import gevent

    def loop() -> None:
        while True:
            try:
                data = receive.recv(BUFFER_BYTES)
            except OSError as exc:
                log.error("live events from the side process no longer received: %s", exc)
                return
            try:
                if data == RESYNC:
                    events.resync()
                else:
                    events.deliver(Event.from_json(data.decode()))
            except Exception:  # one bad datagram must not stop the ones after it
                log.exception("live event from the side process not delivered")

    return gevent.spawn(loop)
