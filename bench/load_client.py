"""bench/load.py's clients: processes each holding a share of the sockets, on asyncio, each socket a small
WebSocket client protocol of its own (RFC 6455) rather than the `websockets` library.

Why not `websockets`: its per-message machinery (a frame reader task, a queue and an ``async for`` wake-up per
message) cost 120–190 µs of CPU per delivery, on the same 2 cores as the nodes it measures: about as much as the
node's own fan-out. Here a delivery is one ``data_received`` call parsing the frames in the bytes it was handed.

What it checks is unchanged: the handshake's ``101`` and ``Sec-WebSocket-Accept``, the server's ``hello`` first,
then every ``message.created`` of the socket's conversation counted once per socket (a twice is an extra) with
its fan-out latency, one of another conversation counted as stray. It answers the server's pings (the node's
keeper lets a socket go that does not), answers a close, and counts sockets the server closed.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import socket
import time
from typing import Any

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0


class Tally:
    """What one client process saw, over all its sockets."""

    def __init__(self) -> None:
        self.received: dict[int, int] = {}  # message number -> deliveries
        self.latencies: list[float] = []
        self.stray = 0  # events about an exchange the socket's user is not in
        self.dropped = 0  # sockets the server closed


def _client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked frame, as a client must send (pongs and the close answer: under 126 bytes)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + masked


class LiveClient(asyncio.Protocol):
    def __init__(self, tally: Tally, host: str, token: str, exchange_id: int) -> None:
        self.tally, self.host, self.token, self.exchange_id = tally, host, token, exchange_id
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.hello: asyncio.Future = asyncio.get_running_loop().create_future()
        self.transport: Any = None
        self.buffer = bytearray()
        self.upgraded = False
        self.closing = False
        self.parts: list[bytes] = []  # a fragmented message's parts so far

    # -- asyncio --------------------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write((f"GET /ws HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"Authorization: Bearer {self.token}\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded and not self._handshake():
            return
        self._frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(f"closed before hello: {exc}"))
        elif not self.closing:
            self.tally.dropped += 1
        self.closing = True

    # -- the protocol ---------------------------------------------------------------------------------
    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        accept = base64.b64encode(hashlib.sha1(self.key.encode() + _GUID).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        if not head[0].startswith("HTTP/1.1 101") or headers.get("sec-websocket-accept") != accept:
            self._fail(f"handshake refused: {head[0]}")
            return False
        self.upgraded = True
        return True

    def _frames(self) -> None:
        buffer, at = self.buffer, 0
        while len(buffer) - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            size, start = second & 0x7F, at + 2
            if second & 0x80:
                self._fail("masked frame from the server")
                return
            if size == 126:
                if len(buffer) - at < 4:
                    break
                size, start = int.from_bytes(buffer[at + 2:at + 4], "big"), at + 4
            elif size == 127:
                if len(buffer) - at < 10:
                    break
                size, start = int.from_bytes(buffer[at + 2:at + 10], "big"), at + 10
            if len(buffer) - start < size:
                break
            payload, at = bytes(buffer[start:start + size]), start + size
            self._frame(first & 0x0F, bool(first & 0x80), payload)
            if self.closing:
                return
        del buffer[:at]

    def _frame(self, opcode: int, final: bool, payload: bytes) -> None:
        if opcode in (TEXT, CONTINUATION):
            self.parts.append(payload)
            if final:
                text, self.parts = b"".join(self.parts).decode(), []
                self._message(text)
        elif opcode == PING:
            self.transport.write(_client_frame(PONG, payload))
        elif opcode == CLOSE:
            self.tally.dropped += 1
            self.closing = True
            self.transport.write(_client_frame(CLOSE, payload[:2]))
            self.transport.close()

    def _message(self, text: str) -> None:
        now = time.monotonic()
        event = json.loads(text)
        if not self.hello.done():
            if event.get("type") == "hello":
                self.hello.set_result(event)
            else:
                self._fail(f"first message is no hello: {text[:80]}")
            return
        if event.get("type") != "message.created":
            return
        if event["exchange_id"] != self.exchange_id:
            self.tally.stray += 1
            return
        body = event["data"].get("body", "")
        if body.startswith("L "):
            _, number, sent = body.split()
            number = int(number)
            self.tally.received[number] = self.tally.received.get(number, 0) + 1
            self.tally.latencies.append((now - float(sent)) * 1000)

    def _fail(self, why: str) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(why))
        self.closing = True
        self.transport.abort()


async def connect(tally: Tally, host: str, token: str, exchange_id: int, timeout: float = 60) -> LiveClient:
    """One socket past its hello (raises if refused, closed or silent)."""
    name, port = host.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    transport, client = await asyncio.wait_for(loop.create_connection(
        lambda: LiveClient(tally, host, token, exchange_id), name, int(port)), timeout)
    try:
        await asyncio.wait_for(client.hello, timeout)
    except BaseException:
        transport.abort()
        raise
    return client


class Poster:
    """A kept-alive HTTP/1.1 connection posting JSON, reading each answer's status and body by its
    Content-Length: http.client parses every answer's headers with the email package, which cost the posting
    threads a third of a millisecond per message on the cores the node needs."""

    def __init__(self, host: str, timeout: float = 30) -> None:
        self.host, self.timeout = host, timeout
        self.sock: Any = None
        self.buffer = b""

    def post(self, path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
        """The answer's status; raises OSError when the connection fails (then closed: the next post reopens)."""
        try:
            return self._request(method, path, body, headers)
        except (OSError, ValueError):
            self.close()
            raise ConnectionError(f"{method} {path} failed")

    def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.sock is None:
            name, port = self.host.rsplit(":", 1)
            self.sock = socket.create_connection((name, int(port)), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{lines}Content-Length: {len(body)}\r\n\r\n"
                          .encode() + body)
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        found = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
        if found is None:
            raise ValueError("an answer without Content-Length")
        length = int(found[1])
        while len(self.buffer) < length:
            self._more()
        self.buffer = self.buffer[length:]
        if re.search(rb"(?im)^connection:\s*close", head):
            self.close()
        return status

    def _more(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        self.buffer += data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None
