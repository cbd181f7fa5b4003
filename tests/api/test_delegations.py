"""« Mes délégations » over the API: grant, re-scope, withdraw one's own; administrators see and withdraw any.
Each change is audited and takes effect at once; every bad input is refused at its field, nothing stored."""
from __future__ import annotations

import pytest

from kernel.models import AuditEvent, Delegation
from kernel.testing import make_account, make_structure, sign_in


@pytest.fixture
def office(app):
    doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste")
    secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
    other = make_account("other", "Thomas", "Durand", profession="Cardiologue")
    admin = make_account("admin", "Anne", "Admin", is_admin=True)
    return {name: sign_in(app, a) for name, a in
            (("doctor", doctor), ("secretary", secretary), ("other", other), ("admin", admin))}


def _actions() -> list[tuple[str, int | None]]:
    return [(e.action, e.account_id) for e in
            AuditEvent.select().where(AuditEvent.action.startswith("delegation.")).order_by(AuditEvent.id)]


def test_a_professional_grants_rescopes_and_withdraws_a_delegation(office):
    doctor, secretary = office["doctor"], office["secretary"]
    assert doctor.api.get("/api/v1/delegations").json == {"given": [], "held": []}
    r = doctor.api.post("/api/v1/delegations", json={"delegate": secretary.account.identity_id, "scope": "mail"})
    assert r.status_code == 201, r.json
    given = r.json["delegation"]
    assert given["scope"] == "mail" and given["scope_label"] == "Messagerie sécurisée uniquement"
    assert given["principal"]["label"] == "Dr BERNARD" and given["delegate"]["name"] == "Isabelle ROUX"
    assert given["granted_by"] == {"account_id": doctor.account.id, "name": "Julie BERNARD"}
    assert given["revoked_at"] is None
    assert [d["id"] for d in doctor.api.get("/api/v1/delegations").json["given"]] == [given["id"]]
    assert [d["principal"]["display_name"] for d in secretary.api.get("/api/v1/delegations").json["held"]] \
        == ["Julie BERNARD"]
    # At once: the secretary acts for the doctor in mail, not in conversations.
    me = secretary.api.get("/api/v1/channels/test_mail/form").json["fields"][0]
    assert doctor.account.identity_id in [c["value"] for c in me["choices"]]
    r = doctor.api.patch(f"/api/v1/delegations/{given['id']}", json={"scope": "all"})
    assert r.status_code == 200 and r.json["delegation"]["scope"] == "all"
    assert doctor.api.delete(f"/api/v1/delegations/{given['id']}").status_code == 204
    assert doctor.api.delete(f"/api/v1/delegations/{given['id']}").status_code == 404
    assert doctor.api.get("/api/v1/delegations").json["given"] == []
    assert secretary.api.get("/api/v1/delegations").json["held"] == []
    assert _actions() == [("delegation.grant", doctor.account.id), ("delegation.scope", doctor.account.id),
                          ("delegation.withdraw", doctor.account.id)]


