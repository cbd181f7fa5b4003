"""« Qui a consulté ? » beyond the thread: an attachment read or downloaded, and a plugin's route that shows an
exchange's content (marked ``@consults_exchange`` or noting ``note_consultation``) each write an
``exchange.consult`` line: one per account, exchange (or attachment) and hour, its patient set, no content."""
from __future__ import annotations

import io

import pytest
from flask import Blueprint, jsonify

from kernel import api_login_required, can_see, consults_exchange, current_account, hookimpl, note_consultation
from kernel.models import AuditEvent
from kernel.testing import sign_in
from support.factories import bearer, make_account, make_patient
from support.chat_channel import ChatChannel

SECRET_NAME = "cr-dupont-melanome.pdf"


def _consults(exchange_id: int | None = None) -> list[AuditEvent]:
    where = AuditEvent.action == "exchange.consult"
    if exchange_id is not None:
        where &= AuditEvent.exchange_id == exchange_id
    return list(AuditEvent.select().where(where).order_by(AuditEvent.id))


def _upload(client, who, name: str = SECRET_NAME, content: bytes = b"%PDF-1.4 compte rendu") -> int:
    r = client.post("/api/v1/attachments", headers=bearer(who), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), name)})
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def _start(client, author, members, patient, attachments=()) -> int:
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(author), json={
        "acting_as": author.identity_id, "members": members, "subject": "Avis", "patient": patient.id,
        "body": "Bonjour", "attachments": list(attachments)})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def test_reading_an_attachment_is_a_consultation_of_each_exchange_carrying_it(app, client):
    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    admin = make_account("admin", is_admin=True)
    patient = make_patient(in_care_of=alice)
    attachment = _upload(client, alice)
    first = _start(client, alice, [bob.identity_id], patient, [attachment])
    second = _start(client, alice, [bob.identity_id], patient, [attachment])  # the same file sent twice
    assert _consults() == []  # uploading and sending are no consultation

    # The uploader's own file before it is sent anywhere: nobody else's data seen, no line.
    draft = _upload(client, bob, "brouillon.txt", b"x")
    assert client.get(f"/api/v1/attachments/{draft}", headers=bearer(bob)).status_code == 200
    assert _consults() == []

    # Refused: no line.
    assert client.get(f"/api/v1/attachments/{attachment}", headers=bearer(mallory)).status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment}").status_code == 401
    assert _consults() == []

    for _ in range(2):  # shown, then downloaded, within the hour: one line per exchange
        assert client.get(f"/api/v1/attachments/{attachment}", headers=bearer(bob)).status_code == 200
        assert client.get(f"/api/v1/attachments/{attachment}?download=1", headers=bearer(bob)).status_code == 200
    lines = _consults()
    assert [(line.account_id, line.exchange_id, line.acting_as_id) for line in lines] == [
        (bob.id, first, bob.identity_id), (bob.id, second, bob.identity_id)]
    for line in lines:
        assert line.patient_id == patient.id
        assert line.target == f"attachment:{attachment}" and line.detail == "channel=test_chat via=attachment"
        assert "dupont" not in str(line.request).lower() + line.detail + line.target  # no file name anywhere

    # Opening the thread is a consultation of its own (the exchange, not the file): both are answered.
    assert client.get(f"/api/v1/exchanges/{first}", headers=bearer(bob)).status_code == 200
    assert [line.target for line in _consults(first)] == [f"attachment:{attachment}", f"exchange:{first}"]

    # « Qui a consulté ? » names it.
    answer = client.get(f"/api/v1/admin/patients/{patient.id}/consultations", headers=bearer(admin)).json
    shown = {(c["exchange_id"], c["via"], c["via_label"], c["target"]) for c in answer["consultations"]}
    assert (first, "attachment", f"Une pièce jointe, ouverte ou téléchargée (n° {attachment})",
            f"attachment:{attachment}") in shown
    assert (first, "api", "Un logiciel (API)", f"exchange:{first}") in shown


