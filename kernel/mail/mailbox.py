"""Storing a received mail in a mailbox's mail space: its thread, its message, its attachments."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from email.message import EmailMessage
from typing import Any
from xml.etree import ElementTree

from ..db import utcnow
from ..ins import INS_OIDS, OID_INS_NIR, InvalidIns, Ins
from ..models import Attachment, Exchange, Identity, Membership, Message, MessageAttachment, Patient
from ..models.exchange import folded_words
from ..relais import current_relais
from .compose import all_addresses, first_address, header_ids
from .models import MailIndex
from .sanitize import clean_html, text_to_html

log = logging.getLogger(__name__)
MAIL_SPACE = "mail"
# IHE XDM (STANDARDS.md): a document mail carries IHE_XDM.ZIP whose METADATA.XML names the patient as
# "<INS>^^^&<OID>&ISO^NH" and gives the birth date as "PID-7|YYYYMMDD".
XDM_ZIP = "IHE_XDM.ZIP"
_XDM_PATIENT = re.compile(r"^\s*([0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8})\^\^\^&([0-9.]+)&ISO", re.IGNORECASE)
_XDM_BIRTH = re.compile(r"^PID-7\|([0-9]{8})")
_XDM_MAX_METADATA = 2 * 1024 * 1024  # a metadata file is a few kB: anything bigger is not read


def read_body(msg: EmailMessage) -> str:
    """The body as sanitised HTML: the HTML alternative cleaned, or the text one escaped."""
    part = msg.get_body(preferencelist=("html", "plain"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, KeyError):  # an unknown or lying charset
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if not isinstance(content, str):
        content = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
    return clean_html(content) if part.get_content_type() == "text/html" else text_to_html(content)


def save_attachments(msg: EmailMessage) -> list[Attachment]:
    """Every attachment through the kernel's store (content-addressed), under the name the sender gave."""
    store = current_relais().attachments
    saved = []
    for part in msg.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            default = "message.eml"
        else:
            data = part.get_payload(decode=True) or b""
            default = "piece-jointe"
        if not data:
            continue
        saved.append(store.save(io.BytesIO(data), part.get_filename() or default, None))
    return saved


def thread_for(msg: EmailMessage, identity: Identity) -> Exchange | None:
    """The mail exchange of this mailbox that the message answers (In-Reply-To, then References)."""
    wanted = header_ids(msg.get("In-Reply-To")) + list(reversed(header_ids(msg.get("References"))))
    if not wanted:
        return None
    rows = {row.header_id: row.exchange_id for row in
            MailIndex.select().where(MailIndex.header_id.in_(wanted) & (MailIndex.identity_id == identity.id))}
    for header_id in wanted:
        if header_id in rows:
            exchange = Exchange.get_or_none((Exchange.id == rows[header_id]) & (Exchange.space == MAIL_SPACE))
            if exchange is not None:
                return exchange
    return None


def mail_facts(msg: EmailMessage, message_id: str, mailbox: str) -> dict[str, Any]:
    sender, sender_name = first_address(msg.get("From"))
    reply_to, _ = first_address(msg.get("Reply-To"))
    return {
        "direction": "in", "message_id": message_id, "mailbox": mailbox,
        "from": sender, "from_name": sender_name, "reply_to": reply_to or sender,
        "to": all_addresses(msg.get("To")), "cc": all_addresses(msg.get("Cc")),
        "subject": str(msg.get("Subject") or "").strip(),
        "in_reply_to": (header_ids(msg.get("In-Reply-To")) or [None])[0],
        "references": header_ids(msg.get("References")),
        "mdn_requested": bool(msg.get("Disposition-Notification-To")),
        "x_mss": {k: str(v) for k, v in msg.items() if k.lower().startswith("x-mss-")},
        "format": "html",
    }


