"""gunicorn's HTTP answer, its head and its body written in one system call.

gunicorn writes an answer's status line and headers, then its body, each with a ``sendall`` of its own: two
system calls and two TCP segments for every API answer (a sent message's 201), where the head alone is a few
hundred bytes. ``OneWriteResponse`` keeps the head until the body's first part (or the answer's end, when it
has none) and writes both at once. Installed by the worker (kernel/serving/worker.py) as the class gunicorn's
``wsgi.create`` builds answers with.
"""
from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi


class _Kept:
    """Takes what gunicorn's ``send_headers`` writes, instead of the socket."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


class OneWriteResponse(wsgi.Response):
    head = b""  # the status line and headers, not yet written

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        sock, kept = self.sock, _Kept()
        self.sock = kept  # gunicorn's own formatting of the head, written aside
        try:
            super().send_headers()
        finally:
            self.sock = sock
        self.head = kept.data

    def _emit_body(self, data: bytes) -> None:
        if not self.head:
            super()._emit_body(data)
            return
        head, self.head = self.head, b""
        if self.chunked:
            data = b"%X\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(head + data)

    def sendfile(self, respiter: Any) -> bool:
        self.send_headers()
        self._write_head()  # a file goes out by sendfile, after the head
        return super().sendfile(respiter)

    def close(self) -> None:
        if not self.headers_sent:
            self.send_headers()
        head, self.head = self.head, b""
        end = b"0\r\n\r\n" if self.chunked else b""  # gunicorn's last chunk
        if head or end:
            self.sock.sendall(head + end)

    def _write_head(self) -> None:
        head, self.head = self.head, b""
        if head:
            self.sock.sendall(head)


def install() -> None:
    """Make gunicorn build every HTTP/1 answer of this process as a ``OneWriteResponse``."""
    wsgi.Response = OneWriteResponse  # type: ignore[misc]  # looked up by wsgi.create at each request
