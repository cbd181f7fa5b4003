"""Delegations in the authorisation matrix (« Mes délégations », the administration's list).

Everyone signed in reads their own delegations and may grant one (asked with a scope the API refuses, so no
cell changes what another reads). A delegation is changed or withdrawn by the professional who gave it, or an
administrator; for anyone else it does not exist (404). Each such cell works on a fresh delegation of the
member's.
"""
from __future__ import annotations

import itertools
from typing import Any

from kernel.services import delegations
from kernel.testing import make_account
from security.matrix_cells import Expect, admins_only, json, page, signed_in
from security.matrix_world import World

_sequence = itertools.count(1)


def members_delegation(world: World, role: str) -> dict[str, Any]:
    """A new delegation the member gave to a new professional."""
    with world.app.app_context():
        helper = make_account(f"matrice_deleg{next(_sequence)}", "Aide", "Deleguee")
        member = world.accounts["member"]
        row = delegations.grant(member.identity, helper, delegations.SCOPE_ALL, granted_by=member)
        return {"delegation_id": row.id}


# Given by the member: the member and administrators change it; anyone else is told there is none.
_PRINCIPAL_OR_ADMIN = dict(non_member=404, delegate=404, withdrawn=404)

DELEGATION_ROUTES: dict[str, Expect] = {
    "api.my_delegations": signed_in(200),
    "api.grant_delegation": signed_in(422, body=json({"delegate": 0, "scope": "tout"})),
    "api.rescope_delegation": signed_in(200, **_PRINCIPAL_OR_ADMIN, url=members_delegation,
                                        body=json({"scope": "mail"})),
    "api.withdraw_delegation": signed_in(204, **_PRINCIPAL_OR_ADMIN, url=members_delegation),
    "api.admin_delegations": admins_only(200, url=lambda w, r: {"q": "matrice"}),
}
DELEGATION_ROUTES.update({
    "delegations.mine": page(200),  # « Mes délégations »: one's own, drawn from /api/v1/delegations
    "delegations.every": page(403, admin=200),
})
