"""Experts (TE-1): declaring a profile (good and bad inputs), a structure's profile edited by its members,
the search (accent-insensitive, by name, speciality, scope and place; unavailable experts shown, not choosable)."""
from __future__ import annotations

import pytest

from kernel.models import AuditEvent
from plugins.teleexpertise.models import Expert

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)

PROFILE = {"scope": "Rhumatologie : arthrose, ostéoporose", "prerequisites": "Joindre les radiographies.",
           "accepting": True, "billing_number": "741555666",
           "form": [{"label": "Côté atteint", "type": "choice", "choices": ["Droit", "Gauche"], "required": True},
                    {"label": "Douleur (EVA)", "type": "number", "unit": "/10"},
                    {"label": "Traitement en cours ?", "type": "yesno"},
                    {"label": "Début des symptômes", "type": "date"}, {"label": "Précisions", "type": "text"}]}


def _save(user, identity_id, **changes):
    return user.api.put(f"/teleexpertise/api/profils/{identity_id}", json={**PROFILE, **changes})


def test_a_professional_declares_and_edits_its_profile(world):
    outsider = world.outsider
    listed = outsider.api.get("/teleexpertise/api/profils").json["profiles"]
    assert listed == [{"identity": {"id": outsider.identity_id, "display_name": "Mallory NOIR", "kind": "person"},
                       "expert": None}]
    r = _save(outsider, outsider.identity_id)
    assert r.status_code == 200, r.json
    expert = r.json["expert"]
    assert [(q["name"], q["type"], q["required"]) for q in expert["form"]] == [
        ("cote_atteint", "choice", True), ("douleur_eva", "number", False), ("traitement_en_cours", "yesno", False),
        ("debut_des_symptomes", "date", False), ("precisions", "text", False)]
    assert expert["form"][1]["unit"] == "/10" and expert["billing_number"] == "741555666"
    # Names stay what they were when the label changes (the editor sends them back).
    form = [{**q, "label": "Côté"} if q["name"] == "cote_atteint" else q for q in expert["form"]]
    again = _save(outsider, outsider.identity_id, form=form, accepting=False, back_on="2031-03-01")
    assert again.status_code == 200 and again.json["expert"]["form"][0]["name"] == "cote_atteint"
    assert again.json["expert"]["availability"] == "Ne prend pas de demandes pour le moment : de retour le 01/03/2031."
    assert Expert.select().count() == 3
    assert AuditEvent.select().where(AuditEvent.action == "teleexpertise.expert.save").count() == 2


@pytest.mark.parametrize("changes, field, message", [
    ({"scope": " "}, "scope", "Ce champ est obligatoire."),
    ({"billing_number": "12345"}, "billing_number", "9 chiffres"),
    ({"back_on": "2001-01-01", "accepting": False}, "back_on", "La date de retour est passée"),
    ({"form": [{"label": "Côté", "type": "choice", "choices": ["Droit"]}]}, "form.0.choices", "au moins deux"),
    ({"form": [{"label": "Côté", "type": "choice", "choices": ["Droit", "Droit"]}]}, "form.0.choices", "identiques"),
    ({"form": [{"label": "", "type": "text"}]}, "form.0.label", "Ce champ est obligatoire."),
    ({"form": [{"label": "Poids", "type": "weight"}]}, "form.0.type", "Choisissez une des valeurs proposées."),
    ({"form": [{"label": "Poids", "type": "number", "name": "Poids!"}]}, "form.0.name", "lettres minuscules"),
    ({"form": "non"}, "form", "Une liste est attendue."),
    ({"surprise": 1}, "surprise", "Champ inconnu."),
])
def test_bad_profiles_are_refused_at_their_field(world, changes, field, message):
    r = _save(world.outsider, world.outsider.identity_id, **changes)
    assert r.status_code == 422, r.json
    assert message in " ".join(r.json["errors"][field]), r.json
    assert not Expert.select().where(Expert.identity == world.outsider.identity_id).exists()


def test_only_the_identity_or_its_delegates_edit_a_profile(world):
    r = _save(world.outsider, world.department.id)
    assert r.status_code == 403 and "ses délégués" in r.json["errors"]["identity"][0]
    structure = world.member.api.get("/teleexpertise/api/profils").json["profiles"]
    assert [p["identity"]["display_name"] for p in structure] == ["Carole ROUX", "Cardiologie – CH Annecy"]
    r = _save(world.member, world.department.id, billing_number=None, scope="Cardiologie : ECG, souffle, HTA")
    assert r.status_code == 200 and Expert.get(Expert.identity == world.department.id).scope.endswith("HTA")
    r = _save(world.member, world.department.id)
    assert r.status_code == 422 and "Une structure n'a pas de numéro" in r.json["errors"]["billing_number"][0]


def _names(found):
    return [e["display_name"] for e in found["professionals"] + found["services"]]


def test_the_search_is_accent_insensitive_on_name_speciality_scope_and_place(world):
    search = lambda **q: world.requester.api.get("/teleexpertise/experts", query_string=q).json  # noqa: E731
    assert _names(search(q="derma")) == ["Bob DURAND"]  # profession
    assert _names(search(q="lesions pigm")) == ["Bob DURAND"]  # scope, accents aside
    assert _names(search(q="DURAND")) == ["Bob DURAND"]
    assert _names(search(q="ecg")) == ["Cardiologie – CH Annecy"]
    assert search(q="ecg")["services"][0]["identity_id"] == world.department.id
    assert _names(search(q="cardio annecy")) == ["Cardiologie – CH Annecy"]
    assert _names(search(q="pédiatrie")) == []
    assert _names(search(q="derma", where="Lyon")) == []  # no city known for Bob


def test_an_unavailable_expert_is_listed_last_with_its_return_date(world):
    import datetime as dt
    world.dermatology.accepting, world.dermatology.back_on = False, dt.date(2031, 1, 15)
    world.dermatology.save()
    found = world.requester.api.get("/teleexpertise/experts?q=d").json
    bob = next(e for e in found["professionals"] if e["display_name"] == "Bob DURAND")
    assert bob["unavailable"] == "Ne prend pas de demandes pour le moment : de retour le 15/01/2031."


def test_one_does_not_find_oneself(world):
    assert _names(world.expert.api.get("/teleexpertise/experts?q=durand").json) == []
    assert world.member.api.get("/teleexpertise/experts?q=ecg").json["services"] == []


def test_an_expert_profile_can_be_read_by_any_professional(world):
    r = world.outsider.api.get(f"/teleexpertise/experts/{world.dermatology.id}")
    assert r.status_code == 200 and r.json["expert"]["prerequisites"] == "Merci de joindre des photos nettes."
    assert world.outsider.api.get("/teleexpertise/experts/999").status_code == 404


def test_the_billing_number_is_shown_only_to_who_edits_the_profile(world):
    world.dermatology.billing_number = "741555666"
    world.dermatology.save()
    for reader in (world.outsider, world.requester):
        shown = reader.api.get(f"/teleexpertise/experts/{world.dermatology.id}").json["expert"]
        assert "billing_number" not in shown and "741555666" not in str(shown)
    assert "741555666" not in world.requester.api.get("/teleexpertise/experts?q=durand").get_data(as_text=True)
    own = world.expert.api.get(f"/teleexpertise/experts/{world.dermatology.id}").json["expert"]
    assert own["billing_number"] == "741555666"
    [mine] = world.expert.api.get("/teleexpertise/api/profils").json["profiles"]
    assert mine["expert"]["billing_number"] == "741555666"
