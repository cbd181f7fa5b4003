"""Generic pieces of the send screen and the thread a channel uses without the shell knowing it: a
"fieldset" field (fields known at runtime, errors at "<fieldset>.<sub>"), an exchange's status_label in list
rows, an ExchangeAction asking a reason first (prompt), panel items."""
from __future__ import annotations

import pytest

from kernel import Channel, ExchangeAction, ExchangePanel, FormField, GROUP_MONSISRA, hookimpl
from kernel.models import Exchange
from kernel.testing import sign_in, make_account
from support.chat_channel import ChatChannel


class Questionnaire:
    """A channel whose screen asks questions depending on a chosen "kind" (a fieldset), and shows a status."""

    @hookimpl
    def register_channels(self):
        return [Channel("test_questions", "Poser des questions", GROUP_MONSISRA, "chat")]

    @hookimpl
    def compose_form(self, channel):
        if channel != "test_questions":
            return []
        return [FormField("members", "person", "Participants", required=True, many=True, order=10),
                FormField("answers", "fieldset", "Questions", order=20,
                          options={"url": "/questions", "watch": ["members"]}),
                FormField("subject", "text", "Objet", required=True, order=30)]

    @hookimpl
    def validate(self, channel, draft, exchange):
        if channel != "test_questions" or exchange is not None:
            return None
        answers = draft["answers"]
        return None if answers.get("taille") == 12 else {"answers.taille": "Indiquez une taille de 12."}

    @hookimpl
    def deliver(self, channel, exchange, draft, context):
        if channel != "test_questions":
            return None
        exchange.data = {"answers": draft["answers"], "status_label": {"text": "Demandée", "level": "warning"}}
        exchange.save(only=[Exchange.data])
        return True

    @hookimpl
    def exchange_actions(self, exchange):
        return [ExchangeAction("test_refuse", "Refuser", "/nowhere", prompt="Motif du refus")]

    @hookimpl
    def exchange_panels(self, exchange):
        return [ExchangePanel("test_answers", "Réponses",
                              data={"items": [{"label": k, "value": str(v)} for k, v in exchange.data["answers"].items()]})]


@pytest.fixture
def app(make_app, backend):
    return make_app(backend, plugins=[("test_chat", ChatChannel()), ("test_questions", Questionnaire())])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_fieldset_is_an_object_checked_by_its_channel_with_errors_at_its_sub_fields(app):
    with app.app_context():
        alice, bob = sign_in(app, make_account("alice")), sign_in(app, make_account("bob"))
        fields = {f["name"]: f for f in alice.api.get("/api/v1/channels/test_questions/form").json["fields"]}
        assert fields["answers"]["type"] == "fieldset" and fields["answers"]["options"]["watch"] == ["members"]
        send = lambda answers: alice.api.post("/api/v1/channels/test_questions/exchanges", json={  # noqa: E731
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis", "answers": answers})
        r = send({"taille": 11})
        assert r.status_code == 422 and r.json["errors"] == {"answers.taille": ["Indiquez une taille de 12."]}
        assert send("douze").json["errors"] == {"answers": ["Un objet est attendu."]}
        assert Exchange.select().count() == 0
        r = send({"taille": 12, "couleur": "brun"})
        assert r.status_code == 201
        exchange_id = r.json["exchange"]["id"]
        # Not required: left out, it is an empty object.
        assert alice.api.post("/api/v1/channels/test_questions/exchanges", json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Avis"}).status_code == 422
        row = bob.api.get("/api/v1/exchanges").json["exchanges"][0]
        assert row["status_label"] == {"text": "Demandée", "level": "warning"}
        shown = bob.api.get(f"/api/v1/exchanges/{exchange_id}").json["exchange"]
        assert shown["actions"][0]["prompt"] == "Motif du refus"
        assert shown["panels"][0]["data"]["items"] == [{"label": "taille", "value": "12"},
                                                      {"label": "couleur", "value": "brun"}]
        other = alice.api.post("/api/v1/channels/test_chat/exchanges", json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Bonjour"}).json["exchange"]["id"]
        rows = {e["id"]: e for e in bob.api.get("/api/v1/exchanges").json["exchanges"]}
        assert rows[other]["status_label"] is None