@pytest.mark.parametrize("body, field, message", [
    ({"scope": "mail"}, "delegate", "Ce champ est obligatoire."),
    ({"delegate": "x", "scope": "mail"}, "delegate", None),
    ({"delegate": 999999, "scope": "mail"}, "delegate",
     "Cette personne n'a pas de compte actif sur la plateforme : choisissez-la dans l'annuaire."),
    ({"delegate": "SELF", "scope": "mail"}, "delegate", "On ne peut pas se déléguer à soi-même."),
    ({"delegate": "SECRETARY", "scope": "tout"}, "scope",
     "Choisissez « Messagerie sécurisée uniquement » ou « Messagerie et conversations »."),
    ({"delegate": "SECRETARY"}, "scope", "Ce champ est obligatoire."),
    ({"delegate": "STRUCTURE", "scope": "all"}, "delegate",
     "On délègue à une personne, pas à une structure : choisissez un professionnel."),
    ({"delegate": "SECRETARY", "scope": "all", "principal": 1}, "principal", "Champ inconnu."),
])
def test_bad_grants_are_refused_at_their_field_and_store_nothing(app, office, body, field, message):
    doctor = office["doctor"]
    structure = make_structure("Cabinet du Lac")
    ids = {"SELF": doctor.account.identity_id, "SECRETARY": office["secretary"].account.identity_id,
           "STRUCTURE": structure.id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = doctor.api.post("/api/v1/delegations", json=body)
    assert r.status_code == 422, r.json
    assert list(r.json["errors"]) == [field]
    if message:
        assert r.json["errors"][field] == [message]
    assert Delegation.select().count() == 0 and _actions() == []


def test_bad_bodies_and_scopes(office):
    doctor = office["doctor"]
    assert doctor.api.post("/api/v1/delegations", json=[1]).status_code == 400
    r = doctor.api.post("/api/v1/delegations", data="x", content_type="text/plain")
    assert r.status_code == 415
    row = doctor.api.post("/api/v1/delegations", json={"delegate": office["secretary"].account.identity_id,
                                                         "scope": "all"}).json["delegation"]
    r = doctor.api.patch(f"/api/v1/delegations/{row['id']}", json={"scope": ""})
    assert r.status_code == 422 and list(r.json["errors"]) == ["scope"]
    assert Delegation.get_by_id(row["id"]).scope == "all"


def test_only_the_principal_or_an_administrator_changes_a_delegation(office):
    doctor, secretary, other, admin = (office[k] for k in ("doctor", "secretary", "other", "admin"))
    row = doctor.api.post("/api/v1/delegations", json={"delegate": secretary.account.identity_id,
                                                         "scope": "all"}).json["delegation"]
    for intruder in (secretary, other):  # not even the delegate: the doctor decides
        assert intruder.api.patch(f"/api/v1/delegations/{row['id']}", json={"scope": "mail"}).status_code == 404
        assert intruder.api.delete(f"/api/v1/delegations/{row['id']}").status_code == 404
    assert Delegation.get_by_id(row["id"]).scope == "all" and Delegation.get_by_id(row["id"]).revoked_at is None
    assert admin.api.delete(f"/api/v1/delegations/{row['id']}").status_code == 204
    assert _actions()[-1] == ("delegation.withdraw", admin.account.id)


def test_administrators_list_every_delegation_by_person_or_structure(office):
    doctor, secretary, other, admin = (office[k] for k in ("doctor", "secretary", "other", "admin"))
    structure = make_structure("Coordination REPAP", delegates=(other.account,))
    doctor.api.post("/api/v1/delegations", json={"delegate": secretary.account.identity_id, "scope": "mail"})
    assert doctor.api.get("/api/v1/admin/delegations").status_code == 403
    every = admin.api.get("/api/v1/admin/delegations").json
    assert every["total"] == 2 and every["pages"] == 1
    by_doctor = admin.api.get(f"/api/v1/admin/delegations?person={doctor.account.id}").json["delegations"]
    assert [(d["principal"]["label"], d["delegate"]["name"]) for d in by_doctor] == [("Dr BERNARD", "Isabelle ROUX")]
    by_structure = admin.api.get(f"/api/v1/admin/delegations?structure={structure.id}").json["delegations"]
    assert [d["delegate"]["name"] for d in by_structure] == ["Thomas DURAND"]
    r = admin.api.get("/api/v1/admin/delegations?page=0")
    assert r.status_code == 422 and list(r.json["errors"]) == ["page"]
    r = admin.api.get("/api/v1/admin/delegations?person=abc")
    assert r.status_code == 422 and list(r.json["errors"]) == ["person"]
    # Withdrawn ones on demand.
    admin.api.delete(f"/api/v1/delegations/{by_doctor[0]['id']}")
    assert admin.api.get("/api/v1/admin/delegations").json["total"] == 1
    assert admin.api.get("/api/v1/admin/delegations?withdrawn=true").json["total"] == 2


def test_the_openapi_document_describes_the_delegations(client):
    spec = client.get("/api/openapi.json").json
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/delegations"])
    assert {"patch", "delete"} <= set(spec["paths"]["/api/v1/delegations/{id}"])
    assert "403" in spec["paths"]["/api/v1/admin/delegations"]["get"]["responses"]
    grant = spec["components"]["schemas"]["DelegationGrant"]
    assert grant["required"] == ["delegate", "scope"] and grant["properties"]["scope"]["enum"] == ["mail", "all"]


def test_administrators_search_delegations_by_name(office):
    doctor, secretary, admin = office["doctor"], office["secretary"], office["admin"]
    doctor.api.post("/api/v1/delegations", json={"delegate": secretary.account.identity_id, "scope": "mail"})
    make_structure("Coordination REPAP", delegates=(office["other"].account,))
    found = lambda q: [(d["principal"]["display_name"], d["delegate"]["name"])  # noqa: E731
                       for d in admin.api.get("/api/v1/admin/delegations", query_string={"q": q}).json["delegations"]]
    assert found("isabelle") == found("bern") == found("BERNARD isa") == [("Julie BERNARD", "Isabelle ROUX")]
    assert found("repap") == found("thomas") == [("Coordination REPAP", "Thomas DURAND")]
    assert found("nobody") == []
    r = admin.api.get("/api/v1/admin/delegations", query_string={"q": "x" * 101})
    assert r.status_code == 422 and list(r.json["errors"]) == ["q"]
