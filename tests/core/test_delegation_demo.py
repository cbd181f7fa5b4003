"""The demo shows a mail-only delegation: the secretary handles Dr BERNARD's secure mail, not her conversations."""
from __future__ import annotations

from kernel import demo
from kernel.models import Account, Delegation
from kernel.services.acting_as import identities_for


def test_the_demo_secretary_holds_a_mail_only_delegation_for_the_doctor(make_app):
    app = make_app("sqlite", plugins=[])
    assert demo.seed(app) is True
    with app.app_context():
        secretary = Account.get(Account.login == "isabelle.roux")
        doctor = Account.get(Account.login == "julie.bernard")
        row = Delegation.get((Delegation.delegate == secretary.id) & (Delegation.principal == doctor.identity_id))
        assert (row.scope, row.granted_by_id) == ("mail", doctor.id)
        names = lambda space: [i.display_name for i in identities_for(secretary, space)]  # noqa: E731
        assert names("mail") == ["Isabelle ROUX", "Coordination REPAP", "Dr Julie BERNARD"]
        assert names("chat") == ["Isabelle ROUX", "Coordination REPAP"]
        # Structures' members keep everything.
        assert {d.scope for d in Delegation.select().where(Delegation.principal != doctor.identity_id)} == {"all"}
