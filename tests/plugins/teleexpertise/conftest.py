"""Téléexpertise's test world: a requester (Alice), an expert (Bob, dermatologist), a hospital department that
is an expert too (Carole acts for it), an outsider (Mallory), a patient with an INS in Alice's care."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kernel.testing import make_patient, make_structure
from plugins.teleexpertise import hooks as teleexpertise
from plugins.teleexpertise.models import Expert

PLUGINS = [("teleexpertise", teleexpertise)]
INS = "279035121518989"  # Marie Hélène DUPONT, the demo's: a valid key
OTHER_NIR = "146026322000196"
AM = "741123456"
FORM = [
    {"name": "localisation", "label": "Localisation", "type": "text", "required": True, "choices": [], "unit": ""},
    {"name": "taille", "label": "Taille", "type": "number", "required": True, "choices": [], "unit": "mm"},
    {"name": "evolution", "label": "Évolution récente", "type": "yesno", "required": True, "choices": [], "unit": ""},
    {"name": "anciennete", "label": "Ancienneté", "type": "choice", "required": False,
     "choices": ["Moins d'un mois", "Plus d'un mois"], "unit": ""},
    {"name": "apparition", "label": "Date d'apparition", "type": "date", "required": False, "choices": [], "unit": ""},
]
ANSWERS = {"localisation": "Dos", "taille": "7,5", "evolution": "oui", "anciennete": "Plus d'un mois",
           "apparition": "2026-09-01"}


@dataclass
class World:
    requester: Any  # RelaisUser
    expert: Any
    member: Any  # acts for the department
    outsider: Any
    department: Any  # Identity
    dermatology: Expert
    cardiology: Expert
    patient: Any

    def payload(self, **changes: Any) -> dict[str, Any]:
        base = {"acting_as": self.requester.identity_id, "expert": self.expert.identity_id, "answers": dict(ANSWERS),
                "patient": self.patient.id, "nir": INS, "billing_number": AM, "consent": True,
                "subject": "Téléexpertise – Marie DUPONT", "body": "Lésion pigmentée : votre avis ?"}
        base.update(changes)
        return {k: v for k, v in base.items() if v is not ...}

    def send(self, **changes: Any) -> Any:
        return self.requester.api.post("/api/v1/channels/teleexpertise/exchanges", json=self.payload(**changes))

    def start(self, **changes: Any) -> int:
        r = self.send(**changes)
        assert r.status_code == 201, r.json
        return r.json["exchange"]["id"]


@pytest.fixture
def world(relais_app, relais_user) -> World:
    alice = relais_user("alice", "Alice", "Martin", profession="Médecin généraliste")
    bob = relais_user("bob", "Bob", "Durand", profession="Dermatologue")
    carol = relais_user("carol", "Carole", "Roux", profession="Cardiologue")
    mallory = relais_user("mallory", "Mallory", "Noir")
    department = make_structure("Cardiologie – CH Annecy", delegates=(carol.account,))
    dermatology = Expert.create(identity=bob.identity_id, scope="Dermatologie : lésions pigmentées, plaies",
                                prerequisites="Merci de joindre des photos nettes.", form=FORM, accepting=True)
    cardiology = Expert.create(identity=department.id, scope="Cardiologie : ECG, souffle", prerequisites="",
                               form=[], accepting=True)
    patient = make_patient("Marie", "DUPONT", ins=INS, in_care_of=alice.account)
    return World(alice, bob, carol, mallory, department, dermatology, cardiology, patient)
