"""A structure's expert profile, edited from the administration (issue #17, item 2): administrators and directory
managers open it from the structure's page (the block the plugin adds through ``structure_admin_sections``), see
French errors at each field, and every change is audited; nobody else may, not even the structure's delegate
(who edits it from « Mon profil d'expert »)."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.models import AuditEvent
from plugins.teleexpertise.models import Expert

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)

PROFILE = {"scope": "Cardiologie : ECG, souffle, insuffisance cardiaque", "prerequisites": "Joindre l'ECG.",
           "accepting": False, "back_on": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
           "form": [{"label": "Fréquence cardiaque", "type": "number", "required": True, "unit": "bpm"}]}


@pytest.fixture
def admin(relais_user):
    return relais_user("admin", "Anne", "Admin", is_admin=True)


@pytest.fixture
def manager(relais_user):
    user = relais_user("gestion", "Gaël", "Gestion")
    user.account.directory_manager = True
    user.account.save()
    return user


def _api(structure_id: int) -> str:
    return f"/teleexpertise/admin/api/structures/{structure_id}/profil"


def _saves() -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == "teleexpertise.expert.save").order_by(AuditEvent.id))


def test_an_administrator_edits_a_structure_s_profile_and_it_is_audited(world, admin):
    department = world.department
    page = admin.browser.get(f"/admin/structures/{department.id}").get_data(as_text=True)
    assert "Modifier le profil d’expert" in page and f"/teleexpertise/admin/structures/{department.id}/profil" in page

    r = admin.api.get(_api(department.id))
    assert r.status_code == 200
    [entry] = r.json["profiles"]
    assert entry["identity"] == {"id": department.id, "display_name": department.display_name, "kind": "structure"}
    assert entry["expert"]["scope"] == "Cardiologie : ECG, souffle"

    r = admin.browser.put(_api(department.id), json=PROFILE)  # the page's own request: session and CSRF
    assert r.status_code == 200, r.json
    saved = Expert.get(Expert.identity == department.id)
    assert (saved.scope, saved.prerequisites, saved.accepting, saved.back_on.isoformat()) == (
        PROFILE["scope"], PROFILE["prerequisites"], False, PROFILE["back_on"])
    assert [(q["name"], q["unit"]) for q in saved.form] == [("frequence_cardiaque", "bpm")]
    assert saved.updated_by_id == admin.account.id
    [line] = _saves()
    assert (line.account_id, line.acting_as_id, line.target) == (
        admin.account.id, department.id, f"teleexpertise_expert:{saved.id}")
    assert line.detail == ("accepting=False fields=1 via=administration "
                           "changed=scope,prerequisites,form,accepting,back_on")
    # Requesters see it at once.
    found = world.requester.api.get(f"/teleexpertise/experts/{saved.id}").json["expert"]
    assert found["availability"].startswith("Ne prend pas de demandes pour le moment : de retour le")
    # The structure's page says so.
    page = admin.browser.get(f"/admin/structures/{department.id}").get_data(as_text=True)
    assert "Ne reçoit pas de demandes jusqu’au" in page and "Questions posées aux demandeurs : 1" in page


def test_a_structure_that_is_no_expert_yet_is_declared_from_the_administration(world, admin):
    from kernel.testing import make_structure

    team = make_structure("Équipe mobile de gériatrie")
    assert "Déclarer la structure experte" in admin.browser.get(f"/admin/structures/{team.id}").get_data(as_text=True)
    assert admin.api.get(_api(team.id)).json["profiles"][0]["expert"] is None
    r = admin.api.put(_api(team.id), json={"scope": "Gériatrie : chutes, troubles cognitifs"})
    assert r.status_code == 200, r.json
    assert r.json["expert"]["accepting"] is True
    assert _saves()[-1].detail == "accepting=True fields=0 via=administration changed=created"


def test_a_directory_manager_may_too(world, manager):
    assert manager.browser.get(f"/teleexpertise/admin/structures/{world.department.id}/profil").status_code == 200
    r = manager.api.put(_api(world.department.id), json={"scope": "Cardiologie"})
    assert r.status_code == 200, r.json
    assert _saves()[-1].account_id == manager.account.id


@pytest.mark.parametrize("who", ["expert", "member", "requester", "outsider"])
def test_anyone_else_is_refused_and_nothing_changes(world, who):
    user = getattr(world, who)
    before = Expert.get(Expert.identity == world.department.id).scope
    assert user.browser.get(f"/teleexpertise/admin/structures/{world.department.id}/profil").status_code == 403
    r = user.api.get(_api(world.department.id))
    assert r.status_code == 403 and "administrateurs" in r.json["errors"]["_schema"][0]
    r = user.api.put(_api(world.department.id), json={"scope": "Piraté"})
    assert r.status_code == 403
    assert Expert.get(Expert.identity == world.department.id).scope == before and _saves() == []


def test_signed_out_visitors_go_to_the_login_page(world, relais_app):
    r = relais_app.test_client().get(f"/teleexpertise/admin/structures/{world.department.id}/profil")
    assert r.status_code == 302 and r.headers["Location"] == f"/login?next=/teleexpertise/admin/structures/{world.department.id}/profil", r.headers.get("Location")


@pytest.mark.parametrize("body, field, message", [
    ({"scope": "  "}, "scope", None),
    ({}, "scope", "Ce champ est obligatoire."),
    ({"scope": "Avis", "accepting": False, "back_on": "2020-01-01"}, "back_on",
     "La date de retour est passée : choisissez une date à venir, ou laissez vide."),
    ({"scope": "Avis", "back_on": "31/12/2030"}, "back_on", None),
    ({"scope": "Avis", "billing_number": "741123456"}, "billing_number",
     "Une structure n'a pas de numéro de facturation : chaque professionnel qui répond pour elle a le sien."),
    ({"scope": "Avis", "form": [{"label": "Type", "type": "choice", "choices": ["Un seul"]}]}, "form.0.choices",
     "Une question à choix propose au moins deux réponses."),
    ({"scope": "Avis", "form": [{"label": "", "type": "text"}]}, "form.0.label", None),
    ({"scope": "Avis", "delay": 3}, "delay", "Champ inconnu."),
])
def test_bad_input_is_refused_at_its_field_in_french(world, admin, body, field, message):
    before = Expert.get(Expert.identity == world.department.id).scope
    r = admin.api.put(_api(world.department.id), json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"], r.json
    if message:
        assert r.json["errors"][field] == [message]
    assert Expert.get(Expert.identity == world.department.id).scope == before and _saves() == []


def test_what_is_no_structure_is_not_found(world, admin):
    assert admin.api.get(_api(world.expert.identity_id)).status_code == 404  # a person's identity
    assert admin.api.get(_api(999999)).status_code == 404
    assert admin.browser.get(f"/teleexpertise/admin/structures/{world.expert.identity_id}/profil").status_code == 404
    r = admin.api.put(_api(999999), json={"scope": "Avis"})
    assert r.status_code == 404 and r.json["errors"]["_schema"] == ["Cette structure est introuvable."]
