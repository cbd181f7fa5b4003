"""Granting, re-scoping and withdrawing delegations: the one path the profile page, the administration,
the API, the CLI and the structures' members all go through.

Every change is audited (``delegation.grant``, ``delegation.scope``, ``delegation.withdraw``) and takes
effect at once: what narrows a delegate's rights publishes ``rights.changed`` on commit, so its open live
sockets stop delivering what it may no longer see (kernel/services/rights.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import peewee as pw

from ..db import utcnow, write_transaction
from ..directory.text import fold
from ..models import Account, Delegation, DirectoryEntry, Identity
from ..models.delegation import SCOPE_ALL, SCOPE_MAIL, SCOPES
from ..relais import current_relais
from .behalf import principal_label as behalf_label
from .rights import DELEGATION, rights_changed

__all__ = ["SCOPE_ALL", "SCOPE_MAIL", "SCOPES", "DelegationRefused", "grant", "withdraw", "change_scope",
           "scope_label", "may_manage", "given_by", "held_by", "search", "one", "describe", "suspended",
           "state_label", "delegates_of", "SUSPENDED_LABEL", "taking_effect", "delegate_counts"]

_SCOPE_LABELS = dict(SCOPES)


class DelegationRefused(ValueError):
    """A delegation that cannot be granted or changed; ``field`` names the input at fault (for forms and API)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


def scope_label(scope: str) -> str:
    return _SCOPE_LABELS.get(scope, scope)


def _check_scope(scope: str) -> None:
    if scope not in _SCOPE_LABELS:
        raise DelegationRefused("scope", "Choisissez « Messagerie sécurisée uniquement » ou « Messagerie et conversations ».")


def grant(principal_identity: Identity, delegate_account: Account, scope: str = SCOPE_ALL,
          granted_by: Account | None = None) -> Delegation:
    """Let ``delegate_account`` act for ``principal_identity`` within ``scope``; returns the delegation in
    force. Granting again what is already in force only changes its scope (audited as such); a withdrawn
    delegation comes back as a new grant. ``granted_by`` is None for the command line."""
    _check_scope(scope)
    if not delegate_account.active:
        raise DelegationRefused("delegate", "Ce compte est désactivé : il ne peut pas recevoir de délégation.")
    if delegate_account.identity_id == principal_identity.id:
        raise DelegationRefused("delegate", "On ne peut pas se déléguer à soi-même.")
    with write_transaction():
        row = Delegation.get_or_none((Delegation.delegate == delegate_account.id)
                                     & (Delegation.principal == principal_identity.id))
        if row is not None and row.revoked_at is None:
            if row.scope != scope:
                return _set_scope(row, scope, granted_by)
            return row
        if row is None:
            row = Delegation.create(delegate=delegate_account.id, principal=principal_identity.id, scope=scope,
                                    granted_by=granted_by.id if granted_by else None)
        else:  # one row per pair (unique index): a withdrawn delegation is granted anew
            row.scope, row.revoked_at, row.granted_at = scope, None, utcnow()
            row.granted_by = granted_by.id if granted_by else None
            row.save(only=[Delegation.scope, Delegation.revoked_at, Delegation.granted_at, Delegation.granted_by])
        _audit("delegation.grant", row, granted_by, f"scope={scope}")
    return row


def change_scope(delegation: Delegation, scope: str, by: Account | None = None) -> Delegation:
    """Widen or narrow a delegation in force; narrowing to mail makes the delegate's sockets re-check."""
    _check_scope(scope)
    if delegation.revoked_at is not None:
        raise DelegationRefused("scope", "Cette délégation a été retirée.")
    if delegation.scope == scope:
        return delegation
    with write_transaction():
        return _set_scope(delegation, scope, by)


def withdraw(delegation: Delegation, by: Account | None = None) -> bool:
    """End a delegation: its delegate no longer acts for, nor sees the exchanges of, its principal, at once
    (open sockets included). False if it was no longer in force."""
    with write_transaction():
        ended = (Delegation.update(revoked_at=utcnow())
                 .where((Delegation.id == delegation.id) & Delegation.revoked_at.is_null()).execute())
        if not ended:
            return False
        delegation.revoked_at = utcnow()
        rights_changed([delegation.delegate_id], DELEGATION)
        _audit("delegation.withdraw", delegation, by, f"scope={delegation.scope}")
    return True


