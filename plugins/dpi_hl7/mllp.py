"""MLLP (Minimal Lower Layer Protocol): one HL7 message per frame, 0x0B <message> 0x1C 0x0D, over TCP (or TLS)."""
from __future__ import annotations

import socket
import ssl

from kernel import SoftwareUnreachable, SoftwareUntrusted

START, END = b"\x0b", b"\x1c\x0d"
MAX_FRAME = 64 * 1024 * 1024  # an ACK is small; a document's frame is bounded by the attachment limit


class Unreachable(SoftwareUnreachable):
    """The software could not be reached or did not answer in time: worth trying again later."""


class Untrusted(SoftwareUntrusted):
    """The software's certificate is not the one expected: no retry will fix it, the deployer must."""


def frame(message: str) -> bytes:
    return START + message.encode("utf-8") + END


def read_frame(sock: socket.socket, first: bytes = b"") -> tuple[bytes | None, bytes]:
    """One frame's content from ``sock`` (None when the peer closed before a whole frame), and what followed."""
    buffer = first
    while True:
        end = buffer.find(END)
        if end != -1:
            start = buffer.find(START)
            return buffer[start + 1 if start != -1 else 0:end], buffer[end + len(END):]
        if len(buffer) > MAX_FRAME:
            return None, b""
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk


def send(host: str, port: int, message: str, timeout: float, tls: ssl.SSLContext | None = None) -> str:
    """Send one message and return the software's answer (its ACK, as text); raise Unreachable when the
    connection is refused, reset, closed before an answer, or the answer takes longer than ``timeout``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            sock = tls.wrap_socket(raw, server_hostname=host) if tls is not None else raw
            sock.settimeout(timeout)
            sock.sendall(frame(message))
            answer, _ = read_frame(sock)
    except socket.timeout as exc:
        raise Unreachable(f"no answer from {host}:{port} within {timeout:g} s") from exc
    except ssl.SSLCertVerificationError as exc:
        raise Untrusted(f"{host}:{port}: {exc.verify_message or exc}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise Unreachable(f"{host}:{port}: {type(exc).__name__}: {exc}") from exc
    if answer is None:
        raise Unreachable(f"{host}:{port} closed the connection before answering")
    return answer.decode("utf-8", errors="replace")


def tls_context(ca_file: str = "", cert_file: str = "", key_file: str = "") -> ssl.SSLContext:
    """A client context checking the software's certificate (``ca_file`` or the system's), with our
    certificate when the software asks for one."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context
