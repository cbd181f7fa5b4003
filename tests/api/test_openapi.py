"""The OpenAPI document: valid, complete (every API route is described), built from the schemas."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_document_is_valid_openapi(sqlite_app):
    doc = sqlite_app.test_client().get("/api/openapi.json").json
    validate(doc)
    assert doc["info"]["title"] == "Relais Santé"


def test_every_api_route_is_described(sqlite_app):
    doc = sqlite_app.test_client().get("/api/openapi.json").json
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    missing = []
    for rule in sqlite_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + ("id" if m.group(1).endswith("_id") else m.group(1)) + "}",
                      rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in described:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from the OpenAPI document: {missing}"


def test_each_channel_draft_is_described_from_its_form(sqlite_app):
    doc = sqlite_app.test_client().get("/api/openapi.json").json
    op = doc["paths"]["/api/v1/channels/test_chat/exchanges"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = doc["components"]["schemas"][ref]
    assert set(schema["properties"]) == {"acting_as", "members", "patient", "subject", "body", "attachments"}
    assert set(schema["required"]) == {"acting_as", "members", "subject"}
