"""The built-in SMTP receiver (aiosmtpd): the platform as its own operator for its mail domains."""
from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import TLSSetupException
from flask import Flask, current_app

from ..relais import current_relais
from .inbound import Reply, accept, check_recipient
from .mailbox import NoInboundChannel, inbound_channel
from .tls import receiver_context, transport_warnings

log = logging.getLogger(__name__)


class _DeliberateClientCertificates(logging.Filter):
    """aiosmtpd warns, on every connection, that a context requiring client certificates "might cause client
    connection problems": requiring them is the point (mutual TLS with the operators), so that line goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("tls_context.verify_mode not in")


_QUIET = _DeliberateClientCertificates()
logging.getLogger("mail.log").addFilter(_QUIET)  # the same object each time: added once per process
TRY_AGAIN_LATER = "451 4.3.0 Erreur temporaire, reessayez plus tard"


class _Handler:
    """aiosmtpd hooks; database work runs in worker threads, each inside an app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    async def _in_app(self, func: Callable[..., Any], *args: Any) -> Any:
        def run() -> Any:
            with self.app.app_context():
                return func(*args)
        return await asyncio.get_running_loop().run_in_executor(None, run)

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list) -> list:
        # No AUTH is accepted here (operators authenticate by client certificate): none is advertised.
        session.host_name = hostname
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):
            # A client without an acceptable certificate, or speaking another TLS: its problem, told in one line.
            cause = error.__cause__ or error
            log.warning("SMTP receiver: TLS handshake refused (%s: %s)", type(cause).__name__,
                        getattr(cause, "reason", None) or str(cause)[:200])
            return "421 4.7.0 Negociation TLS refusee"
        log.exception("SMTP receiver: session error")
        return f"500 Error: ({type(error).__name__})"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        try:
            code, text = await self._in_app(_recipient_reply, address)
        except NoInboundChannel as exc:
            # The platform's setup, not this mail: one line (the sender retries, and each try says it again).
            log.warning("SMTP receiver: mail refused for now (451), no channel to file it under: %s", exc)
            return TRY_AGAIN_LATER
        except Exception:
            log.exception("SMTP receiver: recipient check failed")
            return TRY_AGAIN_LATER
        if code == 250:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"
        await self._in_app(_audit_refusal, address, envelope.mail_from, _peer(session), code, text)
        return f"{code} {text}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            mail_from, recipients, peer = envelope.mail_from or "", list(envelope.rcpt_tos), _peer(session)
            replies = await self._in_app(lambda: accept(raw, mail_from, recipients, source="smtp", peer=peer,
                                                        authenticated=_verified_client(session)))
        except Exception:
            # Nothing was stored (one transaction): the sender keeps the message and retries.
            log.exception("SMTP receiver: storing an incoming message failed")
            return TRY_AGAIN_LATER
        codes = {code for code, _ in replies.values()}
        if any(200 <= c < 300 for c in codes):
            return "250 2.0.0 Message accepte"
        code, text = next(iter(replies.values()), (554, "5.0.0 Aucun destinataire"))
        return f"{code} {text}"


def _recipient_reply(address: str) -> Reply:
    """``check_recipient``, and for an address the platform holds, the channel its mail would be filed
    under: without one (``NoInboundChannel``) the mail is refused at RCPT, before the sender sends it."""
    reply = check_recipient(address)
    if reply[0] == 250:
        inbound_channel()
    return reply


def _verified_client(session: Any) -> bool:
    """The session presented a client certificate that ``mail_receiver_client_ca`` verified (an operator's
    authenticated link). Without that setting no certificate is asked for, so none can vouch for a sender."""
    tls = getattr(session, "ssl", None)
    return bool(current_relais().config["mail_receiver_client_ca"] and isinstance(tls, dict) and tls.get("peercert"))


def _peer(session: Any) -> str:
    peer = getattr(session, "peer", None)
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "")


def _audit_refusal(address: str, mail_from: str, peer: str, code: int, text: str) -> None:
    current_relais().audit.record("mail.receive", target=f"address:{address.lower()[:100]}", outcome="refused",
                                  request_data={"source": "smtp", "peer": peer, "mail_from": mail_from,
                                                "rcpt_to": address, "response": [code, text]})


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class MailReceiver:
    """A service (``register_services``): started by ``relais serve``/``relais demo`` when
    ``mail_inbound = "smtp"``. If it cannot listen, the platform still serves; the log says why."""

    name = "kernel.mail.receiver"

    def __init__(self) -> None:
        self.controller: Controller | None = None
        self.host = ""
        self.port = 0

    def start(self) -> None:
        config = current_relais().config
        # Said once at start-up, where an operator reads: this is the mail service of `relais serve`.
        for warning in transport_warnings(config):
            log.warning("%s", warning)
        if config["mail_inbound"] not in ("smtp", "imap", "none"):
            log.error("mail_inbound is %r: expected smtp, imap or none; no mail will be received",
                      config["mail_inbound"])
            return
        if config["mail_inbound"] != "smtp":
            log.info("SMTP receiver not started: mail_inbound is %r", config["mail_inbound"])
            return
        host, port = config["mail_receiver_host"], config["mail_receiver_port"] or _free_port(config["mail_receiver_host"])
        tls = receiver_context(config)
        controller = Controller(
            _Handler(current_app._get_current_object()), hostname=host, port=port,
            server_hostname=(config["mail_domains"] or ["relais-sante"])[0], ident="Relais Sante ESMTP",
            tls_context=tls, require_starttls=bool(tls and config["mail_receiver_client_ca"]),
            data_size_limit=config["mail_max_bytes"], decode_data=False, enable_SMTPUTF8=True,
            auth_exclude_mechanism=["LOGIN", "PLAIN"])  # AUTH is refused: none offered (see handle_EHLO)
        try:
            controller.start()
        except Exception as exc:
            log.error("SMTP receiver could not listen on %s:%s (%s): the platform runs without receiving mail",
                      host, port, exc)
            return
        self.controller, self.host, self.port = controller, host, port
        log.info("SMTP receiver listening on %s:%s%s", host, port, " (STARTTLS)" if tls else "")

    def stop(self) -> None:
        controller, self.controller = self.controller, None
        if controller is None:
            return
        try:
            controller.stop()
        except Exception:  # stop() must not raise
            log.exception("SMTP receiver did not stop cleanly")
