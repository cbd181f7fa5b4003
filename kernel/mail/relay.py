"""Handing one message to the SMTP relay (smtplib): STARTTLS with a client certificate, every answer kept."""
from __future__ import annotations

import smtplib
import socket
import ssl
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

from .compose import seven_bit
from .tls import MailConfigError, client_context

Reply = tuple[int, str]


@dataclass
class RelayOutcome:
    """The relay's answers: per recipient (RCPT, then DATA for those accepted), or why it could not be asked."""

    replies: dict[str, Reply] = field(default_factory=dict)
    error: str = ""  # set when no recipient got a definite answer (relay unreachable, TLS refused...)
    permanent: bool = False  # the error will not go away by retrying (a configuration problem)
    reason: str = ""  # the error in French, for the user whose mail waits (set with ``error``)
    stage: str = "connect"  # how far the session went: connect, starttls (handshake), tls (after it), smtp
    tls: bool = False
    finished: bool = False  # the relay answered every command that mattered (DATA, or refused them all)
    transcript: list[str] = field(default_factory=list)  # commands and answers, no content


def _text(reply: Any) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")).replace("\n", " ")[:300]


class _RelaySmtp(smtplib.SMTP):
    """smtplib's client, keeping the relay's last word when a write fails over TLS.

    With TLS 1.3 a relay refusing the platform's certificate sends its alert after the handshake, then closes:
    our next command's write often fails first (the relay reset the line), and smtplib would only say "Server
    not connected". The alert is still there to read: it becomes the cause of the disconnection, for ``why``."""

    def send(self, s: Any) -> None:
        if not isinstance(self.sock, ssl.SSLSocket):
            return super().send(s)
        data = s.encode(self.command_encoding) if isinstance(s, str) else s
        sys.audit("smtplib.send", self, data)
        try:
            self.sock.sendall(data)
        except OSError as exc:
            last_word = _pending_tls_alert(self.sock)
            self.close()
            raise smtplib.SMTPServerDisconnected(f"Server not connected: {last_word or exc}") from (last_word or exc)
        return None


def _pending_tls_alert(sock: ssl.SSLSocket) -> ssl.SSLError | None:
    """The TLS error (an alert) the relay sent before the line broke, if it is still waiting to be read."""
    try:
        sock.settimeout(ALERT_READ_SECONDS)
        sock.recv(1)
    except ssl.SSLError as exc:
        return exc if _alert(exc) else None
    except OSError:
        return None
    return None


ALERT_READ_SECONDS = 2.0  # the line is already broken: the read ends at once, this only bounds the unexpected


def send_through_relay(config: Mapping[str, Any], mail_from: str, recipients: list[str], raw: bytes) -> RelayOutcome:
    outcome = RelayOutcome()
    host, port = config["mail_relay_host"], config["mail_relay_port"]
    try:
        context = client_context(config) if config["mail_relay_starttls"] else None
    except MailConfigError as exc:
        return RelayOutcome(error=str(exc), permanent=True, reason=UNUSABLE_SETTINGS)
    try:
        with _RelaySmtp(host, port, timeout=config["mail_timeout_seconds"]) as smtp:
            _exchange(smtp, context, mail_from, recipients, raw, outcome)
    except (OSError, smtplib.SMTPException) as exc:  # refused connection, timeout, TLS failure, lost line...
        if outcome.finished:
            # After the answers that count (a failed QUIT...): the message's fate is already known.
            outcome.transcript.append(f"after the transaction: {type(exc).__name__}")
        elif not outcome.error:
            outcome.error = f"{type(exc).__name__}: {exc}"[:300]
            outcome.reason, outcome.permanent = why(exc, outcome.stage, bool(config["mail_client_cert"]))
    if outcome.error and not outcome.reason:
        outcome.reason = UNREACHABLE
    if outcome.error:
        # Without a DATA answer nothing was accepted: no recipient keeps a success.
        outcome.replies = {r: reply for r, reply in outcome.replies.items() if reply[0] >= 400}
    return outcome


# Why a mail waits, in French, for its author (kernel/mail/README.md, "A relay's refusal keeps its reason").
# Configuration problems are the deployer's: retrying soon cannot help, so the next attempt waits longer.
UNREACHABLE = "le relais MSSanté ne répond pas pour le moment"
UNUSABLE_SETTINGS = ("les réglages de la messagerie sécurisée sont inutilisables (certificat client illisible) : "
                     "votre administrateur doit les corriger")
NO_STARTTLS = ("le relais MSSanté ne propose pas de connexion chiffrée (STARTTLS) : votre administrateur doit "
               "vérifier l'adresse du relais")
UNTRUSTED_SERVER = ("le certificat du relais MSSanté n'est pas reconnu (autorité non approuvée ou nom différent) : "
                    "votre administrateur doit vérifier la configuration")
NO_CLIENT_CERTIFICATE = ("le relais MSSanté exige le certificat de la plateforme (authentification mutuelle) et "
                         "aucun n'est configuré : votre administrateur doit l'installer")
CLIENT_CERTIFICATE_REFUSED = ("le relais MSSanté a refusé le certificat de la plateforme (authentification "
                              "mutuelle) : votre administrateur doit vérifier qu'il est valide et reconnu")


