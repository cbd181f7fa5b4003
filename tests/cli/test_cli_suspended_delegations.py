"""``relais delegation list`` says when a delegation is suspended (given by a deactivated account)."""
from __future__ import annotations


def test_the_list_shows_a_suspended_delegation(run, initialised, create_user) -> None:
    for login in ("julie.bernard", "isabelle.roux"):
        assert create_user(login).exit_code == 0
    assert run("delegation", "grant", "--for", "julie.bernard", "--delegate", "isabelle.roux").exit_code == 0
    assert "en vigueur" in run("delegation", "list").stdout
    deactivated = run("user", "deactivate", "--login", "julie.bernard")
    assert deactivated.exit_code == 0, deactivated.output
    listed = run("delegation", "list", "--login", "isabelle.roux").stdout
    assert "suspendue : compte désactivé" in listed and "1 délégation." in listed
    assert run("user", "activate", "--login", "julie.bernard").exit_code == 0
    assert "en vigueur" in run("delegation", "list").stdout
