"""Mail an operator already accepted for us (IMAP) that no mailbox can take: held, answered, never skipped.

Once the operator has said 250, refusing is no longer possible: the sender believes the message arrived.
What a mail system does then is keep it and tell the sender (a postmaster's hold queue, a bounce). So the
message is kept with its bytes as "non distribué" (``UndeliveredMail``), the sender gets an error MDN when
it asked for acknowledgements (STANDARDS.md: ``processed/Error: code^label``), the audit trail says so, and
an administrator releases it (to its mailbox once it exists, or to another one, such as the organisational
mailbox) or discards it. Only failures that may pass (a 4xx, the database unavailable) leave the message
where it is, to be read again at the next poll.
"""
from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import Any, Collection

import peewee as pw

from ..db import utcnow, write_transaction
from ..relais import current_relais
from .addresses import mailbox_identity, normalize
from .compose import parse
from .inbound import NOT_OURS, Reply, accept, answer_mdn, message_key
from .mdn import MdnError, is_mdn
from .models import DISCARDED, HELD, RELEASED, RELEASING, UndeliveredMail

log = logging.getLogger(__name__)
# The database went away or another poller stored the same message at the same time: read it again later.
TRANSIENT = (pw.OperationalError, pw.InterfaceError, pw.IntegrityError)
PROCESSING_FAILED = 554
# The label the sender's system shows (code^label in the MDN) for each refusal.
LABELS = {550: "Destinataire inconnu", 552: "Pièce jointe refusée", 553: "Adresse du destinataire invalide",
          PROCESSING_FAILED: "Message non traité par le système destinataire"}
# A release in progress (RELEASING). The row is claimed (held -> releasing, one conditional UPDATE) before the mail is
# offered to a mailbox, so that a second administrator releasing or discarding it at the same moment finds
# it taken instead of settling it a second time (delivered twice, or "deleted" yet delivered). Administrators
# still see it as held: the claim lasts the time of one delivery.
# A claim left behind by a process that died mid-release would hide the mail for good: past this delay it no
# longer holds, and the mail can be released or discarded again (a release into the same mailbox is then
# recognised by its Message-ID, so a mail that did arrive is not stored twice).
CLAIM_EXPIRY = dt.timedelta(minutes=10)


class NotHeld(LookupError):
    """No held message with this id (never was, or already released or discarded)."""


def accept_from_operator(raw: bytes, mail_from: str, mailbox: str, *, source: str = "imap", peer: str = "") -> Reply:
    """Store a message fetched from the operator, or hold it: either way it is settled, and the caller may
    move past it. Raises on transient failures only (TRANSIENT), so the message is read again."""
    mailbox = normalize(mailbox)
    try:
        replies = accept(raw, mail_from, [mailbox], source=source, peer=peer)
    except TRANSIENT:
        raise
    except Exception as exc:  # a message our code cannot process: retrying it forever would block the mailbox
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        place = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
        log.error("message for %s could not be processed: %s%s", mailbox, type(exc).__name__, place)
        reply = (PROCESSING_FAILED, f"5.3.0 Traitement impossible ({type(exc).__name__})")
        hold(raw, mail_from, mailbox, reply, f"Le traitement du message a échoué ({type(exc).__name__}{place}).",
             source=source, peer=peer)
        return reply
    reply = replies.get(mailbox, (PROCESSING_FAILED, "5.0.0 Aucune reponse"))
    if reply[0] >= 500:
        hold(raw, mail_from, mailbox, reply, refusal_reason(mailbox, reply), source=source, peer=peer)
    return reply


def refusal_reason(mailbox: str, reply: Reply) -> str:
    """Why ``mailbox`` did not take the message, in French, for the administrator."""
    code, text = reply
    if reply == NOT_OURS:
        return f"Le domaine de {mailbox} ne fait pas partie des domaines de la plateforme (réglage mail_domains)."
    if code == 550:
        return f"Aucune identité de la plateforme ne détient l'adresse {mailbox}."
    return f"{LABELS.get(code, 'Refusé')} (réponse {code} {text})."


