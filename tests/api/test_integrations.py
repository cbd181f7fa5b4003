"""The kernel's record of pushes into software, whatever the connector: a connector that raises leaves a failed,
audited push and nothing it wrote; only its author sees or retries a push."""
from __future__ import annotations

import io

from kernel import Connector, IntegrationReceipt, hookimpl
from kernel.models import AuditEvent, Integration, Job
from support.factories import bearer, make_account, make_patient


class Broken:
    """A connector with a bug: it writes, then raises."""

    @hookimpl
    def register_connectors(self):
        return [Connector("bogue", "Logiciel bogué"), Connector("sur", "Logiciel sûr")]

    @hookimpl
    def integrate(self, document, target, integration):
        if target == "sur":
            return IntegrationReceipt("sur", True, "Document intégré.", reference="S-1")
        if target == "bogue":
            Job.create(name="bogue.orphan", payload={})  # must not survive the failure
            raise RuntimeError("connector bug")
        return None


def _upload(client, account):
    return client.post("/api/v1/attachments", headers=bearer(account), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-1.4 cr"), "cr.pdf")}).json["attachment"]["id"]


def test_a_connector_that_raises_leaves_a_failed_push_and_nothing_it_wrote(make_app, backend):
    app = make_app(backend, plugins=[("broken", Broken())])
    with app.app_context():
        alice = make_account("alice")
        client = app.test_client()
        r = client.post(f"/api/v1/attachments/{_upload(client, alice)}/integrate", headers=bearer(alice),
                        json={"target": "bogue", "patient": make_patient(in_care_of=alice).id})
        assert r.status_code == 502
        assert r.json["integration"]["message"] == ("Le connecteur de ce logiciel a rencontré une erreur : prévenez "
                                                    "votre administrateur.")
        assert Integration.get().state == "echec" and Job.select().count() == 0
        assert AuditEvent.get(AuditEvent.action == "document.integrate").outcome == "error"


def test_only_its_author_sees_or_retries_a_push(make_app, backend):
    app = make_app(backend, plugins=[("broken", Broken())])
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
        client = app.test_client()
        r = client.post(f"/api/v1/attachments/{_upload(client, alice)}/integrate", headers=bearer(alice),
                        json={"target": "sur"})
        assert r.status_code == 200 and r.json["integration"]["reference"] == "S-1"
        push = r.json["integration"]["id"]
        assert client.get(f"/api/v1/integrations/{push}", headers=bearer(bob)).status_code == 404
        assert client.get("/api/v1/integrations", headers=bearer(bob)).json["integrations"] == []
        assert [i["id"] for i in client.get("/api/v1/integrations", headers=bearer(alice)).json["integrations"]] == [push]
        assert client.post(f"/api/v1/integrations/{push}/retry", headers=bearer(bob)).status_code == 404
        r = client.post(f"/api/v1/integrations/{push}/retry", headers=bearer(alice))
        assert r.status_code == 409  # integrated: nothing to retry
        r = client.get("/api/v1/integrations?exchange=abc", headers=bearer(alice))
        assert r.status_code == 400 and list(r.json["errors"]) == ["exchange"]


DOCUMENT_GONE = "Ce document a été supprimé : il ne peut plus être envoyé."


def _failed_push(app, client, alice) -> dict:
    r = client.post(f"/api/v1/attachments/{_upload(client, alice)}/integrate", headers=bearer(alice),
                    json={"target": "bogue"})
    assert r.status_code == 502
    return r.json["integration"]


def test_retrying_a_push_whose_document_was_deleted_meanwhile_is_a_clear_409(make_app, backend, monkeypatch):
    from kernel.api import integration as integration_api
    from kernel.models import Attachment
    app = make_app(backend, plugins=[("broken", Broken())])
    with app.app_context():
        alice = make_account("alice")
        client = app.test_client()
        push = _failed_push(app, client, alice)
        read_push = integration_api._own

        def deleted_right_after_reading(integration_id):  # another request deletes the document in between
            row = read_push(integration_id)
            Attachment.delete().where(Attachment.id == row.attachment_id).execute()
            return row

        monkeypatch.setattr(integration_api, "_own", deleted_right_after_reading)
        r = client.post(f"/api/v1/integrations/{push['id']}/retry", headers=bearer(alice))
        assert r.status_code == 409, r.json
        assert r.json == {"errors": {"_schema": [DOCUMENT_GONE]}}


def test_retrying_once_the_document_is_gone_says_so_not_that_the_push_succeeded(make_app, backend, monkeypatch):
    # Gone between the API's check and the service's claim: the push went with its document.
    from kernel.api import integration as integration_api
    from kernel.models import Attachment
    app = make_app(backend, plugins=[("broken", Broken())])
    with app.app_context():
        alice = make_account("alice")
        client = app.test_client()
        push = _failed_push(app, client, alice)
        retry = integration_api.retry_integration

        def deleted_just_before(row, account):
            Attachment.delete().where(Attachment.id == row.attachment_id).execute()
            return retry(row, account)

        monkeypatch.setattr(integration_api, "retry_integration", deleted_just_before)
        r = client.post(f"/api/v1/integrations/{push['id']}/retry", headers=bearer(alice))
        assert r.status_code == 409, r.json
        assert r.json == {"errors": {"_schema": [DOCUMENT_GONE]}}
