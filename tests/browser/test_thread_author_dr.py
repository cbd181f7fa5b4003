"""The thread's author line names the one acted for as receipts and the platform's lines do
(kernel/services/behalf.py): « Isabelle ROUX pour le compte de Dr BERNARD » for a physician, the structure's or
the professional's name otherwise; one writing in their own name is named as their identity is (« Dr Thomas
DURAND » when the directory gives the title, as the participants line does).
The server computes the label (``acting_as.label``), the page shows it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kernel.services import delegations
from support.factories import bearer, make_account, make_structure

pytestmark = pytest.mark.browser
SHOTS = "/tmp/shots/h5"


def test_the_author_line_says_dr_for_a_physician_acted_for(site, new_page, sign_in):
    with site.app.app_context():
        doctor = make_account("doctor", "Julie", "Bernard", profession="Médecin généraliste",
                              addresses=("julie@a.mssante.fr",))
        nurse = make_account("nurse", "Paul", "Morel", profession="Infirmier", addresses=("paul@a.mssante.fr",))
        secretary = make_account("secretary", "Isabelle", "Roux", profession="Secrétaire médicale", eligible=False)
        colleague = make_account("colleague", "Thomas", "Durand", profession="Cardiologue",
                                 addresses=("thomas@a.mssante.fr",))
        # As the directory and the demo name a physician: the author line uses it when he writes himself.
        colleague.identity.display_name = "Dr Thomas DURAND"
        colleague.identity.save()
        team = make_structure("Coordination REPAP", delegates=(secretary,))
        delegations.grant(doctor.identity, secretary, delegations.SCOPE_MAIL, granted_by=doctor)
        delegations.grant(nurse.identity, secretary, delegations.SCOPE_MAIL, granted_by=nurse)
        ids = {"doctor": doctor.identity_id, "nurse": nurse.identity_id, "team": team.id,
               "colleague": colleague.identity_id}
        as_secretary, as_doctor, as_colleague = bearer(secretary), bearer(doctor), bearer(colleague)
    client = site.app.test_client()
    r = client.post("/api/v1/channels/test_mail/exchanges", headers=as_secretary, json={
        "acting_as": ids["doctor"], "members": [ids["colleague"], ids["nurse"], ids["team"]],
        "subject": "Bilan", "body": "Pour le docteur."})
    assert r.status_code == 201, r.json
    exchange_id = r.json["exchange"]["id"]
    # The API's label, by the same rule as receipts.
    assert r.json["message"]["acting_as"] == {"id": ids["doctor"], "name": "Julie BERNARD", "label": "Dr BERNARD"}
    for acting_as, body in ((ids["nurse"], "Pour l’infirmier."), (ids["team"], "Pour l’équipe.")):
        r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=as_secretary,
                        json={"acting_as": acting_as, "body": body})
        assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=as_doctor,
                    json={"acting_as": ids["doctor"], "body": "Moi-même."})
    assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/exchanges/{exchange_id}/messages", headers=as_colleague,
                    json={"acting_as": ids["colleague"], "body": "Reçu."})
    assert r.status_code == 201, r.json
    listed = client.get(f"/api/v1/exchanges/{exchange_id}/messages", headers=as_doctor).json["messages"]
    assert [m["acting_as"]["label"] for m in listed if m["kind"] != "system"] == [
        "Dr BERNARD", "Paul MOREL", "Coordination REPAP", "Dr BERNARD", "Dr DURAND"]

    page = new_page()
    sign_in(page, site, "colleague", f"/echanges/{exchange_id}")
    metas = page.locator(".msg .msg-meta")
    expect(metas).to_have_count(5)
    expect(metas.nth(0)).to_contain_text("Isabelle ROUX")
    expect(metas.nth(0).locator(".msg-behalf")).to_have_text("pour le compte de Dr BERNARD")
    expect(metas.nth(1).locator(".msg-behalf")).to_have_text("pour le compte de Paul MOREL")
    expect(metas.nth(2).locator(".msg-behalf")).to_have_text("pour le compte de Coordination REPAP")
    expect(metas.nth(3).locator(".msg-author")).to_have_text("Julie BERNARD")
    expect(metas.nth(3).locator(".msg-behalf")).to_have_count(0)
    expect(metas.nth(4).locator(".msg-author")).to_have_text("Dr Thomas DURAND")
    expect(metas.nth(4).locator(".msg-behalf")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/thread-author-dr.png", full_page=True)
