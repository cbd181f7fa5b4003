"""The delegations service: grant, re-scope and withdraw, audited, with the delegate's rights changed at once."""
from __future__ import annotations

import pytest

from kernel.models import AuditEvent, Delegation
from kernel.services import delegations
from kernel.services.acting_as import identity_ids
from kernel.testing.factories import make_account, make_structure


def _actions() -> list[str]:
    return [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("delegation.")).order_by(AuditEvent.id)]


def test_grant_scope_withdraw_and_grant_again(app):
    with app.app_context():
        doctor = make_account(first="Paul", last="Durand")
        secretary = make_account(first="Léa", last="Petit", eligible=False)
        row = delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
        assert row.scope == "mail" and row.revoked_at is None and row.granted_by_id == doctor.id
        assert doctor.identity_id in identity_ids(secretary.id)
        again = delegations.grant(doctor.identity, secretary, delegations.SCOPE_ALL, granted_by=doctor)
        assert again.id == row.id and Delegation.get_by_id(row.id).scope == "all"
        assert delegations.withdraw(Delegation.get_by_id(row.id), by=doctor) is True
        assert delegations.withdraw(Delegation.get_by_id(row.id), by=doctor) is False
        assert doctor.identity_id not in identity_ids(secretary.id)
        back = delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
        assert back.id == row.id and back.revoked_at is None and back.scope == "mail"
        assert _actions() == ["delegation.grant", "delegation.scope", "delegation.withdraw", "delegation.grant"]
        last = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
        assert last.account_id == doctor.id and last.acting_as_id == doctor.identity_id
        assert last.target == f"delegation:{row.id}"


@pytest.mark.parametrize("case", ["self", "inactive", "scope"])
def test_refused_grants_store_nothing(app, case):
    with app.app_context():
        doctor = make_account()
        other = make_account(first="Marc", last="Leroy")
        if case == "inactive":
            other.active = False
            other.save()
        delegate, scope = {"self": (doctor, "all"), "inactive": (other, "all"), "scope": (other, "tout")}[case]
        with pytest.raises(delegations.DelegationRefused) as refused:
            delegations.grant(doctor.identity, delegate, scope, granted_by=doctor)
        assert refused.value.field == ("scope" if case == "scope" else "delegate")
        assert refused.value.message
        assert Delegation.select().count() == 0 and _actions() == []


def test_narrowing_and_withdrawing_tell_the_delegate_sockets(app):
    with app.app_context():
        member = make_account()
        structure = make_structure(delegates=(member,))
        row = Delegation.get(Delegation.delegate == member.id)
        socket = app.extensions["relais"].events.subscribe(member.id)
        delegations.change_scope(row, delegations.SCOPE_MAIL, by=None)
        assert socket.take_rights_change() == []  # narrower: its open pages re-check
        delegations.change_scope(row, delegations.SCOPE_ALL, by=None)
        assert socket.take_rights_change() is None  # wider: nothing to take back
        delegations.withdraw(row, by=None)
        assert socket.take_rights_change() == []
        assert structure.id not in identity_ids(member.id)
