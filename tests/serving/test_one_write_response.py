"""gunicorn's answers under ``relais serve`` (kernel/serving/response.py): the head and the body in one write, where
gunicorn wrote them apart (two system calls, two TCP segments for each API answer)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi

from kernel.serving.response import OneWriteResponse


class Sock:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def _answer(cls, status: str, headers: list, body: list[bytes], method: str = "POST") -> list[bytes]:
    sock = Sock()
    request = SimpleNamespace(version=(1, 1), method=method, should_close=lambda: False)
    response = cls(request, sock, Config())
    response.start_response(status, headers)
    for part in body:
        response.write(part)
    response.close()
    return sock.writes


@pytest.mark.parametrize("cls, writes", [(wsgi.Response, 2), (OneWriteResponse, 1)])
def test_an_answer_with_a_length_is_one_write(cls, writes) -> None:
    sent = _answer(cls, "201 CREATED", [("Content-Type", "application/json"), ("Content-Length", "11")],
                   [b'{"id": 42}\n'])
    assert len(sent) == writes
    head, _, body = b"".join(sent).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 CREATED\r\n") and b"Content-Length: 11" in head
    assert body == b'{"id": 42}\n'


def test_the_other_answers_are_what_gunicorn_writes() -> None:
    # Chunked (no length), several parts; no body at all (204): the same bytes as gunicorn's, in fewer writes.
    for status, headers, body, fewer in [("200 OK", [("Content-Type", "text/plain")], [b"un", b"deux"], True),
                                         ("204 NO CONTENT", [], [], False)]:
        ours = _answer(OneWriteResponse, status, headers, body)
        theirs = _answer(wsgi.Response, status, headers, body)
        strip = [b"\r\n".join(line for line in b"".join(w).split(b"\r\n") if not line.startswith(b"Date:"))
                 for w in (ours, theirs)]
        assert strip[0] == strip[1]
        assert len(ours) < len(theirs) if fewer else len(ours) == len(theirs) == 1
