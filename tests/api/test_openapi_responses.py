"""What the API answers matches what its OpenAPI document says, status and body, on both databases.

Found by running schemathesis against the document: bodies were documented bare (a list of channels)
while the API wraps them ({"channels": [...], "groups": [...]}), and 400 answers were undocumented.
"""
from __future__ import annotations

import copy
import io

import jsonschema

from support.factories import bearer, make_account, make_patient

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` in JSON Schema terms, recursively."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


class Document:
    def __init__(self, client, headers):
        self.doc = client.get("/api/openapi.json", headers=headers).json
        self.components = _json_schema(copy.deepcopy(self.doc["components"]))
        self.checked: set[tuple[str, str]] = set()

    def check(self, method: str, path: str, response) -> None:
        operation = self.doc["paths"]["/api/v1" + path][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method.upper()} {path}: {status} is not documented"
        content = operation["responses"][status].get("content")
        if content is None:
            return
        schema = {**_json_schema(content["application/json"]["schema"]), "components": self.components}
        jsonschema.Draft4Validator(schema).validate(response.json)
        self.checked.add((method, path))


def test_answers_match_the_document(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(alice)
    doc = Document(client, headers)
    patient = make_patient(in_care_of=alice)

    def call(method, url, path, **kwargs):
        r = getattr(client, method)(url, headers=headers, **kwargs)
        doc.check(method, path, r)
        return r

    call("get", "/api/v1/channels", "/channels")
    call("get", "/api/v1/channels/test_chat/form", "/channels/{name}/form")
    up = call("post", "/api/v1/attachments", "/attachments", content_type="multipart/form-data",
              data={"file": [(io.BytesIO(PNG), "plaie.png"), (io.BytesIO(b"%PDF-1.4 x"), "cr.pdf")]})
    started = call("post", "/api/v1/channels/test_chat/exchanges", "/channels/test_chat/exchanges", json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient.id, "subject": "Plaie",
        "body": "Bonjour", "attachments": [up.json["attachment"]["id"]]})
    exchange = started.json["exchange"]["id"]
    call("post", "/api/v1/channels/test_chat/exchanges", "/channels/test_chat/exchanges", json={"subject": ""})
    call("get", "/api/v1/exchanges", "/exchanges")
    call("get", f"/api/v1/exchanges/{exchange}", "/exchanges/{id}")
    call("patch", f"/api/v1/exchanges/{exchange}", "/exchanges/{id}", json={"subject": "Plaie du pied"})
    call("post", f"/api/v1/exchanges/{exchange}/messages", "/exchanges/{id}/messages", json={"body": "Suite"})
    call("post", f"/api/v1/exchanges/{exchange}/messages", "/exchanges/{id}/messages", data="[1", content_type="application/json")
    call("get", f"/api/v1/exchanges/{exchange}/messages", "/exchanges/{id}/messages")
    call("get", f"/api/v1/exchanges/{exchange}/messages?before=x", "/exchanges/{id}/messages")
    client.post(f"/api/v1/exchanges/{exchange}/read", headers=bearer(bob), json={})
    call("post", f"/api/v1/exchanges/{exchange}/read", "/exchanges/{id}/read", json={})
    call("get", f"/api/v1/exchanges/{exchange}/receipts", "/exchanges/{id}/receipts")
    carol = make_account("carol")
    call("post", f"/api/v1/exchanges/{exchange}/members", "/exchanges/{id}/members",
         json={"members": [carol.identity_id]})
    call("get", "/api/v1/connectors", "/connectors")
    call("post", f"/api/v1/attachments/{up.json['attachment']['id']}/integrate", "/attachments/{id}/integrate",
         json={"target": "inconnu"})
    call("get", "/api/v1/directory?q=martin", "/directory")
    call("get", "/api/v1/patients?q=repap", "/patients")
    call("get", "/api/v1/patients", "/patients")
    created = call("post", "/api/v1/patients", "/patients", json={
        "birth_name": "DUPONT", "first_names": "Marie", "birth_date": "1979-03-12", "sex": "F"})
    call("get", f"/api/v1/patients/{created.json['patient']['id']}", "/patients/{id}")
    call("get", "/api/v1/ins/279035121518989", "/ins/{ins}")
    call("get", "/api/v1/ins/123", "/ins/{ins}")
    call("get", "/api/v1/me", "/me")
    call("get", "/api/v1/exchanges/999999", "/exchanges/{id}")
    assert len(doc.checked) >= 20, sorted(doc.checked)


def test_a_method_an_address_does_not_take_says_which_it_does(app, client):
    r = client.delete("/api/v1/channels", headers=bearer(make_account("alice")))
    assert r.status_code == 405 and r.json["errors"]["_schema"] == ["Méthode non autorisée pour cette adresse."]
    assert set(r.headers["Allow"].split(", ")) >= {"GET"}


def test_adding_people_already_there_is_a_documented_200(app, client):
    alice, bob = make_account("alice"), make_account("bob")
    headers = bearer(alice)
    doc = Document(client, headers)
    exchange = client.post("/api/v1/channels/test_chat/exchanges", headers=headers, json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "S", "body": "x"}).json["exchange"]["id"]
    r = client.post(f"/api/v1/exchanges/{exchange}/members", headers=headers, json={"members": [bob.identity_id]})
    assert r.status_code == 200 and r.json == {"added": []}
    doc.check("post", "/exchanges/{id}/members", r)
