"""``relais delegation grant|withdraw|list``: the profile page's rules and audit lines, in French; bad input
changes nothing."""
from __future__ import annotations

from kernel.models import AuditEvent, Delegation, Identity
from kernel.testing import make_structure


def _people(create_user) -> None:
    for login in ("julie.bernard", "isabelle.roux"):
        assert create_user(login).exit_code == 0


def test_grant_list_rescope_and_withdraw(run, initialised, create_user, database) -> None:
    _people(create_user)
    result = run("delegation", "grant", "--for", "julie.bernard", "--delegate", "isabelle.roux", "--scope", "mail")
    assert result.exit_code == 0, result.output
    assert "peut agir au nom de Julie BERNARD (messagerie sécurisée uniquement)" in result.stdout
    listed = run("delegation", "list", "--login", "isabelle.roux")
    assert listed.exit_code == 0 and "Messagerie sécurisée uniquement" in listed.stdout
    assert "1 délégation." in listed.stdout
    again = run("delegation", "grant", "--for", "julie.bernard", "--delegate", "isabelle.roux", "--scope", "all")
    assert again.exit_code == 0, again.output
    gone = run("delegation", "withdraw", "--for", "julie.bernard", "--delegate", "isabelle.roux")
    assert gone.exit_code == 0, gone.output
    assert "n'agit plus au nom de Julie BERNARD" in gone.stdout
    assert run("delegation", "list").stdout.strip() == "Aucune délégation."
    assert "Retirée le" in run("delegation", "list", "--withdrawn").stdout
    with database():
        assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("delegation."))
                .order_by(AuditEvent.id)] == ["delegation.grant", "delegation.scope", "delegation.withdraw"]


def test_a_structure_and_a_withdrawal_by_number(run, initialised, create_user, database) -> None:
    _people(create_user)
    with database():
        structure_id = make_structure("Coordination REPAP").id
    result = run("delegation", "grant", "--structure", str(structure_id), "--delegate", "isabelle.roux")
    assert result.exit_code == 0, result.output
    assert "Coordination REPAP (messagerie et conversations)" in result.stdout
    with database():
        row = Delegation.get(Delegation.principal == structure_id)
    assert run("delegation", "withdraw", "--id", str(row.id)).exit_code == 0
    again = run("delegation", "withdraw", "--id", str(row.id))
    assert again.exit_code == 1 and "aucune délégation en cours ne correspond" in again.stderr


def test_bad_input_is_refused_in_french_and_changes_nothing(run, initialised, create_user, database) -> None:
    _people(create_user)
    cases = [
        (("--for", "julie.bernard", "--delegate", "personne"), "aucun compte n'a l'identifiant « personne »"),
        (("--delegate", "isabelle.roux"), "indiquez pour qui agir"),
        (("--for", "julie.bernard", "--structure", "1", "--delegate", "isabelle.roux"), "l'un des deux"),
        (("--structure", "999", "--delegate", "isabelle.roux"), "aucune structure n'a le numéro 999"),
        (("--for", "julie.bernard", "--delegate", "julie.bernard"), "on ne peut pas se déléguer à soi-même"),
        (("--for", "julie.bernard", "--delegate", "isabelle.roux", "--scope", "tout"), "tout"),
    ]
    for args, said in cases:
        result = run("delegation", "grant", *args)
        assert result.exit_code != 0, (args, result.output)
        assert said in result.output, (args, result.output)
    with database():
        assert Delegation.select().count() == 0
        assert Identity.select().count() == 2
