"""Téléexpertise lives in the conversations space: a mail-only delegate stands on no side of its principal's
requests; a delegation of scope « all » does."""
from __future__ import annotations

from types import SimpleNamespace

from kernel.models import Delegation
from kernel.services import delegations
from kernel.testing import make_account
from plugins.teleexpertise.sides import identity_ids, is_requester_side


def test_a_mail_only_delegate_is_not_on_the_requester_side(app):
    doctor = make_account("doctor", "Alice", "Martin", profession="Médecin généraliste")
    secretary = make_account("secretary", "Léa", "Petit", profession="Secrétaire médicale")
    delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
    request = SimpleNamespace(requester_id=doctor.identity_id, requested_by_id=doctor.id, expert_identity_id=0)
    assert identity_ids(secretary) == {secretary.identity_id}
    assert not is_requester_side(request, secretary)
    delegations.change_scope(Delegation.get(Delegation.delegate == secretary.id), delegations.SCOPE_ALL)
    assert identity_ids(secretary) == {secretary.identity_id, doctor.identity_id}
    assert is_requester_side(request, secretary)
