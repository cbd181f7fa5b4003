"""Message disposition notifications (RFC 8098): the acknowledgements MSSanté systems exchange.

Ours follow STANDARDS.md: a ``multipart/report`` with a French text, the ``message/disposition-notification``
fields (``Final-Recipient``, ``Original-Recipient`` when the original carried one, ``Original-Message-ID``,
``Disposition: …; processed`` or ``…; processed/Error: code^label``), then the original message.
Others' may use the older forms (an ``Error:`` field, ``processed/error``, only the original's headers):
``read_mdn`` understands them all.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import format_datetime

from .compose import bracket, header_ids
from .headers import SMTP

REPORTING_UA = "relais-sante; Relais Sante"  # ASCII: header fields of the report are 7-bit
AUTOMATIC = "automatic-action/MDN-sent-automatically"
_CONTROL = re.compile(r"[\r\n]+")


@dataclass(frozen=True)
class MdnError:
    """Why a received message could not be handed to its mailbox: ``code^label`` in the disposition."""

    code: int
    label: str  # French; folded to ASCII in the disposition field, kept whole in the text part

    def field_value(self) -> str:
        folded = unicodedata.normalize("NFKD", self.label).encode("ascii", "ignore").decode("ascii")
        return f"{self.code}^{_CONTROL.sub(' ', folded).replace('^', ' ').strip()[:200]}"


@dataclass(frozen=True)
class Disposition:
    """What an incoming MDN says about one recipient of one of our messages."""

    original_message_id: str
    final_recipient: str
    kind: str  # processed, displayed, dispatched, deleted, denied, failed...
    error: str  # non-empty when the receiving system reports a failure ("code^label" or free text)

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.kind in ("failed", "deleted", "denied")

    @property
    def error_text(self) -> str:
        """The error as a user reads it: "label (code)" for the ``code^label`` form, else as written."""
        code, caret, label = self.error.partition("^")
        return f"{label.strip()} ({code.strip()})" if caret and label.strip() else self.error


def is_mdn(msg: Message) -> bool:
    return (msg.get_content_type() == "multipart/report"
            and (msg.get_param("report-type") or "").lower() == "disposition-notification")


def build_mdn(original: EmailMessage, mailbox: str, notify: str, message_id: str, *,
              error: MdnError | None = None, whole_original: bool = True) -> EmailMessage:
    """The acknowledgement of ``original`` received in ``mailbox``, to ``notify`` (its Disposition-Notification-To).

    ``whole_original=False`` puts only the original's header fields in the third part (RFC 8098 allows
    it), for an original too large to travel back inside the report."""
    report = EmailMessage(policy=SMTP)
    report["From"] = mailbox
    report["To"] = notify
    subject = str(original.get("Subject", "") or "")
    prefix = "Non remis" if error else "Accusé de réception"
    report["Subject"] = f"{prefix} : {subject}" if subject else prefix
    report["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    report["Message-ID"] = bracket(message_id)
    original_id = (header_ids(original.get("Message-ID")) or [""])[0]
    if original_id:
        report["In-Reply-To"] = bracket(original_id)
        report["References"] = bracket(original_id)
    report["Auto-Submitted"] = "auto-replied"
    report["MIME-Version"] = "1.0"
    if error:
        text = (f"Le message envoyé à {mailbox} n'a pas pu être remis à son destinataire.\r\n"
                f"Motif : {error.label} (code {error.code}).\r\n")
        disposition = f"{AUTOMATIC}; processed/Error: {error.field_value()}"
    else:
        text = f"Le message envoyé à {mailbox} a été reçu et traité par le système destinataire.\r\n"
        disposition = f"{AUTOMATIC}; processed"
    report.set_content(text, cte="quoted-printable")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "disposition-notification")
    report.attach(_notification(original, mailbox, original_id, disposition))
    report.attach(_original_part(original, whole_original))
    return report


def _notification(original: EmailMessage, mailbox: str, original_id: str, disposition: str) -> EmailMessage:
    # The fields are a header block: the email library writes them, folding and all, as a message/* body.
    fields = Message(policy=SMTP)
    fields["Reporting-UA"] = REPORTING_UA
    # RFC 8098 3.2.3: only when the message arrived with one (set by the MTA from the DSN ORCPT).
    original_recipient = _CONTROL.sub(" ", str(original.get("Original-Recipient") or "")).strip()
    if original_recipient:
        fields["Original-Recipient"] = original_recipient
    fields["Final-Recipient"] = f"rfc822;{mailbox}"
    if original_id:
        fields["Original-Message-ID"] = bracket(original_id)
    fields["Disposition"] = disposition
    part = EmailMessage(policy=SMTP)
    part.set_content(fields, subtype="disposition-notification")
    del part["MIME-Version"]
    return part


def _original_part(original: EmailMessage, whole: bool) -> EmailMessage:
    part = EmailMessage(policy=SMTP)
    if whole:
        part.set_content(original)  # message/rfc822
    else:
        # The header fields as they came (still RFC 2047-encoded), one per line, kept 7-bit: raw 8-bit
        # bytes a sender put in a header become "?" rather than breaking the report.
        block = "".join(f"{k}: {_CONTROL.sub(' ', str(v)).strip()}\r\n" for k, v in original.raw_items())
        part.set_content(block.encode("ascii", "replace").decode("ascii"), subtype="rfc822-headers")
    del part["MIME-Version"]
    return part


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
        raw = " ".join(str(fields.get("Disposition") or "").split())
        after = raw.partition(";")[2].strip()
        kind, _, modifier = after.partition("/")
        kind = kind.strip().lower()
        # Both forms: "processed/Error: code^label" (STANDARDS.md), or a separate Error:/Failure: field.
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
