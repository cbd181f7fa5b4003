"""The platform as a client of an external operator: each mailbox polled over IMAP (STARTTLS, client
certificate), as a recurring job. Idempotent: a UID cursor per mailbox, and Message-IDs at storage."""
from __future__ import annotations

import datetime as dt
import imaplib
import logging
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any

from ..db import utcnow, write_transaction
from ..models import Job, MailAddress
from ..relais import current_relais
from .models import ImapCursor
from .tls import client_context
from .undelivered import accept_from_operator

log = logging.getLogger(__name__)
POLL_JOB = "kernel.mail.imap_poll"


class ImapError(Exception):
    pass


def poll_imap(payload: dict[str, Any]) -> None:
    """Job handler of ``kernel.mail.imap_poll`` (every minute); does nothing unless ``mail_inbound = "imap"``."""
    config = current_relais().config
    _forget_old_polls()
    if config["mail_inbound"] != "imap" or not config["mail_imap_host"]:
        return
    mailboxes = config["mail_imap_mailboxes"] or [a for (a,) in MailAddress.select(MailAddress.address)
                                                   .order_by(MailAddress.id).tuples()]
    failures = 0
    for mailbox in mailboxes:
        try:
            poll_mailbox(mailbox.strip().lower())
        except (OSError, imaplib.IMAP4.error, ImapError) as exc:
            failures += 1
            log.warning("IMAP poll of one mailbox failed: %s: %s", type(exc).__name__, exc)
    if failures:
        current_relais().audit.record("mail.imap.poll", outcome="failed", detail=f"mailboxes_failed={failures}",
                                      request_data={"server": f"{config['mail_imap_host']}:{config['mail_imap_port']}"})


def poll_mailbox(mailbox: str) -> int:
    """Fetch the messages of ``mailbox`` newer than its cursor; returns how many were read."""
    config = current_relais().config
    imap = imaplib.IMAP4(config["mail_imap_host"], config["mail_imap_port"], timeout=config["mail_timeout_seconds"])
    try:
        if config["mail_imap_starttls"]:
            imap.starttls(ssl_context=client_context(config))
        if config["mail_imap_auth"] == "login":
            imap.login(mailbox, config["mail_imap_password"])
        else:
            imap.authenticate("EXTERNAL", lambda _challenge: mailbox.encode())
        typ, _ = imap.select(config["mail_imap_folder"], readonly=True)
        if typ != "OK":
            raise ImapError(f"SELECT {config['mail_imap_folder']} refused")
        uidvalidity = int((imap.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
        cursor = _cursor(mailbox, uidvalidity)
        typ, data = imap.uid("SEARCH", None, f"UID {cursor.last_uid + 1}:*")
        if typ != "OK":
            raise ImapError("UID SEARCH refused")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > cursor.last_uid)
        for uid in uids:
            raw = _fetch(imap, uid)
            # The operator accepted this message already: it is stored, or kept as undelivered (error MDN,
            # audit, an administrator decides), never skipped. Only a temporary failure keeps the cursor.
            code, _ = accept_from_operator(raw, _return_path(raw), mailbox, source="imap",
                                           peer=f"{config['mail_imap_host']}:{config['mail_imap_port']}")
            if 400 <= code < 500:
                raise ImapError(f"message UID {uid} could not be stored; retried at the next poll")
            with write_transaction():
                ImapCursor.update(last_uid=uid, updated_at=utcnow()).where(ImapCursor.id == cursor.id).execute()
            cursor.last_uid = uid
        return len(uids)
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _cursor(mailbox: str, uidvalidity: int) -> ImapCursor:
    with write_transaction():
        cursor = ImapCursor.get_or_none(ImapCursor.mailbox == mailbox)
        if cursor is None:
            return ImapCursor.create(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=0)
        if cursor.uidvalidity != uidvalidity:
            # The server renumbered the folder: read it again; Message-IDs keep what we have from coming twice.
            cursor.uidvalidity, cursor.last_uid, cursor.updated_at = uidvalidity, 0, utcnow()
            cursor.save()
    return cursor


def _fetch(imap: imaplib.IMAP4, uid: int) -> bytes:
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise ImapError(f"FETCH of UID {uid} returned no message ({typ})")


def _return_path(raw: bytes) -> str:
    """The envelope sender the operator recorded, or "" when it did not. Never the From header: a sender
    chooses that freely, and automatic acknowledgements go only to the envelope sender (RFC 8098 §2.1)."""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    return parseaddr(str(headers.get("Return-Path") or ""))[1]


def _forget_old_polls() -> None:
    # One finished row a minute otherwise piles up forever.
    cutoff = utcnow() - dt.timedelta(days=1)
    Job.delete().where((Job.name == POLL_JOB) & (Job.status == "done") & (Job.created_at < cutoff)).execute()
