"""Who stands on which side of a request: the requester side or the expert side.

"Expert side" is the expert's own account, or a member (delegate) of the expert structure acting as it;
"requester side" is the account that asked, or anyone acting as the identity it asked in the name of.
"""
from __future__ import annotations

from typing import Any

from kernel import identities_for


def identity_ids(account: Any) -> set[int]:
    """The account's own identity and every identity it holds an active delegation on."""
    return {i.id for i in identities_for(account)}


def is_expert_side(request: Any, account: Any, mine: set[int] | None = None) -> bool:
    return request.expert_identity_id in (mine if mine is not None else identity_ids(account))


def is_requester_side(request: Any, account: Any, mine: set[int] | None = None) -> bool:
    if request.requested_by_id == account.id:
        return True
    return request.requester_id in (mine if mine is not None else identity_ids(account))
