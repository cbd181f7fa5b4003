"""Delegations given by a deactivated account are suspended (issue #17, administration review).

Decision: deactivating a professional does not withdraw the delegations they gave; it suspends them. While
the account is deactivated nobody acts for it nor sees its exchanges through a delegation (acting-as choices,
lists, the API, the audience of live events, open sockets told at once); a reactivation brings them back as
they were. « Mes délégations » and the administration's list show them as « suspendue : compte désactivé »."""
from __future__ import annotations

import pytest

from kernel.auth.account_state import deactivate, reactivate
from kernel.models import Account, AuditEvent, Delegation
from kernel.services import delegations
from kernel.services.acting_as import audience, identities_for, identity_ids, visible_among
from kernel.testing import make_account, make_structure, sign_in


@pytest.fixture
def office(app):
    doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste")
    secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    colleague = make_account("colleague", "Thomas", "Durand", profession="Cardiologue")
    admin = make_account("admin", "Anne", "Admin", is_admin=True)
    users = {name: sign_in(app, a) for name, a in
             (("doctor", doctor), ("secretary", secretary), ("colleague", colleague), ("admin", admin))}
    r = users["doctor"].api.post("/api/v1/delegations", json={"delegate": secretary.identity_id, "scope": "all"})
    assert r.status_code == 201, r.json
    users["delegation_id"] = r.json["delegation"]["id"]
    r = users["colleague"].api.post("/api/v1/channels/test_chat/exchanges", json={
        "acting_as": colleague.identity_id, "members": [doctor.identity_id], "subject": "Avis",
        "body": "Bonjour"})
    assert r.status_code == 201, r.json
    users["exchange_id"] = r.json["exchange"]["id"]
    return users


def _acting_as_choices(user) -> list[int]:
    fields = user.api.get("/api/v1/channels/test_chat/form").json["fields"]
    return [c["value"] for c in next(f for f in fields if f["name"] == "acting_as")["choices"]]


def _fresh(account_id: int) -> Account:
    return Account.get_by_id(account_id)


def test_the_service_suspends_while_deactivated_and_restores_on_reactivation(app, office):
    doctor, secretary = office["doctor"].account, office["secretary"].account
    exchange_id = office["exchange_id"]
    with app.test_request_context():
        assert doctor.identity_id in identity_ids(secretary.id)
        assert secretary.id in audience(exchange_id)
        socket = app.extensions["relais"].events.subscribe(secretary.id)
        deactivate(_fresh(doctor.id))
    with app.test_request_context():  # a new request: no cached rights
        assert doctor.identity_id not in identity_ids(secretary.id)
        assert doctor.identity_id not in [i.id for i in identities_for(_fresh(secretary.id))]
        assert secretary.id not in audience(exchange_id)
        assert visible_among(secretary.id, [exchange_id]) == set()
        assert socket.take_rights_change() == []  # the delegate's open sockets re-check at once
        row = delegations.one(office["delegation_id"])
        assert row.revoked_at is None  # suspended, not withdrawn
        assert delegations.suspended(row) and delegations.state_label(row) == "suspendue : compte désactivé"
        reactivate(_fresh(doctor.id))
    with app.test_request_context():
        assert doctor.identity_id in identity_ids(secretary.id)
        assert secretary.id in audience(exchange_id)
        assert visible_among(secretary.id, [exchange_id]) == {exchange_id}
        row = delegations.one(office["delegation_id"])
        assert not delegations.suspended(row) and delegations.state_label(row) == "en vigueur"
    details = [e.detail for e in AuditEvent.select().where(AuditEvent.action.in_(
        ["account.deactivate", "account.reactivate"])).order_by(AuditEvent.id)]
    assert details == ["sessions ended: 1; delegations suspended: 1", "delegations back in force: 1"]


def test_a_structure_s_delegations_are_not_touched_by_a_member_s_deactivation(app, office):
    doctor, secretary = office["doctor"].account, office["secretary"].account
    structure = make_structure("Coordination REPAP", delegates=(secretary, doctor))
    with app.test_request_context():
        deactivate(_fresh(doctor.id))
    with app.test_request_context():
        assert structure.id in identity_ids(secretary.id)
        assert doctor.identity_id not in identity_ids(secretary.id)


