"""The mail space as a delegate sees it: one mailbox per identity one reads for.

Search and list rows are the kernel's (kernel/mail/mailboxes.py): every mail channel shares them."""
from __future__ import annotations

from typing import Any

from kernel import identities_for, unread_counts
from kernel.mail import hidden_threads
from kernel.models import Account, Exchange, MailAddress, Membership

MAIL_SPACE = "mail"


def mailboxes_of(account: Account) -> list[dict[str, Any]]:
    """Each identity the account reads mail for that holds an address, with its unread and total counts."""
    return mailboxes_and_unread(account)[0]


def mailboxes_and_unread(account: Account) -> tuple[list[dict[str, Any]], int]:
    """``mailboxes_of``, and the unread messages of « Toutes mes boîtes »: each thread counted once, though
    it may lie in two of the account's boxes (the doctor's and the structure's), as its list shows it once."""
    identities = identities_for(account)
    ids = [i.id for i in identities]
    addresses: dict[int, list[str]] = {}
    for identity_id, address in (MailAddress.select(MailAddress.identity, MailAddress.address)
                                 .where(MailAddress.identity.in_(ids)).order_by(MailAddress.id).tuples()):
        addresses.setdefault(identity_id, []).append(address)
    links = list(Membership.select(Membership.identity, Membership.exchange).join(Exchange)
                 .where(Membership.identity.in_(ids) & (Exchange.space == MAIL_SPACE)
                        & Exchange.id.not_in(hidden_threads(account.id))).tuples())
    unread = unread_counts(account.id, sorted({e for _, e in links}))
    out = []
    shown: set[int] = set()
    for identity in identities:
        if identity.id not in addresses:
            continue
        mine = [e for i, e in links if i == identity.id]
        shown.update(mine)
        out.append({"identity": {"id": identity.id, "kind": identity.kind, "display_name": identity.display_name},
                    "own": identity.id == account.identity_id, "addresses": addresses[identity.id],
                    "exchanges": len(mine), "unread": sum(unread.get(e, 0) for e in mine)})
    return out, sum(unread.get(e, 0) for e in shown)