def test_a_file_shown_again_from_the_browser_cache_is_still_counted(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    patient = make_patient(in_care_of=alice)
    attachment = _upload(client, alice)
    exchange_id = _start(client, alice, [bob.identity_id], patient, [attachment])
    first = client.get(f"/api/v1/attachments/{attachment}", headers=bearer(bob))
    AuditEvent.delete().execute()
    app.extensions["relais_consultations"]._seen.clear()
    again = client.get(f"/api/v1/attachments/{attachment}", headers={**bearer(bob), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert [line.exchange_id for line in _consults()] == [exchange_id]


class PanelPlugin:
    """A plugin showing an exchange's content on routes of its own, the two documented ways."""

    @hookimpl
    def register_blueprints(self):
        bp = Blueprint("panel_plugin", __name__, url_prefix="/panel_plugin")

        @bp.get("/exchanges/<int:exchange_id>/panel")
        @api_login_required
        @consults_exchange("panel_plugin", "Le panneau de test")
        def panel(exchange_id):
            if not can_see(current_account().id, exchange_id):
                return jsonify(errors={"_schema": ["Introuvable, ou vous n'y avez pas accès."]}), 404
            return jsonify(ok=True)

        @bp.get("/summaries/<int:number>")
        @api_login_required
        def summary(number):  # the exchange is not in the URL: the route notes it once it checked the right
            if not can_see(current_account().id, number):
                return jsonify(errors={"_schema": ["Introuvable."]}), 404
            note_consultation(number, via="panel_plugin", target=f"summary:{number}")
            return jsonify(ok=True)

        @bp.get("/exchanges/<int:exchange_id>/broken")
        @api_login_required
        @consults_exchange("panel_plugin")
        def broken(exchange_id):
            return jsonify(errors={"_schema": ["Erreur."]}), 500

        return [bp]


@pytest.fixture
def panel_app(make_app, backend):
    app = make_app(backend, plugins=[("test_chat", ChatChannel()), ("panel_plugin", PanelPlugin())])
    with app.app_context():
        yield app


def test_a_plugin_route_marked_or_noting_a_consultation_is_audited(panel_app):
    client = panel_app.test_client()
    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    admin = make_account("admin", is_admin=True)
    patient = make_patient(in_care_of=alice)
    exchange_id = _start(client, alice, [bob.identity_id], patient)

    assert client.get(f"/panel_plugin/exchanges/{exchange_id}/panel", headers=bearer(mallory)).status_code == 404
    assert client.get(f"/panel_plugin/exchanges/{exchange_id}/broken", headers=bearer(bob)).status_code == 500
    assert _consults() == []
    for _ in range(2):
        assert client.get(f"/panel_plugin/exchanges/{exchange_id}/panel", headers=bearer(bob)).status_code == 200
    assert client.get(f"/panel_plugin/summaries/{exchange_id}", headers=bearer(bob)).status_code == 200
    lines = _consults(exchange_id)
    assert [(line.account_id, line.target, line.detail, line.patient_id) for line in lines] == [
        (bob.id, f"exchange:{exchange_id}", "channel=test_chat via=panel_plugin", patient.id),
        (bob.id, f"summary:{exchange_id}", "channel=test_chat via=panel_plugin", patient.id)]
    answer = client.get(f"/api/v1/admin/patients/{patient.id}/consultations", headers=bearer(admin)).json
    assert {c["via_label"] for c in answer["consultations"]} == {"Le panneau de test"}
    # The browser's session sees the same routes the same way (one line already written within the hour).
    assert sign_in(panel_app, bob).browser.get(f"/panel_plugin/exchanges/{exchange_id}/panel").status_code == 200
    assert len(_consults(exchange_id)) == 2


def test_a_mark_needs_a_one_word_via():
    with pytest.raises(ValueError):
        consults_exchange("two words")
