"""simple-websocket's reading thread, under gevent, without a greenlet per socket.

simple-websocket reads each socket in a thread of its own (``thread_class``); under gevent that is a greenlet
blocked in ``recv`` for the socket's whole life, about 10 kB each however idle the socket is: a fifth of an
idle socket's memory at 20,000 sockets. ``WatchedReader`` takes its place (``SOCK_SERVER_OPTIONS``,
kernel/ws.py): an I/O watcher of the event loop, and a short greenlet only when bytes arrive (a pong, a close,
a page's message), which does what simple-websocket's thread does with them: hands them to wsproto, answers
pings and closes, fills the socket's inbox and sets its event (which wakes the socket's loop).

The watcher is stopped (``stop``) before the connection's socket is closed by the server, by kernel/ws.py
once the socket's handler is done: an event loop must never watch a closed descriptor (its number is soon
another connection's).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import gevent
from wsproto.utilities import LocalProtocolError

log = logging.getLogger(__name__)


class WatchedReader:
    """Stands for ``threading.Thread(target=ws._thread)`` in simple-websocket's ``Base``."""

    name = "relais-websocket-reader"
    daemon = True

    def __init__(self, target: Callable[[], Any], **_: Any) -> None:
        self.ws = target.__self__  # type: ignore[attr-defined]  # the bound method's simple-websocket Base
        self.watcher: Any = None
        self.reading = False

    def start(self) -> None:
        self.watcher = gevent.get_hub().loop.io(self.ws.sock.fileno(), 1)
        self.watcher.start(self._readable)

    def is_alive(self) -> bool:
        return self.watcher is not None

    def join(self, timeout: float | None = None) -> None:
        pass

    def stop(self) -> None:
        """No more reading: the watcher is closed (before the server closes the connection's socket)."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()
            watcher.close()

    def _readable(self) -> None:  # in the event loop's own greenlet: nothing that may wait here
        if self.watcher is not None:
            self.watcher.stop()
            gevent.spawn_raw(self._read)

    def _read(self) -> None:
        ws = self.ws
        try:
            raw = getattr(ws.sock, "_sock", ws.sock)  # the system socket beneath gevent's: never waits
            try:
                data = raw.recv(ws.receive_bytes)
            except (BlockingIOError, InterruptedError):
                data = None  # woken for nothing: watched again
            if data is not None:
                if not data:
                    raise OSError("closed by the client")
                ws.ws.receive_data(data)
                ws.connected = ws._handle_events()  # may send (a pong, a close's answer): this greenlet waits
        except (OSError, LocalProtocolError):
            ws.connected = False
            ws.event.set()
        except Exception:  # never into the event loop: the socket is let go, the log says why
            log.exception("websocket read failed")
            ws.connected = False
            ws.event.set()
        if self.watcher is None:
            return  # stopped meanwhile: the server closes the socket
        if ws.connected:
            self.watcher.start(self._readable)
        else:  # what simple-websocket's thread does when it ends
            self.stop()
            try:
                ws.sock.close()
            except OSError:
                pass
