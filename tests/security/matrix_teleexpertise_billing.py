"""Matrix helpers for téléexpertise billing (TE-8): a finalised request of the world (the member asked, the
structure's delegate finalised) with its two acts, whose patient only the member and the delegate may read
about; and a patient in nobody's care who reached the yearly limit with the world's structure."""
from __future__ import annotations

import datetime as dt
from typing import Any

from kernel.models import Account
from plugins.teleexpertise.billing import paris_today, planned_acts
from plugins.teleexpertise.finalisation_models import TE2
from plugins.teleexpertise.models import FINALISEE, Request
from security.matrix_teleexpertise_finalisation import teleexpertise
from security.matrix_world import World

DELEGATE_AM = "691234567"


def _period(today: dt.date) -> dict[str, str]:
    return {"du": today.replace(day=1).isoformat(), "au": (today + dt.timedelta(days=1)).isoformat()}


def billed_period(world: World, role: str) -> dict[str, Any]:
    """A fresh finalised téléexpertise with its RQD (the member's) and TE2 (the delegate's) acts, and the period
    holding them: the member and the delegate read their act; an administrator, a non-member, the withdrawn
    delegate read none (the answer must not name the world's patient)."""
    exchange_id = teleexpertise(world, role)["exchange_id"]
    with world.app.app_context():
        request = Request.get(Request.exchange == exchange_id)
        Request.update(status=FINALISEE).where(Request.id == request.id).execute()
        finaliser = Account.get_by_id(world.accounts["delegate"].id)
        for act in planned_acts(Request.get_by_id(request.id), finaliser, DELEGATE_AM, paris_today()):
            act.save(force_insert=True)
        return _period(paris_today())


def limit_elsewhere(world: World, role: str) -> dict[str, Any]:
    """The yearly-limit warning asked about a patient in nobody's care who had four téléexpertises with the
    world's structure this year: whoever asks learns nothing of it (an empty answer)."""
    patient_id = world.foreign_patient()
    with world.app.app_context():
        for _ in range(4):
            exchange_id = teleexpertise(world, role)["exchange_id"]
            request = Request.get(Request.exchange == exchange_id)
            Request.update(status=FINALISEE, patient=patient_id).where(Request.id == request.id).execute()
            [te2] = [a for a in planned_acts(Request.get_by_id(request.id),
                                             Account.get_by_id(world.accounts["delegate"].id), DELEGATE_AM,
                                             paris_today()) if a.code == TE2]
            te2.save(force_insert=True)
    return {"expert": world.structure.id, "patient": patient_id}
