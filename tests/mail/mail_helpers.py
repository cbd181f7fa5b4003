"""Shared by the mail tests: throwaway certificates, a recording SMTP server, apps wired for mail."""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from email import policy as email_policy
from email.message import EmailMessage
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kernel.db import utcnow
from kernel.mail.receiver import MailReceiver, _free_port
from kernel.models import Job
from plugins.mssante_mail import hooks as mail_plugin

LOOPBACK = "127.0.0.1"


# --- certificates ---------------------------------------------------------------------------------

@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing we use: trusting it must fail


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(path: Path, cert: x509.Certificate, key: Any | None = None) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _ca(cn: str) -> tuple[x509.Certificate, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca: x509.Certificate, ca_key: Any, cn: str, usage: Any, server: bool) -> tuple[x509.Certificate, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(LOOPBACK)), x509.DNSName("localhost")]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def make_pki(folder: Path) -> Pki:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca("Relais test CA")
    server, server_key = _leaf(ca, ca_key, "relay.test", ExtendedKeyUsageOID.SERVER_AUTH, True)
    client, client_key = _leaf(ca, ca_key, "relais-sante.test", ExtendedKeyUsageOID.CLIENT_AUTH, False)
    other, _ = _ca("Unrelated CA")
    _write(folder / "ca.pem", ca)
    _write(folder / "server.pem", server, server_key)
    _write(folder / "client.pem", client, client_key)
    _write(folder / "other-ca.pem", other)
    return Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key", folder / "client.pem",
               folder / "client.key", folder / "other-ca.pem")


def server_tls(pki: Pki, require_client: bool = True) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client:
        context.load_verify_locations(cafile=str(pki.ca))
        context.verify_mode = ssl.CERT_REQUIRED
    return context


# --- a recording SMTP server (the "operator" of the tests) ----------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer_cert: dict | None


@dataclass
class SinkHandler:
    messages: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." to refuse it
    data_reply: str = "250 2.0.0 OK queued"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply.startswith("250"):
            cert = session.ssl.get("peercert") if isinstance(getattr(session, "ssl", None), dict) else None
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content, cert))
        return self.data_reply


class StallingHandler(SinkHandler):
    """A relay that holds the ``stall_on``-th DATA until ``go_on`` is set (``stalled`` says it is holding),
    then accepts it, or answers ``then`` (say "451 ..." for a sender killed meanwhile)."""

    def __init__(self, stall_on: int = 1, then: str | None = None) -> None:
        super().__init__()
        self.stall_on, self.then = stall_on, then
        self.data_commands = 0
        self.stalled = threading.Event()
        self.go_on = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        if self.data_commands == self.stall_on:
            self.stalled.set()
            while not self.go_on.is_set():
                await asyncio.sleep(0.01)
            if self.then is not None:
                return self.then
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def smtp_sink(port: int | None = None, tls: ssl.SSLContext | None = None, require_starttls: bool = False,
              handler: SinkHandler | None = None) -> Iterator[tuple[SinkHandler, int]]:
    handler = handler or SinkHandler()
    port = port or _free_port(LOOPBACK)
    controller = Controller(handler, hostname=LOOPBACK, port=port, tls_context=tls,
                            require_starttls=require_starttls, decode_data=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# --- apps ---------------------------------------------------------------------------------------

def mail_settings(domain: str, **more: Any) -> dict[str, Any]:
    return {"mail_domains": [domain], "mail_receiver_port": 0, "mail_retry_seconds": 30.0, **more}


def mail_app(make_app: Any, backend: str = "sqlite", domain: str = "a.mssante.fr", **more: Any) -> Any:
    return make_app(backend, plugins=[("mssante_mail", mail_plugin)], **mail_settings(domain, **more))


@contextmanager
def running_receiver(app: Any) -> Iterator[MailReceiver]:
    receiver = MailReceiver()
    with app.app_context():
        receiver.start()
    assert receiver.controller is not None, "the receiver did not start"
    try:
        yield receiver
    finally:
        receiver.stop()


def make_jobs_due() -> int:
    """Time passes: every pending job becomes due now (retries are scheduled minutes ahead)."""
    return Job.update(run_at=utcnow()).where(Job.status == "pending").execute()




def publish_address(address: str, name: str = "Destinataire EXTERNE") -> None:
    """Make ``address`` a valid recipient: published in the national directory when that table exists,
    else known to the platform as an address held by an identity without account."""
    import kernel.models as models
    from kernel.models import Identity, MailAddress

    directory = getattr(models, "DirectoryAddress", None)
    if directory is not None:
        entry = models.DirectoryEntry.create(key=f"bal:{address}", kind="person", source="annuaire",
                                             display_name=name)
        directory.create(address=address, entry=entry, bal_type="PER", source="annuaire")
        return
    identity = Identity.create(kind="person", display_name=name, mssante_eligible=True)
    MailAddress.create(identity=identity, address=address)


def relais_of(app: Any) -> Any:
    return app.extensions["relais"]


def mdn_report(original_message_id: str, disposition: str, *, error: str = "", subject: str = "Accuse",
               message_id: str = "<mdn-x@chu.mssante.fr>") -> bytes:
    """A disposition notification from paul.noir@chu.mssante.fr to julie@a.mssante.fr, written by hand
    as another operator's system sends it (not with the code under test). ``error``: an ``Error:`` field
    (the RFC 3798 form; STANDARDS.md's puts it in ``disposition``)."""
    return (f"From: paul.noir@chu.mssante.fr\r\nTo: julie@a.mssante.fr\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            f"Message-ID: {message_id}\r\n"
            f"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"B\"\r\n\r\n"
            f"--B\r\nContent-Type: text/plain\r\n\r\n{subject}\r\n--B\r\n"
            f"Content-Type: message/disposition-notification\r\n\r\n"
            f"Final-Recipient: rfc822;paul.noir@chu.mssante.fr\r\nOriginal-Message-ID: {original_message_id}\r\n"
            f"Disposition: {disposition}\r\n" + (f"Error: {error}\r\n" if error else "") + "\r\n--B--\r\n").encode()


def operator_mail(n: int, to: str, *, attachment: bytes | None = None, mdn: bool = True, tag: str = "held") -> bytes:
    """A mail from secretariat@chu.mssante.fr as the external operator stores it (Return-Path written by its
    delivery agent), Message-ID ``<{tag}-{n}@chu.mssante.fr>``, asking for an acknowledgement unless ``mdn``
    is false."""
    msg = EmailMessage()
    msg["Return-Path"] = "<secretariat@chu.mssante.fr>"
    msg["From"] = "secretariat@chu.mssante.fr"
    msg["To"] = to
    msg["Subject"] = f"Compte rendu confidentiel {n}"
    msg["Message-ID"] = f"<{tag}-{n}@chu.mssante.fr>"
    if mdn:
        msg["Disposition-Notification-To"] = "secretariat@chu.mssante.fr"
    msg.set_content(f"Contenu médical {n}")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="cr.pdf")
    return msg.as_bytes(policy=email_policy.SMTP)
