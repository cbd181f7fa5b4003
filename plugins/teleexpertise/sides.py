"""Who stands on which side of a request: the requester side or the expert side.

"Expert side" is the expert's own account when the expert is a person, or a member (delegate) of the expert
STRUCTURE acting as it. A person-to-person delegation (a secretary acting for Dr X) does not make its holder
the expert: taking, refusing and finalising are medical acts, and TE2 is billed to whoever does them.
"Requester side" is the account that asked, or anyone acting as the identity it asked in the name of.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kernel import identities_for
from kernel.models import CHAT, STRUCTURE


@dataclass(frozen=True)
class Mine:
    """An account's identities, read once: all it may act as, and those that put it on an expert side."""

    all: frozenset[int]
    expert: frozenset[int]


def identities_of(account: Any) -> Mine:
    # Téléexpertise lives in the conversations space: a mail-only delegate is on no side of its principal's.
    identities = identities_for(account, CHAT)
    return Mine(all=frozenset(i.id for i in identities),
                expert=frozenset({account.identity_id} | {i.id for i in identities if i.kind == STRUCTURE}))


def identity_ids(account: Any) -> set[int]:
    """The account's own identity and every identity it holds an active delegation on."""
    return set(identities_of(account).all)


def expert_side_ids(account: Any) -> set[int]:
    """The expert identities whose requests the account handles: its own and the structures it acts for."""
    return set(identities_of(account).expert)


def is_expert_side(request: Any, account: Any, mine: Mine | None = None) -> bool:
    return request.expert_identity_id in (mine or identities_of(account)).expert


def is_requester_side(request: Any, account: Any, mine: Mine | None = None) -> bool:
    if request.requested_by_id == account.id:
        return True
    return request.requester_id in (mine or identities_of(account)).all