def hold(raw: bytes, mail_from: str, mailbox: str, reply: Reply, reason: str, *, source: str = "imap",
         peer: str = "") -> UndeliveredMail | None:
    """Keep the message as undelivered, answer an error MDN if asked, audit it. Once per message and
    mailbox: read again (UIDVALIDITY changed, a crash before the cursor moved), it is neither kept nor
    answered twice. Returns the new row, or None when it was already held."""
    relais = current_relais()
    msg = parse(raw)
    key = message_key(msg, raw)
    code = reply[0]
    with write_transaction():
        if UndeliveredMail.select().where((UndeliveredMail.header_id == key)
                                          & (UndeliveredMail.mailbox == mailbox)).exists():
            return None
        identity = mailbox_identity(mailbox)
        now = utcnow()
        row = UndeliveredMail.create(header_id=key, mailbox=mailbox, source=source, mail_from=mail_from[:254],
                                     raw=raw, size=len(raw), code=code, reason=reason[:2000], created_at=now,
                                     updated_at=now)
        if not is_mdn(msg):  # an acknowledgement is never acknowledged
            error = MdnError(code, LABELS.get(code, LABELS[PROCESSING_FAILED]))
            row.mdn_sent = answer_mdn(msg, len(raw), mailbox, mail_from, identity_id=identity.id if identity else None,
                                      error=error)
            if row.mdn_sent:
                row.save(only=[UndeliveredMail.mdn_sent])
        relais.audit.record("mail.receive", acting_as_id=identity.id if identity else None,
                            target=f"undelivered:{row.id}", outcome="held",
                            request_data={"source": source, "peer": peer, "mail_from": mail_from, "rcpt_to": mailbox,
                                          "message_id": key, "size": len(raw), "response": list(reply),
                                          "error_mdn": row.mdn_sent})
    log.warning("mail %s for %s kept as undelivered (%s): an administrator must release or discard it",
                key, mailbox, code)
    return row


def release(held_id: int, account_id: int, to: str | None = None) -> Reply:
    """Offer a held message again, to its mailbox or to ``to``; the answer says whether it was taken.
    Raises NotHeld when the message is not held any more, or another release of it is under way."""
    row = _claim(held_id)
    target = normalize(to or row.mailbox)
    delivered = False
    try:
        try:
            reply = accept(row.raw or b"", row.mail_from, [target], source="release",
                           peer=f"account:{account_id}").get(target, (PROCESSING_FAILED, "5.0.0 Aucune reponse"))
        except TRANSIENT:
            raise
        except Exception as exc:
            reply = (PROCESSING_FAILED, f"5.3.0 Traitement impossible ({type(exc).__name__})")
        delivered = 200 <= reply[0] < 300
        with write_transaction():
            now = utcnow()
            if delivered:
                changes: dict[str, Any] = dict(status=RELEASED, raw=None, resolved_by=account_id, resolved_at=now)
            elif target == normalize(row.mailbox):
                changes = dict(status=HELD, code=reply[0], reason=refusal_reason(target, reply))
            else:  # another mailbox refused it: why the mail is held has not changed (the audit keeps the attempt)
                changes = dict(status=HELD)
            UndeliveredMail.update(updated_at=now, **changes).where(
                (UndeliveredMail.id == row.id) & (UndeliveredMail.status == RELEASING)).execute()
            current_relais().audit.record(
                "mail.undelivered.release", account_id=account_id, target=f"undelivered:{row.id}",
                outcome="ok" if delivered else "failed",
                request_data={"message_id": row.header_id, "mailbox": row.mailbox, "rcpt_to": target,
                              "response": list(reply)})
    except BaseException:
        if not delivered:  # nothing reached a mailbox: held again, with its reason, for the next attempt
            _give_back(row.id)
        # Delivered but not recorded (the database went away): the claim stays until it expires rather than
        # offering a delivered mail for a second delivery at once.
        raise
    return reply


