"""How someone who acts through a delegation is named: « Isabelle ROUX pour le compte de Dr BERNARD »,
« Claire MOREAU pour le compte de Coordination REPAP ».

Read receipts and the lines the platform writes in a thread use it, so that every member knows whether
the doctor read the message or her secretary did.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from ..directory.text import fold
from ..models import Account, Delegation, Identity, Membership, Message

# An account's profession is free text as its administrator typed it (« Médecin généraliste »,
# « Cardiologue (centre hospitalier) »): physicians are recognised by the words of their profession. Not
# "-logue" at large: a psychologue or a podologue is no physician; nor a chirurgien-dentiste. The profession
# is named by its first word: « Secrétaire de médecine du travail » or « Infirmière en médecine interne » are
# no physicians though a physician's word follows; an « Interne en pharmacie » is a pharmacist in training.
_PHYSICIAN_WORDS = re.compile(
    r"\s*(medecin|docteur(?! en pharmacie)|generaliste|interne(?! en (?:pharmacie|odontologie))|urgentiste|"
    r"chirurgien(?!.dentiste)|anesthesiste|radiologue|cardiologue|"
    r"dermatologue|pediatre|psychiatre|geriatre|gynecologue|obstetricien|ophtalmologue|neurologue|pneumologue|"
    r"gastro.?enterologue|hepatologue|endocrinologue|diabetologue|rhumatologue|nephrologue|urologue|oncologue|"
    r"hematologue|infectiologue|allergologue|angiologue|biologiste medical|orl|oto.?rhino.?laryngologiste|"
    r"stomatologue|neurochirurgien|anatomopathologiste|nutritionniste|phlebologue|addictologue|"
    r"medecine)\b")


def is_physician(profession: str | None) -> bool:
    """Whether a profession (free text) is a physician's, who is called « Dr »."""
    return bool(_PHYSICIAN_WORDS.match(fold(profession or "")))


def principal_label(identity: Identity, account: Account | None = None) -> str:
    """The name of the one acted for: « Dr BERNARD » for a physician, a structure's or another
    professional's name otherwise. ``account``: the identity's own account, if already read."""
    if identity.is_structure:
        return identity.display_name
    if account is None:
        account = Account.get_or_none(Account.identity == identity.id)
    return _label(identity, account)


def _label(identity: Identity, account: Account | None) -> str:
    if identity.is_structure or account is None:
        return identity.display_name
    if is_physician(account.profession):
        return f"Dr {account.last_name.upper()}"
    return account.full_name


def principal_labels(identities: Iterable[Identity], known: Iterable[Account] = ()) -> dict[int, str]:
    """principal_label of each identity, in one query whatever their number (a thread's page of messages), none
    when every person among them has their account in ``known`` (the authors, mostly writing in their own name)."""
    unique = {i.id: i for i in identities}
    accounts: dict[int, Account] = {a.identity_id: a for a in known}
    people = sorted(i for i, identity in unique.items() if not identity.is_structure and i not in accounts)
    for start in range(0, len(people), 500):  # under SQLite's limit of bound parameters
        accounts.update({a.identity_id: a for a in Account.select(Account.identity, Account.first_name,
                                                                  Account.last_name, Account.profession)
                         .where(Account.identity.in_(people[start:start + 500]))})
    return {i: _label(identity, accounts.get(i)) for i, identity in unique.items()}


def acted_for_labels(messages: Iterable[Message], authors: Mapping[int, Account] | None = None) -> dict[int, str]:
    """Message id -> the label of the one its author wrote for (« Dr BERNARD », « Coordination REPAP »), for each
    message an account wrote for another identity; the rest are left out. The PDFs (a patient's export, a
    synthesis, a compte rendu) name authors with it, as the thread, receipts and system lines do. ``authors``:
    account id -> account, when already read (else each message's ``author``, joined by the caller). Two
    queries at most, whatever the number of messages."""
    acted: list[tuple[int, int]] = []
    known: dict[int, Account] = {}
    for m in messages:
        if m.author_id is None or m.acting_as_id is None:
            continue
        author = authors.get(m.author_id) if authors is not None else m.author
        if author is None:  # a deleted account: its name is gone, and for whom it wrote with it
            continue
        known[author.identity_id] = author
        if m.acting_as_id != author.identity_id:
            acted.append((m.id, m.acting_as_id))
    wanted = sorted({identity for _, identity in acted})
    identities: list[Identity] = []
    for start in range(0, len(wanted), 500):  # under SQLite's limit of bound parameters
        identities.extend(Identity.select().where(Identity.id.in_(wanted[start:start + 500])))
    labels = principal_labels(identities, known.values())
    return {message: labels[identity] for message, identity in acted if identity in labels}


def on_behalf(name: str, principal: str | None) -> str:
    return f"{name} pour le compte de {principal}" if principal else name


def principals_in(exchange_id: int, account_ids: Iterable[int]) -> dict[int, str]:
    """For each account that takes part in the exchange through a delegation only (its own identity is not
    a member), the label of the one it acts for there. Withdrawn delegations count too: what was read
    then was read for the principal. A fixed handful of queries, whatever the number of accounts (two
    when every one of them is a member in its own name)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    members = {m for (m,) in Membership.select(Membership.identity).where(Membership.exchange == exchange_id).tuples()}
    own = {a: i for a, i in Account.select(Account.id, Account.identity).where(Account.id.in_(wanted)).tuples()}
    through = [a for a in wanted if own.get(a) not in members]
    if not through or not members:
        return {}
    rows = (Delegation.select(Delegation.delegate, Delegation.principal, Delegation.revoked_at)
            .where(Delegation.delegate.in_(through) & Delegation.principal.in_(sorted(members)))
            .order_by(Delegation.revoked_at.is_null().desc(), Delegation.id).tuples())
    chosen: dict[int, int] = {}
    for delegate, principal, _revoked in rows:
        chosen.setdefault(delegate, principal)  # a delegation in force first, else the first withdrawn
    if not chosen:
        return {}
    identities = {i.id: i for i in Identity.select().where(Identity.id.in_(sorted(set(chosen.values()))))}
    accounts = {a.identity_id: a for a in Account.select().where(Account.identity.in_(sorted(identities)))}
    return {delegate: principal_label(identities[p], accounts.get(p)) for delegate, p in chosen.items()}


def actor_name(account: Account, exchange_id: int) -> str:
    """The account's name in the exchange: « Prénom NOM », or « Prénom NOM pour le compte de … » when it takes
    part through a delegation."""
    return on_behalf(account.full_name, principals_in(exchange_id, [account.id]).get(account.id))