TLS_REFUSED = ("le relais MSSanté a refusé la connexion chiffrée (version ou réglages TLS incompatibles) : votre "
               "administrateur doit vérifier la configuration")
INTERRUPTED = "la connexion avec le relais MSSanté a été interrompue"

# TLS alerts (OpenSSL's reason, its SSLV3_/TLSV1_/TLSV13_ALERT_ prefix dropped) by which a relay says it
# wants, or refuses, the platform's certificate; and those by which it refuses the TLS settings themselves.
_CERTIFICATE_ALERTS = {"CERTIFICATE_REQUIRED", "BAD_CERTIFICATE", "CERTIFICATE_UNKNOWN", "UNKNOWN_CA",
                       "CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "UNSUPPORTED_CERTIFICATE", "ACCESS_DENIED"}
_SETTINGS_ALERTS = {"HANDSHAKE_FAILURE", "PROTOCOL_VERSION", "INSUFFICIENT_SECURITY", "NO_APPLICATION_PROTOCOL"}


def why(exc: BaseException, stage: str, client_certificate: bool) -> tuple[str, bool]:
    """(French reason, configuration problem?) for a session that failed at ``stage``.

    Only what the TLS layer says for sure is a configuration problem (retried in twenty minutes): our check of
    the relay's certificate failed, or the relay sent an alert about ours or about the TLS settings. A line
    reset or closed in the middle of it is a network incident like any other, retried soon."""
    tls_error = _tls_error(exc)
    if isinstance(tls_error, ssl.SSLCertVerificationError):
        return UNTRUSTED_SERVER, True
    alert = _alert(tls_error)
    if alert in _CERTIFICATE_ALERTS:
        # TLS 1.3: a relay wanting a client certificate says so in an alert read after the handshake, so it
        # arrives with the first answer after STARTTLS (smtplib then reports a disconnection caused by it).
        return (CLIENT_CERTIFICATE_REFUSED if client_certificate else NO_CLIENT_CERTIFICATE), True
    if alert in _SETTINGS_ALERTS:
        # TLS 1.2 has no "certificate required" alert: a relay missing ours answers "handshake failure".
        return (TLS_REFUSED if client_certificate else NO_CLIENT_CERTIFICATE), True
    if isinstance(exc, (ConnectionRefusedError, socket.timeout, TimeoutError, socket.gaierror)):
        return UNREACHABLE, False
    if stage in ("starttls", "tls") or isinstance(exc, (ConnectionError, smtplib.SMTPServerDisconnected)):
        return INTERRUPTED, False
    return f"{UNREACHABLE} ({type(exc).__name__})", False


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind ``exc``: itself, or what caused it (smtplib turns an error read on the line,
    a TLS alert included, into ``SMTPServerDisconnected``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _alert(error: ssl.SSLError | None) -> str | None:
    reason = getattr(error, "reason", None) or ""
    _, marker, alert = reason.partition("ALERT_")
    return alert if marker else None


def _exchange(smtp: smtplib.SMTP, context: ssl.SSLContext | None, mail_from: str, recipients: list[str],
              raw: bytes, outcome: RelayOutcome) -> None:
    outcome.stage = "smtp"
    code, text = smtp.ehlo()
    outcome.transcript.append(f"EHLO -> {code}")
    if context is not None:
        if not smtp.has_extn("starttls"):
            outcome.error, outcome.reason, outcome.permanent = "relay does not offer STARTTLS", NO_STARTTLS, True
            return
        outcome.stage = "starttls"
        code, text = smtp.starttls(context=context)
        outcome.transcript.append(f"STARTTLS -> {code}")
        if code != 220:
            outcome.error = f"STARTTLS refused: {code} {_text(text)}"
            return
        outcome.tls, outcome.stage = True, "tls"
        smtp.ehlo()
        outcome.stage = "smtp"
    if not raw.isascii():
        # RFC 6152: 8-bit content is announced to a relay that takes it, and encoded for one that does not.
        if smtp.has_extn("8bitmime"):
            eight_bit = ["BODY=8BITMIME"]
        else:
            raw, eight_bit = seven_bit(raw), []
            outcome.transcript.append("8-bit content encoded: the relay does not offer 8BITMIME")
    else:
        eight_bit = []
    options = ([f"SIZE={len(raw)}"] if smtp.has_extn("size") else []) + eight_bit
    code, text = smtp.mail(mail_from, options)
    outcome.transcript.append(f"MAIL FROM:<{mail_from}> -> {code} {_text(text)}")
    if code != 250:
        outcome.replies = {r: (code, _text(text)) for r in recipients}
        outcome.finished = True
        return
    accepted = []
    for address in recipients:
        code, text = smtp.rcpt(address)
        outcome.transcript.append(f"RCPT TO:<{address}> -> {code} {_text(text)}")
        outcome.replies[address] = (code, _text(text))
        if code in (250, 251):
            accepted.append(address)
    if not accepted:
        outcome.finished = True
        return
    try:
        code, text = smtp.data(raw)
    except smtplib.SMTPDataError as exc:
        code, text = exc.smtp_code, exc.smtp_error
    outcome.transcript.append(f"DATA ({len(raw)} bytes) -> {code} {_text(text)}")
    for address in accepted:
        outcome.replies[address] = (code, _text(text))
    outcome.finished = True