def _set_scope(row: Delegation, scope: str, by: Account | None) -> Delegation:
    before = row.scope
    row.scope = scope
    row.save(only=[Delegation.scope])
    if scope == SCOPE_MAIL:  # narrower: the conversations it saw must leave its open pages
        rights_changed([row.delegate_id], DELEGATION)
    _audit("delegation.scope", row, by, f"scope={before}->{scope}")
    return row


def _audit(action: str, row: Delegation, by: Account | None, detail: str) -> Any:
    # acting_as_id: the identity the delegation is about, so the principal's trail shows who may act for it.
    return current_relais().audit.record(
        action, account_id=by.id if by else None, acting_as_id=row.principal_id,
        target=f"delegation:{row.id}", detail=f"delegate=account:{row.delegate_id} {detail}")


# --- reading -------------------------------------------------------------------------------------------

def may_manage(account: Account, delegation: Delegation) -> bool:
    """The professional who gave it changes and withdraws it; an administrator any. A structure's members
    are managed by the administration (kernel/services/structures.py)."""
    from ..models.roles import may_manage_accounts

    return may_manage_accounts(account) or delegation.principal_id == account.identity_id


def _rows(where: Any) -> Any:
    principal_account, delegate_identity, granter = Account.alias(), Identity.alias(), Account.alias()
    return (Delegation.select(Delegation, Identity, Account, delegate_identity, principal_account, granter)
            .join_from(Delegation, Identity, on=(Delegation.principal == Identity.id))
            .join_from(Delegation, Account, on=(Delegation.delegate == Account.id))
            .join_from(Account, delegate_identity, on=(Account.identity == delegate_identity.id),
                       attr="delegate_identity")
            .join_from(Identity, principal_account, pw.JOIN.LEFT_OUTER,
                       on=(principal_account.identity == Identity.id), attr="principal_account")
            .join_from(Delegation, granter, pw.JOIN.LEFT_OUTER, on=(Delegation.granted_by == granter.id),
                       attr="granter")
            .where(where))


def given_by(identity_id: int) -> list[Delegation]:
    """The delegations in force on an identity (a professional's « Mes délégations »), by delegate's name;
    suspended ones too (``suspended``: given by a deactivated account)."""
    rows = list(_rows((Delegation.principal == identity_id) & Delegation.revoked_at.is_null()))
    return sorted(rows, key=lambda d: (d.delegate.last_name.lower(), d.delegate.first_name.lower()))


def held_by(account_id: int) -> list[Delegation]:
    """The delegations not withdrawn an account holds (for whom it may act), by principal's name; suspended ones
    too, shown as such (``suspended``): they take effect again when their principal is reactivated."""
    rows = list(_rows((Delegation.delegate == account_id) & Delegation.revoked_at.is_null()))
    return sorted(rows, key=lambda d: d.principal.display_name.lower())


@dataclass
class Found:
    delegations: list[Delegation]
    total: int


def search(person: int | None = None, structure: int | None = None, include_withdrawn: bool = False,
           q: str = "", limit: int = 50, offset: int = 0) -> Found:
    """Every delegation for the administration: ``person`` (an account id) as delegate or as the professional
    acted for; ``structure`` (an identity id) as principal; ``q``: words each starting a name of either
    side (accents and case aside); newest first."""
    where = pw.SQL("1 = 1") if include_withdrawn else Delegation.revoked_at.is_null()
    for word in fold(q).split():
        # The directory's search words of both sides ("word word…", folded): a name, a structure, a profession.
        starts = (DirectoryEntry.search_q ** f"{word}%") | (DirectoryEntry.search_q ** f"% {word}%")
        sides = DirectoryEntry.select(DirectoryEntry.identity).where(starts & DirectoryEntry.identity.is_null(False))
        delegates = Account.select(Account.id).where(Account.identity.in_(sides))
        where &= Delegation.principal.in_(sides) | Delegation.delegate.in_(delegates)
    if person is not None:
        own = Account.select(Account.identity).where(Account.id == person)
        where &= (Delegation.delegate == person) | Delegation.principal.in_(own)
    if structure is not None:
        where &= Delegation.principal == structure
    query = _rows(where)
    total = query.count()
    rows = list(query.order_by(Delegation.granted_at.desc(), Delegation.id.desc()).limit(limit).offset(offset))
    return Found(rows, total)


