"""Building RFC 5322 messages with Python's email library only: mails, and parsing what comes in."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid

from ..plain_text import one_line
from .addresses import domain_of
from .headers import SMTP
from .sanitize import html_to_text


@dataclass(frozen=True)
class MailPart:
    """An attachment as it goes into a message: its original name, its type, its bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class MailDraft:
    """Everything a mail is built from. ``html`` must already be sanitised."""

    sender: str
    sender_name: str
    to: list[str]
    subject: str
    html: str
    cc: list[str] = field(default_factory=list)
    attachments: list[MailPart] = field(default_factory=list)
    in_reply_to: str | None = None  # Message-ID without angle brackets
    references: list[str] = field(default_factory=list)
    ask_mdn: bool = True
    extra_headers: dict[str, str] = field(default_factory=dict)  # X-MSS-* and the like


def new_message_id(sender: str) -> str:
    """A fresh Message-ID (without angle brackets) on the sender's domain."""
    return make_msgid(idstring="relais", domain=domain_of(sender) or "localhost").strip("<>")


def bracket(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def _mailbox(address: str, name: str = "") -> Address:
    local, _, domain = address.rpartition("@")
    # A name with a line break (an old account, a received mail) would make the email library refuse the mail.
    return Address(display_name=one_line(name or ""), username=local, domain=domain)


def build_mail(draft: MailDraft, message_id: str, date: dt.datetime | None = None) -> EmailMessage:
    """The message, ready for ``as_bytes``: text and HTML alternatives, attachments under their names."""
    msg = EmailMessage(policy=SMTP)  # kernel/mail/headers.py: folding that keeps spaces
    msg["From"] = _mailbox(draft.sender, draft.sender_name)
    msg["To"] = [_mailbox(a) for a in draft.to]
    if draft.cc:
        msg["Cc"] = [_mailbox(a) for a in draft.cc]
    msg["Subject"] = one_line(draft.subject)  # a received subject may hold an encoded line break
    msg["Date"] = format_datetime(date or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = bracket(message_id)
    if draft.in_reply_to:
        msg["In-Reply-To"] = bracket(draft.in_reply_to)
    references = [r for r in draft.references if r] + ([draft.in_reply_to] if draft.in_reply_to else [])
    if references:
        msg["References"] = " ".join(bracket(r) for r in dict.fromkeys(references))
    if draft.ask_mdn:
        # RFC 8098: the receiving system answers with a disposition notification to this address.
        msg["Disposition-Notification-To"] = f"<{draft.sender}>"
    for name, value in draft.extra_headers.items():
        msg[name] = value
    msg["MIME-Version"] = "1.0"
    msg.set_content(html_to_text(draft.html) or " ", cte="quoted-printable")
    msg.add_alternative(f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{draft.html}</body></html>",
                        subtype="html", cte="quoted-printable")
    for part in draft.attachments:
        maintype, _, subtype = (part.content_type or "application/octet-stream").partition("/")
        # Bytes, base64: a text file's encoding and line ends stay its own, and its type says which encoding.
        params = {"charset": text_charset(part.data)} if maintype == "text" else None
        msg.add_attachment(part.data, maintype=maintype, subtype=subtype or "octet-stream", filename=part.filename,
                           params=params)
    return msg


def text_charset(data: bytes) -> str:
    """The charset a text attachment declares, so that the receiver shows its accents right: ASCII, UTF-8, else
    windows-1252, the usual encoding of a text file written on a French Windows (every byte means something)."""
    for charset in ("us-ascii", "utf-8"):
        try:
            data.decode(charset)
            return charset
        except UnicodeDecodeError:
            pass
    return "windows-1252"


def seven_bit(raw: bytes) -> bytes:
    """The same message with every 8-bit part encoded (base64 or quoted-printable), for a relay that does not
    offer 8BITMIME. Headers, Message-ID and content are unchanged; only transfer encodings change."""
    msg = BytesParser(policy=SMTP).parsebytes(raw)
    for part in msg.walk():
        # A message/rfc822 part's own parts get encoded below: it is 7-bit afterwards.
        if part.get_content_maintype() == "message" and str(part.get("Content-Transfer-Encoding", "")).lower() in (
                "8bit", "binary"):
            part.replace_header("Content-Transfer-Encoding", "7bit")
    return re.sub(rb"(?<!\r)\n", b"\r\n", msg.as_bytes(policy=SMTP.clone(cte_type="7bit")))


def to_bytes(msg: EmailMessage) -> bytes:
    """The wire form: CRLF line ends everywhere (smtplib sends bytes as they are)."""
    raw = msg.as_bytes(policy=SMTP)
    return re.sub(rb"(?<!\r)\n", b"\r\n", raw)


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def header_ids(value: str | None) -> list[str]:
    """Message-IDs listed in In-Reply-To or References, without angle brackets."""
    return [m.strip() for m in re.findall(r"<([^<>\s]+)>", str(value or ""))]


def first_address(value: object) -> tuple[str, str]:
    """(address, display name) of the first mailbox of an address header, or ("", "").

    Works on headers the registry parses (From, To) and on those it keeps as text
    (Disposition-Notification-To)."""
    addresses = getattr(value, "addresses", None)
    if addresses:
        first = addresses[0]
        return (first.addr_spec or "").lower(), first.display_name or ""
    if not value:
        return "", ""
    name, address = (getaddresses([str(value)]) or [("", "")])[0]
    return (address or "").strip().lower(), name


def all_addresses(value: object) -> list[str]:
    return [(a.addr_spec or "").lower() for a in getattr(value, "addresses", ()) or () if a.addr_spec]
