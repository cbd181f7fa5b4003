"""The mail space as a delegate sees it: one mailbox per identity one reads for, and search."""
from __future__ import annotations

from typing import Any

import peewee as pw

from kernel.models import Account, Exchange, MailAddress, Membership, Message, Patient
from kernel.services.acting_as import identities_for, visible_exchanges
from kernel.services.threads import members_of, summary, unread_counts

MAIL_SPACE = "mail"


def mailboxes_of(account: Account) -> list[dict[str, Any]]:
    """Each identity the account reads mail for that holds an address, with its unread and total counts."""
    identities = identities_for(account)
    ids = [i.id for i in identities]
    addresses: dict[int, list[str]] = {}
    for identity_id, address in (MailAddress.select(MailAddress.identity, MailAddress.address)
                                 .where(MailAddress.identity.in_(ids)).order_by(MailAddress.id).tuples()):
        addresses.setdefault(identity_id, []).append(address)
    links = list(Membership.select(Membership.identity, Membership.exchange).join(Exchange)
                 .where(Membership.identity.in_(ids) & (Exchange.space == MAIL_SPACE)).tuples())
    unread = unread_counts(account.id, sorted({e for _, e in links}))
    out = []
    for identity in identities:
        if identity.id not in addresses:
            continue
        mine = [e for i, e in links if i == identity.id]
        out.append({"identity": {"id": identity.id, "kind": identity.kind, "display_name": identity.display_name},
                    "own": identity.id == account.identity_id, "addresses": addresses[identity.id],
                    "exchanges": len(mine), "unread": sum(unread.get(e, 0) for e in mine)})
    return out


def search_exchanges(account: Account, *, q: str = "", sender: str = "", subject: str = "", patient: str = "",
                     mailbox: int | None = None, folder: str = "", limit: int = 50,
                     offset: int = 0) -> list[dict[str, Any]]:
    """Mail exchanges the account sees, filtered by sender (of received mail), subject, patient, mailbox,
    folder (``inbox``: holds received mail; ``sent``: holds mail written here); newest first."""
    query = (Exchange.select(Exchange, Patient).join(Patient, pw.JOIN.LEFT_OUTER, on=(Exchange.patient == Patient.id))
             .where(Exchange.id.in_(visible_exchanges(account.id)) & (Exchange.space == MAIL_SPACE)))
    if mailbox is not None:
        query = query.where(Exchange.id.in_(Membership.select(Membership.exchange)
                                            .where(Membership.identity == mailbox)))
    if subject.strip():
        query = query.where(Exchange.subject.contains(subject.strip()))
    if sender.strip():
        query = query.where(Exchange.id.in_(_from(sender)))
    if q.strip():
        query = query.where(Exchange.subject.contains(q.strip()) | Exchange.id.in_(_from(q)))
    if patient.strip():
        if patient.strip().isdigit():
            query = query.where(Exchange.patient == int(patient))
        else:
            for word in _words(patient):
                query = query.where(Patient.search_text.contains(f" {word}"))
    if folder:
        received = Message.author.is_null() if folder == "inbox" else Message.author.is_null(False)
        query = query.where(Exchange.id.in_(Message.select(Message.exchange).where((Message.kind == "mail") & received)))
    exchanges = list(query.order_by(Exchange.last_message_at.desc(), Exchange.id.desc()).limit(limit).offset(offset))
    ids = [e.id for e in exchanges]
    unread = unread_counts(account.id, ids)
    members = members_of(ids)
    return [summary(e, unread.get(e.id, 0), members.get(e.id, [])) for e in exchanges]


def _from(text: str) -> pw.SelectQuery:
    """Exchanges holding a received mail whose sender (address or name) contains ``text``.

    Received mail keeps its facts in Message.data, written by the kernel in a fixed key order
    (… "from", "from_name", "reply_to" …): the pattern only matches inside the sender's two values."""
    cleaned = "".join(c for c in text.strip().lower() if c not in '%_\\"')
    pattern = f'%"from":"%{cleaned}%","reply_to":%'
    return (Message.select(Message.exchange)
            .where((Message.kind == "mail") & Message.author.is_null() & (pw.fn.LOWER(Message.data) % pattern)))


def _words(text: str) -> list[str]:
    from kernel.models.patient import fold

    return fold(text).split()
