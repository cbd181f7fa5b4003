"""The visio plugin's calls: joined (the first starts it), left, declined, ended by the last leave or by the job
after a silence; the system lines; who may join; the button and the panel on chat-space exchanges."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.models import Exchange, Message
from kernel.testing import make_account, sign_in
from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio
from plugins.visio.calls import expire_silent_pages
from plugins.visio.models import LEFT, VisioCall, VisioParticipant

pytestmark = pytest.mark.relais(plugins=[("conversation", conversation), ("visio", visio)])


def _conversation(author, *members, subject="Plaie du pied"):
    r = author.api.post("/api/v1/channels/conversation/exchanges", json={
        "acting_as": author.identity_id, "members": [m.identity_id for m in members], "subject": subject,
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def _join(user, exchange_id):
    return user.browser.post(f"/visio/api/echanges/{exchange_id}/rejoindre", json={})


def _system_lines(exchange_id):
    return [m.body for m in Message.select().where((Message.exchange == exchange_id) & (Message.kind == "system"))
            .order_by(Message.id)]


def test_the_first_member_starts_the_call_and_the_others_ring_and_join_it(relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    r = _join(relais_alice, exchange_id)
    assert r.status_code == 201, r.json
    first = r.json
    assert first["peers"] == [] and first["room"] is None and first["ice_servers"] == []
    assert first["call"]["started_by"] == {"id": relais_alice.account.id, "name": relais_alice.account.full_name}
    assert _system_lines(exchange_id) == [f"{relais_alice.account.full_name} a démarré une visio."]
    # Bob's pages ring (alice's do not: she is in it).
    ringing = relais_bob.browser.get("/visio/api/appels").json["calls"]
    assert [(c["id"], c["exchange_id"], c["subject"]) for c in ringing] == [(first["call"]["id"], exchange_id, "Plaie du pied")]
    assert relais_alice.browser.get("/visio/api/appels").json["calls"] == []
    second = _join(relais_bob, exchange_id).json
    assert second["call"]["id"] == first["call"]["id"]
    assert second["peers"] == [{"peer": first["peer"], "account": {"id": relais_alice.account.id,
                                                                    "name": relais_alice.account.full_name}}]
    assert relais_bob.browser.get("/visio/api/appels").json["calls"] == []


def test_the_last_leave_ends_the_call_with_a_system_line_of_who_when_how_long(relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    a = _join(relais_alice, exchange_id).json
    b = _join(relais_bob, exchange_id).json
    call = VisioCall.get_by_id(a["call"]["id"])
    # Twelve minutes ago, 16 h 32 in Paris.
    VisioCall.update(started_at=dt.datetime(2026, 12, 7, 15, 32)).where(VisioCall.id == call.id).execute()
    assert relais_alice.browser.post(f"/visio/api/appels/{call.id}/quitter", json={"peer": a["peer"]}).status_code == 200
    assert VisioCall.get_by_id(call.id).ended_at is None
    assert relais_bob.browser.post(f"/visio/api/appels/{call.id}/quitter", json={"peer": b["peer"]}).status_code == 200
    ended = VisioCall.get_by_id(call.id)
    assert ended.ended_at is not None
    summary = _system_lines(exchange_id)[-1]
    assert summary.startswith(f"Visio terminée : démarrée par {relais_alice.account.full_name} à 16 h 32, durée ")
    assert summary.endswith(f"participants : {relais_alice.account.full_name}, {relais_bob.account.full_name}.")
    # A new join starts a new call.
    assert _join(relais_bob, exchange_id).json["call"]["id"] != call.id


def test_silent_pages_are_let_go_and_an_empty_call_ends_by_itself(relais, relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    a = _join(relais_alice, exchange_id).json
    call_id = a["call"]["id"]
    assert relais_alice.browser.post(f"/visio/api/appels/{call_id}/presence", json={"peer": a["peer"]}).status_code == 200
    assert expire_silent_pages() == 0  # heard from just now
    VisioParticipant.update(last_seen=dt.datetime(2020, 1, 1)).execute()
    assert expire_silent_pages() == 1
    assert VisioParticipant.get(VisioParticipant.peer == a["peer"]).state == LEFT
    assert VisioCall.get_by_id(call_id).ended_at is not None
    assert _system_lines(exchange_id)[-1].startswith("Visio terminée")
    assert expire_silent_pages() == 0  # idempotent
    # The page that was let go is told so (it offers to join again).
    r = relais_alice.browser.post(f"/visio/api/appels/{call_id}/presence", json={"peer": a["peer"]})
    assert r.status_code == 409 and "rejoignez-la" in r.json["errors"]["_schema"][0]


def test_the_expiry_job_is_registered_and_runs(relais, relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    _join(relais_alice, exchange_id)
    VisioParticipant.update(last_seen=dt.datetime(2020, 1, 1)).execute()
    from kernel import write_transaction

    with write_transaction():
        relais.jobs.enqueue(visio.EXPIRE_JOB, {})
    relais.jobs.run_pending()
    assert VisioCall.select().where(VisioCall.ended_at.is_null()).count() == 0


def test_a_decline_stops_the_ringing_and_is_told_to_the_others(relais_alice, relais_bob, relais_ws):
    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live = relais_ws(relais_alice)
    call_id = _join(relais_alice, exchange_id).json["call"]["id"]
    assert relais_bob.browser.post(f"/visio/api/appels/{call_id}/refuser", json={}).status_code == 200
    assert relais_bob.browser.get("/visio/api/appels").json["calls"] == []
    declined = alice_live.next_event("visio.declined")
    assert declined["data"] == {"call": call_id, "account": {"id": relais_bob.account.id,
                                                             "name": relais_bob.account.full_name}}
    # Declining does not keep bob out: he may still join.
    assert _join(relais_bob, exchange_id).status_code == 201


def test_members_hear_the_call_start_and_outsiders_nothing(relais_alice, relais_bob, relais_user, relais_ws):
    carol = relais_user("carol", "Carole", "Roux")
    exchange_id = _conversation(relais_alice, relais_bob)
    bob_live, carol_live = relais_ws(relais_bob), relais_ws(carol)
    call_id = _join(relais_alice, exchange_id).json["call"]["id"]
    started = bob_live.next_event("visio.started")
    assert started["exchange_id"] == exchange_id
    assert started["data"]["call"] == call_id and started["data"]["subject"] == "Plaie du pied"
    carol_live.assert_silent()


def test_only_members_see_the_page_and_join_leave_or_decline(relais_alice, relais_bob, relais_user):
    carol = relais_user("carol", "Carole", "Roux")
    exchange_id = _conversation(relais_alice, relais_bob)
    a = _join(relais_alice, exchange_id).json
    call_id = a["call"]["id"]
    assert carol.browser.get(f"/visio/echanges/{exchange_id}").status_code == 404
    assert relais_bob.browser.get(f"/visio/echanges/{exchange_id}").status_code == 200
    assert _join(carol, exchange_id).status_code == 404
    for action, body in (("quitter", {"peer": a["peer"]}), ("presence", {"peer": a["peer"]}), ("refuser", {})):
        r = carol.browser.post(f"/visio/api/appels/{call_id}/{action}", json=body)
        assert r.status_code == 404 and r.json == {"errors": {"_schema": ["Introuvable, ou vous n'y avez pas accès."]}}
    # Another member cannot hang up alice's page with its id.
    relais_bob.browser.post(f"/visio/api/appels/{call_id}/quitter", json={"peer": a["peer"]})
    assert VisioParticipant.get(VisioParticipant.peer == a["peer"]).state == "joined"
    assert carol.browser.get("/visio/api/appels").json["calls"] == []


def test_a_missing_or_bad_page_id_is_a_french_error_at_its_field(relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    call_id = _join(relais_alice, exchange_id).json["call"]["id"]
    r = relais_alice.browser.post(f"/visio/api/appels/{call_id}/quitter", json={})
    assert r.status_code == 422 and r.json["errors"] == {"peer": ["Ce champ est obligatoire."]}
    r = relais_alice.browser.post(f"/visio/api/appels/{call_id}/presence", json={"peer": "x" * 41})
    assert r.status_code == 422 and list(r.json["errors"]) == ["peer"]


def test_the_mesh_takes_six_pages_at_most(relais_alice, relais_user):
    others = [relais_user(f"medecin{i}", "Jean", f"Martin{i}") for i in range(6)]
    exchange_id = _conversation(relais_alice, *others)
    assert _join(relais_alice, exchange_id).status_code == 201
    for user in others[:5]:
        assert _join(user, exchange_id).status_code == 201
    r = _join(others[5], exchange_id)
    assert r.status_code == 409 and "6 participants" in r.json["errors"]["_schema"][0]


def test_the_button_and_the_panel_on_chat_exchanges(relais_alice, relais_bob):
    exchange_id = _conversation(relais_alice, relais_bob)
    exchange = relais_bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]
    start = [a for a in exchange["actions"] if a["name"] == "visio_start"]
    assert start and start[0]["label"] == "Démarrer une visio" and start[0]["method"] == "GET"
    assert start[0]["url"] == f"/visio/echanges/{exchange_id}"
    assert not [p for p in exchange["panels"] if p["name"] == "visio_ongoing"]
    call_id = _join(relais_alice, exchange_id).json["call"]["id"]
    exchange = relais_bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]
    panel = [p for p in exchange["panels"] if p["name"] == "visio_ongoing"][0]
    assert panel["title"] == "Visio en cours" and panel["data"] == {"call": call_id}
    assert panel["action"]["label"] == "Rejoindre la visio"
    assert not [a for a in exchange["actions"] if a["name"] == "visio_start"]  # one button: the panel's


def test_no_visio_on_mail_space_exchanges(relais_app, relais_alice, relais_bob):
    from kernel.models import MAIL

    exchange_id = _conversation(relais_alice, relais_bob)
    Exchange.update(space=MAIL).where(Exchange.id == exchange_id).execute()
    exchange = relais_bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]
    assert not [a for a in exchange["actions"] if a["name"].startswith("visio")]
    assert _join(relais_alice, exchange_id).status_code == 404


def test_open_threads_are_told_when_a_call_starts_and_ends(relais_alice, relais_bob, relais_ws):
    exchange_id = _conversation(relais_alice, relais_bob)
    bob_live = relais_ws(relais_bob)
    a = _join(relais_alice, exchange_id).json
    assert bob_live.next_event("exchange.updated")["data"] == {"exchange_id": exchange_id}
    relais_alice.browser.post(f"/visio/api/appels/{a['call']['id']}/quitter", json={"peer": a["peer"]})
    bob_live.next_event("visio.ended")
    assert bob_live.next_event("exchange.updated")["data"] == {"exchange_id": exchange_id}


def test_joining_leaving_and_declining_are_audited(relais_alice, relais_bob):
    from kernel.models import AuditEvent

    exchange_id = _conversation(relais_alice, relais_bob)
    a = _join(relais_alice, exchange_id).json
    call_id = a["call"]["id"]
    relais_bob.browser.post(f"/visio/api/appels/{call_id}/refuser", json={})
    relais_alice.browser.post(f"/visio/api/appels/{call_id}/quitter", json={"peer": a["peer"]})
    rows = [(e.action, e.account_id, e.target, e.detail) for e in
            AuditEvent.select().where(AuditEvent.action.startswith("visio.")).order_by(AuditEvent.id)]
    target, detail = f"exchange:{exchange_id}", f"call {call_id} (webrtc)"
    assert rows == [("visio.join", relais_alice.account.id, target, detail),
                    ("visio.decline", relais_bob.account.id, target, detail),
                    ("visio.leave", relais_alice.account.id, target, detail)]


def test_a_member_removed_during_a_call_is_let_go_and_the_others_drop_their_page(relais_alice, relais_bob, relais_ws):
    from kernel.models import Membership

    exchange_id = _conversation(relais_alice, relais_bob)
    alice_live = relais_ws(relais_alice)
    a, b = _join(relais_alice, exchange_id).json, _join(relais_bob, exchange_id).json
    Membership.delete().where((Membership.exchange == exchange_id)
                              & (Membership.identity == relais_bob.account.identity_id)).execute()
    assert expire_silent_pages() == 0  # alice is still there
    assert VisioParticipant.get(VisioParticipant.peer == b["peer"]).state == LEFT
    while (left := alice_live.next_event("visio.left"))["data"]["peer"] != b["peer"]:
        pass
    assert left["data"]["account"]["id"] == relais_bob.account.id
    r = relais_bob.browser.post(f"/visio/api/appels/{a['call']['id']}/presence", json={"peer": b["peer"]})
    assert r.status_code == 404
    assert VisioParticipant.get(VisioParticipant.peer == a["peer"]).state == "joined"


def test_a_rights_change_has_the_pages_in_calls_checked_at_once(relais, relais_alice, relais_bob):
    from kernel import Event
    from kernel.models import Job

    expire = Job.select().where(Job.name == visio.EXPIRE_JOB)
    visio.on_event(Event("rights.changed", None, (relais_bob.account.id,), {"reason": "membership"}))
    assert expire.count() == 0  # nobody in a call: nothing to check
    exchange_id = _conversation(relais_alice, relais_bob)
    _join(relais_alice, exchange_id)
    visio.on_event(Event("rights.changed", None, (relais_bob.account.id,), {"reason": "membership"}))
    assert expire.count() == 1
