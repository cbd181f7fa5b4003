"""A relay that only goes as far as STARTTLS, on a blocking OpenSSL socket, for what the asyncio test server
cannot show: a real relay's TLS alerts (aiosmtpd drops the alert OpenSSL writes when a handshake fails, so its
client only sees the line close), and a line that breaks in the middle of the handshake."""
from __future__ import annotations

import socket
import ssl
import struct
import threading
from contextlib import contextmanager
from typing import Iterator

LOOPBACK = "127.0.0.1"


def _greet_until_starttls(conn: socket.socket) -> bool:
    reader = conn.makefile("rb")
    conn.sendall(b"220 stub.relay ESMTP\r\n")
    for line in reader:
        verb = line.strip().upper()
        if verb.startswith((b"EHLO", b"HELO")):
            conn.sendall(b"250-stub.relay\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            return True
        else:
            conn.sendall(b"502 5.5.2 Not here\r\n")
    return False


def _serve_one(conn: socket.socket, behaviour: str, context: ssl.SSLContext | None) -> None:
    with conn:
        if not _greet_until_starttls(conn):
            return
        if behaviour == "reset":  # the line breaks once the client hello is sent: a RST, not a TLS alert
            conn.recv(4096)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if behaviour == "eof":  # closed cleanly before answering the client hello
            conn.recv(4096)
            conn.shutdown(socket.SHUT_RDWR)
            return
        assert context is not None
        try:  # OpenSSL sends its alert (certificate required, unknown CA...) before failing here
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass


@contextmanager
def stub_relay(behaviour: str, context: ssl.SSLContext | None = None) -> Iterator[int]:
    """A port where each connection is greeted up to STARTTLS, then: ``"tls"`` handshakes with ``context``
    (a server context requiring a client certificate sends a real alert), ``"reset"`` or ``"eof"`` breaks
    the line mid-handshake."""
    listener = socket.create_server((LOOPBACK, 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            conn.settimeout(10)
            _serve_one(conn, behaviour, context)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()
