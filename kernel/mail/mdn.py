"""Message disposition notifications (RFC 8098): the acknowledgements MSSanté systems exchange."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import format_datetime

from .compose import bracket, header_ids

REPORTING_UA = "relais-sante; Relais Sante"  # ASCII: header fields of the report are 7-bit
_CONTROL = re.compile(r"[\r\n]+")


@dataclass(frozen=True)
class Disposition:
    """What an incoming MDN says about one recipient of one of our messages."""

    original_message_id: str
    final_recipient: str
    kind: str  # processed, displayed, dispatched, deleted, denied, failed...
    error: str  # non-empty when the receiving system reports a failure

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.kind in ("failed", "deleted", "denied")


def is_mdn(msg: Message) -> bool:
    return (msg.get_content_type() == "multipart/report"
            and (msg.get_param("report-type") or "").lower() == "disposition-notification")


def build_mdn(original: EmailMessage, mailbox: str, original_recipient: str, notify: str, message_id: str,
              error: str = "") -> EmailMessage:
    """The acknowledgement of ``original`` received in ``mailbox``, to ``notify`` (its Disposition-Notification-To).

    Three parts: a human-readable text, the machine-readable disposition, the original's headers.
    """
    report = EmailMessage(policy=policy.SMTP)
    report["From"] = mailbox
    report["To"] = notify
    subject = str(original.get("Subject", "") or "")
    report["Subject"] = f"Accusé de réception : {subject}" if subject else "Accusé de réception"
    report["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    report["Message-ID"] = bracket(message_id)
    original_id = (header_ids(original.get("Message-ID")) or [""])[0]
    if original_id:
        report["In-Reply-To"] = bracket(original_id)
        report["References"] = bracket(original_id)
    report["Auto-Submitted"] = "auto-replied"
    report["MIME-Version"] = "1.0"
    if error:
        text = (f"Le message envoyé à {mailbox} n'a pas pu être traité par le système destinataire.\r\n"
                f"Motif : {error}\r\n")
        disposition = "automatic-action/MDN-sent-automatically; processed/error"
    else:
        text = f"Le message envoyé à {mailbox} a été reçu et traité par le système destinataire.\r\n"
        disposition = "automatic-action/MDN-sent-automatically; processed"
    report.set_content(text, cte="quoted-printable")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "disposition-notification")
    lines = [f"Reporting-UA: {REPORTING_UA}",
             f"Original-Recipient: rfc822;{original_recipient}",
             f"Final-Recipient: rfc822;{mailbox}"]
    if original_id:
        lines.append(f"Original-Message-ID: {bracket(original_id)}")
    lines.append(f"Disposition: {disposition}")
    if error:
        lines.append(f"Error: {_CONTROL.sub(' ', error)[:500]}")
    notification = EmailMessage(policy=policy.SMTP)
    notification.set_type("message/disposition-notification")
    notification.set_payload("\r\n".join(lines) + "\r\n")
    report.attach(notification)
    headers = EmailMessage(policy=policy.SMTP)
    headers.set_type("text/rfc822-headers")
    # The original's header fields as they came (still RFC 2047-encoded), kept 7-bit.
    block = "".join(f"{k}: {_CONTROL.sub(' ', str(v)).strip()}\r\n" for k, v in original.raw_items())
    headers.set_payload(block.encode("ascii", "replace").decode("ascii"))
    report.attach(headers)
    return report


def read_mdn(msg: EmailMessage) -> Disposition | None:
    """The disposition an MDN reports, or None if it is not a readable MDN."""
    if not is_mdn(msg):
        return None
    for part in msg.iter_parts():
        if part.get_content_type() != "message/disposition-notification":
            continue
        fields = _fields(part)
        original = (header_ids(fields.get("Original-Message-ID")) or [""])[0]
        final = str(fields.get("Final-Recipient") or "").partition(";")[2].strip().strip("<>").lower()
        raw = str(fields.get("Disposition") or "")
        after = raw.partition(";")[2].strip()
        kind, _, modifier = after.partition("/")
        kind = kind.strip().lower()
        error = str(fields.get("Error") or fields.get("Failure") or "").strip()
        if not error and modifier.lower().startswith("error"):
            error = modifier.partition(":")[2].strip() or "erreur signalée par le destinataire"
        if not original or not final or not kind:
            return None
        return Disposition(original, final, kind, error)
    return None


def _fields(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return payload[0]  # the parser reads a message/* body as a header block
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "replace")
    return HeaderParser().parsestr(str(payload or ""))
