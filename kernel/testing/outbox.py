"""The captured outbox: mail the kernel's transport queued, read back as tests want it, and sent to a
local SMTP capture instead of an operator's relay."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from ..mail.compose import parse
from ..mail.models import MAIL, OutgoingMail, OutgoingRecipient
from ..relais import Relais

LOOPBACK = "127.0.0.1"
RELAY_SETTINGS = ("mail_relay_host", "mail_relay_port", "mail_relay_starttls")


@dataclass
class CapturedMail:
    """One queued mail, parsed from the bytes the relay will receive (``message`` is the whole EmailMessage)."""

    id: int
    message_id: str
    mail_from: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, str, bytes]]  # (file name, content type, content)
    statuses: dict[str, str]  # address -> pending, sent, delivered, read, failed
    exchange_id: int | None
    kernel_message_id: int | None
    message: EmailMessage


@dataclass
class Relayed:
    """What the SMTP capture received: the envelope and the bytes."""

    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return parse(self.data)


@dataclass
class _Recorder:
    received: list[Relayed] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Relayed(envelope.mail_from, list(envelope.rcpt_tos),
                                     envelope.original_content or envelope.content))
        return "250 2.0.0 OK queued"


class Outbox:
    """``mails()`` lists what was queued; ``send()`` runs the due jobs with the relay pointed at a local
    SMTP capture and returns what it received (``relayed`` keeps everything received so far)."""

    def __init__(self, relais: Relais) -> None:
        self.relais = relais
        self._recorder = _Recorder()
        self._controller: Controller | None = None
        self._saved: dict[str, Any] = {}  # the app's relay settings while they point at the capture

    def mails(self, kind: str = MAIL) -> list[CapturedMail]:
        """Every queued mail of ``kind`` ("mail", or "mdn" for acknowledgements), oldest first, whatever
        its status."""
        rows = list(OutgoingMail.select().where(OutgoingMail.kind == kind).order_by(OutgoingMail.id))
        return [self._captured(row) for row in rows]

    @property
    def relayed(self) -> list[Relayed]:
        return list(self._recorder.received)

    def send(self) -> list[Relayed]:
        """Run due jobs (the outbox's send jobs among them) against the capture; returns what it received."""
        before = len(self._recorder.received)
        if self._controller is None:
            port = self._free_port()
            self._controller = Controller(self._recorder, hostname=LOOPBACK, port=port, decode_data=False)
            self._controller.start()
            # A test's own relay: plain SMTP on loopback, whatever the app was configured with (until close).
            self._saved = {key: self.relais.config[key] for key in RELAY_SETTINGS}
            self.relais.config.update(mail_relay_host=LOOPBACK, mail_relay_port=port, mail_relay_starttls=False)
        self.relais.jobs.run_pending()
        return self._recorder.received[before:]

    def close(self) -> None:
        """Stop the capture and give the app its own relay settings back."""
        if self._controller is not None:
            self.relais.config.update(self._saved)
            self._saved = {}
            self._controller.stop()
            self._controller = None

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as sock:
            sock.bind((LOOPBACK, 0))
            return sock.getsockname()[1]

    def _captured(self, row: OutgoingMail) -> CapturedMail:
        msg = parse(bytes(row.raw))
        recipients = list(OutgoingRecipient.select().where(OutgoingRecipient.outgoing == row)
                          .order_by(OutgoingRecipient.id))
        text, html = msg.get_body(("plain",)), msg.get_body(("html",))
        return CapturedMail(
            id=row.id, message_id=row.message_id, mail_from=row.mail_from,
            to=[r.address for r in recipients if r.role == "to"], cc=[r.address for r in recipients if r.role == "cc"],
            subject=str(msg.get("Subject", "")), text=text.get_content() if text is not None else "",
            html=html.get_content() if html is not None else "",
            attachments=[(part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True) or b"")
                         for part in msg.iter_attachments()],
            statuses={r.address: r.status for r in recipients}, exchange_id=row.exchange_id,
            kernel_message_id=row.kernel_message_id, message=msg)