def test_over_the_api_the_delegate_loses_the_exchange_and_the_identity_until_reactivation(office):
    doctor, secretary, admin = office["doctor"], office["secretary"], office["admin"]
    exchange_id, delegation_id = office["exchange_id"], office["delegation_id"]
    assert secretary.api.get(f"/api/v1/exchanges/{exchange_id}").status_code == 200
    assert doctor.identity_id in _acting_as_choices(secretary)

    r = admin.api.post(f"/api/v1/admin/accounts/{doctor.account.id}/deactivate")
    assert r.status_code == 200, r.json
    assert secretary.api.get(f"/api/v1/exchanges/{exchange_id}").status_code == 404
    assert secretary.api.get(f"/api/v1/exchanges/{exchange_id}/messages").status_code == 404
    assert exchange_id not in [e["id"] for e in secretary.api.get("/api/v1/exchanges?space=chat").json["exchanges"]]
    assert doctor.identity_id not in _acting_as_choices(secretary)
    r = secretary.api.post(f"/api/v1/exchanges/{exchange_id}/messages", json={"body": "Pour le Dr Bernard"})
    assert r.status_code == 404, r.json
    r = secretary.api.post("/api/v1/channels/test_chat/exchanges", json={
        "acting_as": doctor.identity_id, "members": [office["colleague"].identity_id], "subject": "S", "body": "B"})
    assert r.status_code in (403, 422) and "acting_as" in r.json["errors"], r.json
    # Shown as suspended, never as withdrawn: to the delegate and to administrators.
    held = secretary.api.get("/api/v1/delegations").json["held"]
    assert [(d["id"], d["suspended"], d["state_label"], d["revoked_at"]) for d in held] == [
        (delegation_id, True, "suspendue : compte désactivé", None)]
    listed = admin.api.get(f"/api/v1/admin/delegations?person={doctor.account.id}").json["delegations"]
    assert [(d["id"], d["suspended"]) for d in listed] == [(delegation_id, True)]
    page = admin.browser.get(f"/admin/delegations?person={doctor.account.id}")
    assert page.status_code == 200 and "Suspendue : compte désactivé" in page.get_data(as_text=True)
    assert Delegation.get_by_id(delegation_id).revoked_at is None

    r = admin.api.post(f"/api/v1/admin/accounts/{doctor.account.id}/activate")
    assert r.status_code == 200, r.json
    assert secretary.api.get(f"/api/v1/exchanges/{exchange_id}").status_code == 200
    assert doctor.identity_id in _acting_as_choices(secretary)
    held = secretary.api.get("/api/v1/delegations").json["held"]
    assert [(d["suspended"], d["state_label"]) for d in held] == [(False, "en vigueur")]
    assert "Suspendue" not in admin.browser.get("/admin/delegations").get_data(as_text=True)


def test_an_administrator_may_still_withdraw_a_suspended_delegation(office):
    doctor, admin = office["doctor"], office["admin"]
    assert admin.api.post(f"/api/v1/admin/accounts/{doctor.account.id}/deactivate").status_code == 200
    assert admin.api.delete(f"/api/v1/delegations/{office['delegation_id']}").status_code == 204
    assert admin.api.post(f"/api/v1/admin/accounts/{doctor.account.id}/activate").status_code == 200
    assert office["secretary"].api.get("/api/v1/delegations").json["held"] == []


def test_the_delegate_s_open_socket_stops_hearing_the_principal_s_exchanges_at_once(app, office):
    from kernel.testing import LiveServer, next_event
    from security import socket_client

    doctor, secretary, colleague = office["doctor"], office["secretary"], office["colleague"]
    exchange_id = office["exchange_id"]
    with LiveServer(app) as url:
        ws = socket_client.connect(url.replace("http://", "ws://") + "/ws", secretary.headers)
        try:
            assert next_event(ws, "hello")["account_id"] == secretary.account.id
            colleague.api.post(f"/api/v1/exchanges/{exchange_id}/messages", json={"body": "Avant"})
            assert next_event(ws, "message.created")["data"]["body"] == "Avant"
            with app.test_request_context():
                deactivate(_fresh(doctor.account.id))
            next_event(ws, "resync")  # the page reloads its lists without the doctor's exchanges
            colleague.api.post(f"/api/v1/exchanges/{exchange_id}/messages", json={"body": "Pendant"})
            r = colleague.api.post("/api/v1/channels/test_chat/exchanges", json={
                "acting_as": colleague.identity_id, "members": [secretary.identity_id], "subject": "À vous",
                "body": "Pour la secrétaire"})
            assert r.status_code == 201, r.json
            event = next_event(ws, "message.created")  # the socket lives on, for what is its own
            assert event["data"]["body"] == "Pour la secrétaire"
        finally:
            ws.close()


def test_who_acts_for_an_identity_today_leaves_out_suspended_delegations_and_deactivated_delegates(app, office):
    """delegates_of and delegate_counts (the mail plugin's « Aucun délégué ne lit cette boîte ») count only the
    delegations taking effect, as acting_as.py decides who acts and sees."""
    doctor, secretary = office["doctor"].account, office["secretary"].account
    colleague = office["colleague"].account
    structure = make_structure("Coordination REPAP", delegates=(secretary, colleague))
    assert delegations.delegates_of(doctor.identity_id) == [secretary.id]
    assert delegations.delegate_counts([doctor.identity_id, structure.id, colleague.identity_id]) == {
        doctor.identity_id: 1, structure.id: 2}
    with app.test_request_context():
        deactivate(_fresh(doctor.id))  # suspends the delegation she gave
        deactivate(_fresh(colleague.id))  # a delegate who reads nothing any more
    assert delegations.delegates_of(doctor.identity_id) == []
    assert delegations.delegate_counts([doctor.identity_id, structure.id]) == {structure.id: 1}
    with app.test_request_context():
        reactivate(_fresh(doctor.id))
    assert delegations.delegate_counts([doctor.identity_id, structure.id]) == {doctor.identity_id: 1, structure.id: 1}
    assert delegations.delegate_counts([]) == {}
