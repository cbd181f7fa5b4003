"""The demo's stand-in for the outside MSSanté operators (``relais demo`` only, setting ``demo``).

The demo is its own operator for its own domain (local delivery, kernel/mail/inbound.py); the
professionals of the fictitious directory (kernel/demo_directory.py) and the patients' Mon Espace Santé
mailboxes are elsewhere. This loopback SMTP server is the demo's relay: it accepts mail for those
domains only (anything else: 550, as an operator would answer for an unknown mailbox) and, for each
recipient, sends back what their mail system would: a "processed" disposition notification (RFC 8098),
so the sender sees « remis ». The notification comes in through the platform's one way in
(``accept``), as one fetched from an operator.
"""
from __future__ import annotations

import asyncio
import logging
import socket
from email.utils import make_msgid
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask, current_app

from .demo_directory import OUTSIDE_DOMAIN, is_outside_address
from .ins import MES_DOMAIN
from .mail.compose import parse
from .mail.inbound import accept
from .mail.mdn import build_mdn
from .relais import current_relais

log = logging.getLogger(__name__)
UNKNOWN = "550 5.1.1 Destinataire inconnu de l'operateur de demonstration"


def serves(address: str) -> bool:
    """The fictitious directory's mailboxes, and the demo patients' Mon Espace Santé (<INS>@patient.mssante.fr)."""
    return is_outside_address(address) or address.rpartition("@")[2].lower() == MES_DOMAIN


def acknowledge(app: Flask, raw: bytes, recipients: list[str]) -> None:
    """Each recipient's mail system acknowledges the message, if its sender asked (Disposition-Notification-To)."""
    original = parse(raw)
    notify = str(original.get("Disposition-Notification-To", "") or "").strip().strip("<>")
    if not notify:
        return
    with app.app_context():
        for address in recipients:
            report = build_mdn(original, address, notify, make_msgid(domain=OUTSIDE_DOMAIN)[1:-1])
            accept(report.as_bytes(), "", [notify], source="smtp", peer="operateur-demo")


class _Handler:
    def __init__(self, app: Flask) -> None:
        self.app = app

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        if not serves(address):
            return UNKNOWN
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        recipients = list(envelope.rcpt_tos)

        def later() -> None:
            try:
                acknowledge(self.app, raw, recipients)
            except Exception:
                log.exception("demo operator: the acknowledgement could not be delivered")
        # After answering 250: the sender records "envoyé" first, then the acknowledgement makes it « remis ».
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, loop.run_in_executor, None, later)
        return "250 2.0.0 Message accepte"


class DemoOperator:
    """A service added by ``relais demo``: listens on a free loopback port and becomes the platform's relay."""

    name = "kernel.demo_operator"

    def __init__(self) -> None:
        self.controller: Controller | None = None
        self.port = 0

    def start(self) -> None:
        config = current_relais().config
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(_Handler(current_app._get_current_object()), hostname="127.0.0.1", port=port,
                                ident="Operateur MSSante de demonstration", decode_data=False,
                                enable_SMTPUTF8=True, data_size_limit=config["mail_max_bytes"])
        controller.start()
        self.controller, self.port = controller, port
        # Mail to the platform's own domain is still delivered locally; everything else comes here.
        config.update(mail_relay_host="127.0.0.1", mail_relay_port=port, mail_relay_starttls=False)
        log.info("demo operator (*.%s, %s) listening on 127.0.0.1:%s", OUTSIDE_DOMAIN, MES_DOMAIN, port)

    def stop(self) -> None:
        controller, self.controller = self.controller, None
        if controller is not None:
            try:
                controller.stop()
            except Exception:  # stop() must not raise
                log.exception("demo operator did not stop cleanly")