def discard(held_id: int, account_id: int) -> None:
    """Give up a held message: its bytes are deleted, the record of what happened stays. Raises NotHeld when
    it is not held any more, or a release of it is under way (the release may be delivering it right now)."""
    with write_transaction():
        now = utcnow()
        # Conditional: the first of two administrators settles the mail, the second is told (NotHeld -> 409).
        changed = UndeliveredMail.update(status=DISCARDED, raw=None, resolved_by=account_id, resolved_at=now,
                                         updated_at=now).where((UndeliveredMail.id == held_id)
                                                               & _claimable(now)).execute()
        if not changed:
            raise NotHeld(held_id)
        row = UndeliveredMail.select(UndeliveredMail.id, UndeliveredMail.header_id, UndeliveredMail.mailbox).where(
            UndeliveredMail.id == held_id).get()
        current_relais().audit.record("mail.undelivered.discard", account_id=account_id,
                                      target=f"undelivered:{row.id}",
                                      request_data={"message_id": row.header_id, "mailbox": row.mailbox})


def undelivered_rows(status: str | Collection[str] | None = HELD, limit: int = 200,
                     ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """What an administrator sees: the envelope and the reason, never the content. ``status`` is one
    status, several, or None for every row; ``ids`` narrows to those rows; newest first. A mail whose
    release is under way is shown (and counted) as held: it is, until the release says otherwise."""
    query = UndeliveredMail.select(*[f for f in UndeliveredMail._meta.sorted_fields if f.name != "raw"])
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(UndeliveredMail.status.in_(wanted + [RELEASING] if HELD in wanted else wanted))
    if ids is not None:
        query = query.where(UndeliveredMail.id.in_(list(ids)))
    return [{"id": r.id, "message_id": r.header_id, "mailbox": r.mailbox, "mail_from": r.mail_from,
             "source": r.source, "size": r.size, "code": r.code, "reason": r.reason,
             "status": HELD if r.status == RELEASING else r.status,
             "error_mdn_sent": r.mdn_sent, "created_at": r.created_at, "resolved_at": r.resolved_at,
             "resolved_by": r.resolved_by}
            for r in query.order_by(UndeliveredMail.id.desc()).limit(limit)]


def held_count() -> int:
    """How many messages wait for an administrator (the badge of the mail space's "Mails non distribués")."""
    return UndeliveredMail.select().where(UndeliveredMail.status.in_([HELD, RELEASING])).count()


def _claimable(now: dt.datetime) -> Any:
    """Held, or claimed by a release that died long ago (CLAIM_EXPIRY)."""
    return ((UndeliveredMail.status == HELD)
            | ((UndeliveredMail.status == RELEASING) & (UndeliveredMail.updated_at < now - CLAIM_EXPIRY)))


def _claim(held_id: int) -> UndeliveredMail:
    """Take a held message for one release: only one caller gets it, the others get NotHeld."""
    with write_transaction():
        now = utcnow()
        changed = UndeliveredMail.update(status=RELEASING, updated_at=now).where(
            (UndeliveredMail.id == held_id) & _claimable(now)).execute()
        if not changed:
            raise NotHeld(held_id)
        return UndeliveredMail.get_by_id(held_id)


def _give_back(held_id: int) -> None:
    """Held again after a release that delivered nothing; best effort (the claim expires anyway)."""
    try:
        with write_transaction():
            UndeliveredMail.update(status=HELD, updated_at=utcnow()).where(
                (UndeliveredMail.id == held_id) & (UndeliveredMail.status == RELEASING)).execute()
    except Exception:  # the database is what failed: leave it to CLAIM_EXPIRY, keep the original error
        log.exception("held mail %s could not be put back after a failed release", held_id)
