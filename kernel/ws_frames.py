"""Writing a live socket's frames: each event's frame encoded once for all its sockets, and every frame written
whole, one writer at a time.

Encoded once: a server's text frame carries no mask, so on a connection without extensions (compression is
never negotiated: kernel/ws.py) the bytes of an event's frame are the same for every socket it goes to. They are
built on the event's first delivery and kept on it (``event_frame``), beside its JSON text (``Event.wire``).

Written whole: simple-websocket writes with ``sock.send``, which may write part of a frame (under gevent, a
socket whose client reads slowly; with threads, a signal) and drops the rest: the client then reads a broken
stream. And several writers share a socket: the socket's loop, the keeper's pings, the reader answering a
client's ping or close, and the fan-out writing an event at once (kernel/live_socket.py): a frame written
while another waits half-sent would land in its middle. ``SocketWriter`` stands for simple-websocket's
``ws.sock``: its ``send`` writes everything, under the socket's one write lock; ``try_write`` writes what the
socket's buffer takes at once, without waiting, and keeps the rest (``backlog``) for the socket's loop, which
writes it before anything else.
"""
from __future__ import annotations

import socket
import struct
import threading
from typing import Any

_FRAME_KEY = "_relais_ws_frame"  # where an event's frame is kept (in its __dict__, as functools.cached_property)


def text_frame(payload: bytes) -> bytes:
    """A whole, unmasked (server to client) text frame carrying ``payload`` (RFC 6455, section 5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


def event_frame(event: Any) -> bytes:
    """The frame of ``event``'s browser text, built once however many sockets it goes to. The event is frozen
    (a dataclass): the frame is kept in its ``__dict__``, the way ``functools.cached_property`` keeps ``wire``."""
    cached = event.__dict__.get(_FRAME_KEY)
    if cached is None:
        cached = event.__dict__[_FRAME_KEY] = text_frame(event.wire.encode())
    return cached


def plain(ws: Any) -> bool:
    """True when simple-websocket's ``ws`` negotiated no extension: its frames may be written as built here. A
    connection with one (permessage-deflate) encodes each frame itself (wsproto), in order."""
    connection = getattr(getattr(ws, "ws", None), "connection", None)
    proto = getattr(connection, "_proto", None)
    return proto is not None and not proto.extensions


class SocketWriter:
    """Stands for simple-websocket's ``ws.sock`` (``install``): reading goes to the socket beneath, writing is
    whole and one writer at a time."""

    __slots__ = ("sock", "raw", "lock", "backlog")

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.raw = getattr(sock, "_sock", sock)  # under gevent, the system socket beneath (gevent's would wait)
        self.lock = threading.Lock()  # held by whoever writes; gevent's own under gevent
        self.backlog = b""  # the rest of a frame ``try_write`` could not write: it goes out before anything else

    @classmethod
    def install(cls, ws: Any) -> "SocketWriter":
        writer = ws.sock if isinstance(ws.sock, cls) else cls(ws.sock)
        ws.sock = writer
        return writer

    # -- simple-websocket's calls (its frames: a close, a pong, the answer to a client's close) -----------
    def send(self, data: bytes) -> int:
        with self.lock:
            self.write_all(data)
        return len(data)

    sendall = send

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def __getattr__(self, name: str) -> Any:  # anything else a server's socket offers
        return getattr(self.sock, name)

    # -- ours, with ``lock`` held --------------------------------------------------------------------------
    def write_all(self, data: bytes) -> None:
        """Write the backlog and ``data`` whole, waiting for room as long as it takes (this greenlet or thread
        only: the others' writes are queued meanwhile, or wait for the lock)."""
        if self.backlog:
            data, self.backlog = self.backlog + data, b""
        if data:
            self.sock.sendall(data)

    def try_write(self, data: bytes) -> bool:
        """Write ``data`` without waiting: True if all or part of it went (the rest is the backlog), False if
        nothing did (the buffer is full, a TLS socket, a backlog already waiting, the socket gone)."""
        if self.backlog or self.raw.gettimeout() not in (None, 0.0):  # a timeout: Python would wait for room
            return False
        try:
            sent = self.raw.send(data, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError, ValueError, OSError):  # ValueError: TLS takes no flags
            return False
        if sent < len(data):
            self.backlog = data[sent:]
        return True
