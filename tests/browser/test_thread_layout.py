"""A thread's header on a laptop screen (1366 px): the subject, patient and participants get the width first;
with a conversation's three actions (visio, synthesis, « Qui a ouvert ») the actions go below instead of
squeezing the subject into a narrow column (the demo wrapped « Compte rendu de consultation de cardiologie »
and the patient's name over two lines each)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from plugins.visio import hooks as visio
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser


def test_the_subject_and_the_patient_stay_on_one_line_each(make_site, new_page, sign_in):
    site = make_site(plugins=[("conversation", conversation), ("visio", visio)])
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        thomas = make_account("thomas", "Thomas", "Durand", profession="Cardiologue")
        patient = make_patient(in_care_of=julie)
        headers = bearer(julie)
    r = site.app.test_client().post("/api/v1/channels/conversation/exchanges", headers=headers, json={
        "acting_as": julie.identity_id, "members": [thomas.identity_id], "patient": patient.id,
        "subject": "Compte rendu de consultation de cardiologie", "body": "Bonjour"})
    assert r.status_code == 201, r.json
    page = new_page(width=1366, height=860)
    sign_in(page, site, "julie", f"/echanges/{r.json['exchange']['id']}")
    expect(page.locator("#thread-actions button, #thread-actions a")).to_have_count(2)  # visio, synthesis
    expect(page.locator(".thread-tools")).to_contain_text("Qui a ouvert")

    def lines(selector: str) -> float:
        return page.evaluate("""(selector) => {
            const el = document.querySelector(selector);
            return el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight);
        }""", selector)
    assert lines("#thread-subject") < 1.5
    assert lines(".patient-link") < 1.5
