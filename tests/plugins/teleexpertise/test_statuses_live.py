"""Statuses pushed live (TE-5): each change reaches both sides' pages once it commits, never if it rolls back;
the expert's queue and its badge."""
from __future__ import annotations

import pytest

from kernel import write_transaction
from plugins.teleexpertise import statuses
from plugins.teleexpertise.models import Request

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)


def test_each_change_is_pushed_to_both_sides_once_committed(world, relais_ws):
    requester_live, expert_live = relais_ws(world.requester), relais_ws(world.expert)
    exchange_id = world.start()
    created = expert_live.next_event("teleexpertise.status")
    assert created["data"]["status"] == "demandee" and created["data"]["previous"] == ""
    requester_live.next_event("teleexpertise.status")
    r = world.expert.api.post(f"/teleexpertise/api/echanges/{exchange_id}/statut/refusee", json={"reason": "Hors champ"})
    assert r.status_code == 200
    event = requester_live.next_event("teleexpertise.status")
    assert event["exchange_id"] == exchange_id
    assert event["data"] == {"request_id": Request.get().id, "status": "refusee", "previous": "demandee",
                             "label": "Refusée", "expert_identity_id": world.expert.identity_id,
                             "reason": "Hors champ"}
    # The open thread redraws its banner, the inbox its row.
    assert expert_live.next_event("exchange.updated")["data"] == {"exchange_id": exchange_id, "status": "refusee"}


def test_a_change_rolled_back_is_never_pushed_nor_kept(world, relais_ws):
    exchange_id = world.start()
    requester_live = relais_ws(world.requester)
    request = Request.get(Request.exchange == exchange_id)
    with pytest.raises(RuntimeError):
        with write_transaction():
            statuses.change(request, "en_cours", world.expert.account)
            raise RuntimeError("the request failed after the change")
    requester_live.assert_silent()
    assert Request.get_by_id(request.id).status == "demandee"


def test_the_queue_lists_to_handle_first_and_counts_them(world):
    first, second, third = world.start(), world.start(), world.start()
    world.expert.api.post(f"/teleexpertise/api/echanges/{second}/statut/repondue", json={})
    world.expert.api.post(f"/teleexpertise/api/echanges/{third}/statut/en_cours", json={})
    assert world.expert.api.get("/teleexpertise/api/demandes/a-traiter").json == {"count": 2}
    listed = world.expert.api.get("/teleexpertise/api/demandes?role=expert").json
    assert [(r["exchange_id"], r["status"], r["to_handle"]) for r in listed["requests"]] == [
        (first, "demandee", True), (third, "en_cours", True), (second, "repondue", False)]  # oldest waiting first
    assert listed["counts"]["expert"] == {"demandee": 1, "en_cours": 1, "repondue": 1}
    assert listed["requests"][0]["patient"]["display_name"].startswith("Marie DUPONT")
    only = world.expert.api.get("/teleexpertise/api/demandes?role=expert&status=repondue").json
    assert [r["exchange_id"] for r in only["requests"]] == [second] and only["total"] == 1
    sent = world.requester.api.get("/teleexpertise/api/demandes?role=requester").json["requests"]
    assert {r["side"] for r in sent} == {"requester"} and len(sent) == 3
    assert world.requester.api.get("/teleexpertise/api/demandes/a-traiter").json == {"count": 0}
    assert world.outsider.api.get("/teleexpertise/api/demandes?role=all").json["requests"] == []
    assert world.expert.api.get("/teleexpertise/api/demandes?status=bidon").status_code == 400
    assert world.expert.api.get("/teleexpertise/api/demandes?role=chef").status_code == 400


def test_the_queue_of_a_department_is_its_members(world):
    exchange_id = world.start(expert=world.department.id, answers={})
    assert world.member.api.get("/teleexpertise/api/demandes/a-traiter").json == {"count": 1}
    assert world.expert.api.get("/teleexpertise/api/demandes/a-traiter").json == {"count": 0}
    row = world.member.api.get("/teleexpertise/api/demandes").json["requests"][0]
    assert row["exchange_id"] == exchange_id and row["expert"] == "Cardiologie – CH Annecy"
