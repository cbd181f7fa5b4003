"""Errors answer in the shape the caller reads: JSON (French, under "errors") for the API and for page
scripts calling plugins' JSON routes, a French page for people browsing."""
from __future__ import annotations

from flask import Blueprint

from kernel import hookimpl
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class FailingRoutes:
    @hookimpl
    def register_blueprints(self):
        blueprint = Blueprint("failing", __name__, url_prefix="/failing")

        @blueprint.get("/boom")
        def boom():
            raise RuntimeError("a plugin bug")

        return [blueprint]


def _app(make_app):
    app = make_app(plugins=[("test_chat", ChatChannel()), ("failing", FailingRoutes())])
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handlers answer
    with app.app_context():
        headers = bearer(make_account("alice"))
    return app, headers


def test_a_plugin_route_failing_answers_json_to_a_page_script(make_app):
    app, headers = _app(make_app)
    r = app.test_client().get("/failing/boom", headers={**headers, **JSON})
    assert r.status_code == 500 and r.is_json
    assert r.json["errors"]["_schema"] == ["Erreur interne : l'incident est enregistré, réessayez dans un instant."]
    assert "a plugin bug" not in r.get_data(as_text=True)


def test_unknown_addresses_answer_in_the_callers_shape(make_app):
    app, headers = _app(make_app)
    client = app.test_client()
    r = client.get("/failing/nowhere", headers={**headers, **JSON})
    assert r.status_code == 404 and r.is_json and r.json["errors"]["_schema"]
    page = client.get("/failing/nowhere", headers=BROWSER)  # someone browsing (no token)
    assert page.status_code == 404 and page.mimetype == "text/html" and "Page introuvable" in page.get_data(as_text=True)
    api = client.get("/api/v1/nowhere", headers={**headers, **BROWSER})
    assert api.status_code == 404 and api.is_json


def test_a_program_with_a_token_gets_json_whatever_it_accepts(make_app):
    app, headers = _app(make_app)
    for accept in ({}, {"Accept": "*/*"}):  # curl's default, and no header at all
        r = app.test_client().get("/failing/boom", headers={**headers, **accept})
        assert r.status_code == 500 and r.is_json, accept
        r = app.test_client().get("/failing/nowhere", headers={**headers, **accept})
        assert r.status_code == 404 and r.is_json, accept


def test_numbers_written_with_other_digits_are_refused_not_crashed(make_app):
    app, headers = _app(make_app)
    client = app.test_client()
    r = client.get("/api/v1/exchanges?limit=²", headers=headers)
    assert r.status_code == 400 and r.json["errors"]["limit"] == ["Nombre entier attendu."]
    assert client.get("/api/v1/patients?q=a&limit=²", headers=headers).status_code == 422
    assert client.get("/api/v1/channels/test_chat/form?patient=²", headers=headers).status_code == 200