def xdm_patient(msg: EmailMessage) -> Patient | None:
    """The known patient an IHE XDM package in the mail is about: same INS and OID, a qualified identity,
    and the birth date when the package gives one. None when there is no package, it names no INS or
    several, or the INS is unknown here: a received mail is never linked on a guess."""
    facts: set[tuple[str, str]] = set()
    births: set[str] = set()
    for part in msg.iter_attachments():
        if (part.get_filename() or "").strip().upper() != XDM_ZIP:
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True) or b"")) as package:
                for info in package.infolist():
                    if info.filename.upper().endswith("METADATA.XML") and info.file_size <= _XDM_MAX_METADATA:
                        _read_metadata(package.read(info), facts, births)
        except Exception as exc:  # a sender's broken file must never stop the mail being received
            log.warning("an %s attachment could not be read (%s)", XDM_ZIP, type(exc).__name__)
    if len(facts) != 1 or len(births) > 1:
        return None
    [(ins, oid)] = facts
    try:
        ins = str(Ins.parse(ins))
    except InvalidIns:
        return None
    patient = Patient.get_or_none((Patient.ins == ins) & Patient.qualified)
    if patient is None or oid not in INS_OIDS or (patient.ins_oid or OID_INS_NIR) != oid:
        return None
    if births:
        try:
            born = dt.datetime.strptime(births.pop(), "%Y%m%d").date()
        except ValueError:
            return None
        if born != patient.birth_date:
            return None
    return patient


def _read_metadata(xml: bytes, facts: set[tuple[str, str]], births: set[str]) -> None:
    # ebRIM: the patient is an ExternalIdentifier's value; sourcePatientInfo a Slot of Value elements.
    for element in ElementTree.fromstring(xml).iter():
        tag = element.tag.rpartition("}")[2]
        if tag == "ExternalIdentifier":
            found = _XDM_PATIENT.match(element.get("value") or "")
            if found:
                facts.add((found.group(1).upper(), found.group(2)))
        elif tag == "Value":
            found = _XDM_BIRTH.match((element.text or "").strip())
            if found:
                births.add(found.group(1))


class NoInboundChannel(LookupError):
    """No channel, or no single one, to file received mail under: the mail is refused for now (451)."""


def inbound_channel() -> str:
    """The channel received mail is filed under, so that its plugin (replies, forwards) owns the thread:
    the ``mail_inbound_channel`` setting, else the one enabled channel declaring ``receives_mail``.
    Always a mail-space channel: received mail never becomes a conversation."""
    relais = current_relais()
    chosen = relais.config["mail_inbound_channel"]
    if chosen:
        channel = relais.channels.get(chosen)
        if channel is None or channel.space != MAIL_SPACE:
            raise NoInboundChannel(f"mail_inbound_channel {chosen!r} is not an enabled channel of the mail space")
        return chosen
    candidates = sorted(c.name for c in relais.channels.values() if c.receives_mail)
    if len(candidates) != 1:
        raise NoInboundChannel("no enabled channel declares receives_mail" if not candidates else
                               f"several channels declare receives_mail ({', '.join(candidates)}): "
                               "choose one with the mail_inbound_channel setting")
    return candidates[0]


def store_in_mailbox(msg: EmailMessage, message_id: str, identity: Identity, mailbox: str,
                     attachments: list[Attachment]) -> tuple[Exchange, Message, bool]:
    """Write the mail into ``identity``'s mail space (inside the caller's transaction).

    Returns the exchange, the message and whether the exchange is new."""
    facts = mail_facts(msg, message_id, mailbox)
    exchange = thread_for(msg, identity)
    created = exchange is None
    patient = xdm_patient(msg) if (created or exchange.patient_id is None) else None
    if created:
        exchange = Exchange.create(channel=inbound_channel(), space=MAIL_SPACE, patient=patient,
                                   subject=(facts["subject"] or "(sans objet)")[:250],
                                   data={"mail": {"mailbox": mailbox, "started": "in"}})
        Membership.create(exchange=exchange, identity=identity, role="member")
    message = Message.create(exchange=exchange, author=None, acting_as=None, kind="mail", body=read_body(msg),
                             data={"mail": facts})
    if attachments:
        MessageAttachment.insert_many([{"message": message.id, "attachment": a.id}
                                       for a in dict((a.id, a) for a in attachments).values()]).execute()
    exchange.last_message_at = message.created_at
    # The senders are searched folded (kernel.mail.mailboxes): "emilie" finds "Émilie MARTIN".
    exchange.search_senders = folded_words(exchange.search_senders, facts["from_name"], facts["from"])
    changed = [Exchange.last_message_at, Exchange.search_senders]
    if patient is not None and exchange.patient_id is None:
        exchange.patient = patient
        changed.append(Exchange.patient)
    exchange.save(only=changed)
    MailIndex.create(header_id=message_id, identity_id=identity.id, exchange_id=exchange.id,
                     kernel_message_id=message.id, direction="in", mailbox=mailbox, created_at=utcnow())
    return exchange, message, created
