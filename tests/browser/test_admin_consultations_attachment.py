"""In Chromium: « Qui a consulté ? » shows who opened a patient's attachment and who read a thread, each line
saying how (a file, numbered; the thread; a program), never the file's name."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/h1")


def test_who_consulted_shows_an_attachment_read(site, new_page, sign_in):
    client = site.app.test_client()
    with site.app.app_context():
        make_account("ada", "Ada", "Admin", is_admin=True)
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        patient = make_patient(in_care_of=alice)
        up = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4 x"), "cr-repap-melanome.pdf")}).json["attachment"]
        r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis dermato",
            "patient": patient.id, "body": "Bonjour", "attachments": [up["id"]]})
        exchange_id = r.json["exchange"]["id"]
        assert client.get(f"/api/v1/attachments/{up['id']}?download=1", headers=bearer(bob)).status_code == 200
        assert client.get(f"/api/v1/exchanges/{exchange_id}/messages", headers=bearer(bob)).status_code == 200
    page = new_page()
    sign_in(page, site, "ada", f"/admin/qui-a-consulte?patient={patient.id}")
    rows = page.locator("#consult-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#consult-table")).to_contain_text(f"Une pièce jointe, ouverte ou téléchargée (n° {up['id']})")
    expect(page.locator("#consult-table")).to_contain_text("Un logiciel (API)")
    expect(page.locator("#consult-table")).not_to_contain_text("melanome")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "who_consulted_attachment.png"), full_page=True)