SUSPENDED_LABEL = "suspendue : compte désactivé"


def suspended(row: Delegation) -> bool:
    """A delegation in force given by a professional whose account is deactivated: it takes no effect (nobody
    acts for a deactivated account: kernel/services/acting_as.py) and takes effect again, unchanged, on
    reactivation. A row read by ``_rows`` (its principal's account joined)."""
    principal_account = getattr(row.principal, "principal_account", None)
    return bool(row.revoked_at is None and principal_account is not None and principal_account.id
                and not principal_account.active)


def state_label(row: Delegation) -> str:
    """« en vigueur », « suspendue : compte désactivé » or « retirée »."""
    if row.revoked_at is not None:
        return "retirée"
    return SUSPENDED_LABEL if suspended(row) else "en vigueur"


def taking_effect() -> pw.Expression:
    """Where a delegation takes effect, by the rules acting_as.py applies to who acts and who sees: not
    withdrawn, not suspended (its principal's account, when it has one, active), and its delegate's account
    active. What counts or lists who acts for an identity today uses it; what shows every delegation with its
    state (« Mes délégations », the administration's list, a structure's members) does not."""
    delegates, principals = Account.alias(), Account.alias()
    return (Delegation.revoked_at.is_null()
            & Delegation.delegate.in_(delegates.select(delegates.id).where(delegates.active))
            & Delegation.principal.not_in(principals.select(principals.identity)
                                          .where(principals.active == False)))  # noqa: E712


def delegates_of(identity_id: int) -> list[int]:
    """The accounts that act for ``identity_id`` through a delegation taking effect (``taking_effect``)."""
    return [a for (a,) in Delegation.select(Delegation.delegate)
            .where((Delegation.principal == identity_id) & taking_effect()).tuples()]


def delegate_counts(identity_ids: Iterable[int]) -> dict[int, int]:
    """Identity id -> how many accounts act for it through a delegation taking effect (``taking_effect``: a
    suspended delegation or a deactivated delegate reads nothing); identities without any are left out."""
    wanted = sorted(set(identity_ids))
    counts: dict[int, int] = {}
    for start in range(0, len(wanted), 500):  # under SQLite's limit of bound parameters
        counts.update(Delegation.select(Delegation.principal, pw.fn.COUNT(Delegation.id))
                      .where(Delegation.principal.in_(wanted[start:start + 500]) & taking_effect())
                      .group_by(Delegation.principal).tuples())
    return counts


def one(delegation_id: int) -> Delegation | None:
    return _rows(Delegation.id == delegation_id).first()


def describe(row: Delegation) -> dict[str, Any]:
    """A delegation as the API and the pages show it (a row read by ``_rows``)."""
    principal_account = getattr(row.principal, "principal_account", None)
    principal_account = principal_account if principal_account and principal_account.id else None
    granter = getattr(row, "granter", None)
    delegate = row.delegate
    return {
        "id": row.id, "scope": row.scope, "scope_label": scope_label(row.scope),
        "principal": {"identity_id": row.principal.id, "kind": row.principal.kind,
                      "display_name": row.principal.display_name,
                      "account_id": principal_account.id if principal_account else None,
                      "label": behalf_label(row.principal, principal_account)},
        "delegate": {"account_id": delegate.id, "identity_id": delegate.identity_id, "name": delegate.full_name,
                     "profession": delegate.profession, "active": delegate.active},
        "granted_at": row.granted_at, "revoked_at": row.revoked_at,
        "suspended": suspended(row), "state_label": state_label(row),
        "granted_by": {"account_id": granter.id, "name": granter.full_name} if granter and granter.id else None,
    }
