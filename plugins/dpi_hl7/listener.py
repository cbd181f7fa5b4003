"""A small HL7 software on loopback: receives MDM^T02 over MLLP, reads them with hl7apy, answers an ACK.

It serves the tests (a software that accepts, refuses, stalls, or closes mid-message) and the demo (demo.py).
It keeps each document once, by its message control id (MSH-10): a message sent again after a lost ACK is
acknowledged without being stored twice, as a real software's deduplication would.
"""
from __future__ import annotations

import logging
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field

from hl7apy.parser import parse_message

from .message import build_ack, read_ed
from .mllp import frame, read_frame

log = logging.getLogger(__name__)

ACCEPT, REFUSE, STALL, CLOSE_MID_MESSAGE, LOSE_ACK = "accept", "refuse", "stall", "close_mid_message", "lose_ack"


@dataclass(frozen=True)
class ReceivedDocument:
    control_id: str
    patient_ids: tuple[str, ...]     # PID-3 repetitions, as "id^^^&oid&ISO^type"
    family_name: str
    document_type: str               # TXA-2
    content: bytes


@dataclass
class LoopbackSoftware:
    """``mode``: accept (AA), refuse (AE with ``reason``), stall (never answers), close_mid_message (closes
    while the message arrives), lose_ack (stores the document, closes before answering). ``failures``: how
    many messages get the failing mode before the software accepts (0: always)."""

    mode: str = ACCEPT
    reason: str = "Patient inconnu dans le logiciel."
    failures: int = 0
    documents: dict[str, ReceivedDocument] = field(default_factory=dict)
    messages_seen: int = 0
    port: int = 0
    _server: socketserver.ThreadingTCPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def start(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> "LoopbackSoftware":
        """Listen on ``host:port`` (0: any free port); with ``tls``, MLLP inside TLS (a server context)."""
        software = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock = self.request
                if tls is not None:
                    try:
                        sock = tls.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError):
                        return  # a client that does not pass the handshake gets nothing
                software._serve(sock)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="dpi_hl7-test-software", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()  # releases a stalled connection
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _mode_now(self) -> str:
        with self._lock:
            self.messages_seen += 1
            if self.failures and self.messages_seen > self.failures:
                return ACCEPT
            return self.mode

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        rest = b""
        try:
            while True:
                first = rest or sock.recv(16)
                if not first:
                    return
                mode = self._mode_now()  # counted as a message begins
                if mode == CLOSE_MID_MESSAGE:
                    return  # the line drops while the message is on its way
                content, rest = read_frame(sock, first)
                if content is None:
                    return
                if mode == STALL:
                    self._stopped.wait(60)
                    return
                answer = self._receive(content.decode("utf-8", errors="replace"), mode)
                if mode == LOSE_ACK:
                    return  # stored, but the acknowledgement never leaves
                sock.sendall(frame(answer))
        except OSError:
            return

    def _receive(self, text: str, mode: str) -> str:
        message = parse_message(text.replace("\n", "\r").strip("\r"), find_groups=True)
        control_id = message.msh.msh_10.value
        if mode == REFUSE:
            return build_ack(message, "AE", "Document refusé", self.reason)
        try:
            obx = message.mdm_t02_observation.obx
            _, _, content = read_ed(obx.obx_5.to_er7())
            patient_ids = tuple(r.to_er7() for r in message.pid.pid_3)
            family = message.pid.pid_5.xpn_1.to_er7() if message.pid.pid_5 else ""
        except Exception as exc:
            return build_ack(message, "AE", "Message illisible", f"MDM^T02 incomplet : {type(exc).__name__}")
        with self._lock:
            if control_id not in self.documents:  # the same message again: acknowledged, not stored twice
                self.documents[control_id] = ReceivedDocument(control_id, patient_ids, family,
                                                              message.txa.txa_2.to_er7(), content)
        return build_ack(message, "AA")
