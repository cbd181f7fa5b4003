"""The FHIR connector against a real HTTP endpoint on loopback (the plugin's test endpoint, which validates
with fhir.resources): 201, OperationOutcome refusals, authentication, stalls, cut requests, lost answers."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from kernel.models import Integration, Job
from kernel.testing import make_patient
from plugins.dpi_fhir import hooks as dpi_fhir
from plugins.dpi_fhir.listener import (ACCEPT, CLOSE_MID_REQUEST, LOSE_ANSWER, REFUSE, STALL, UNAVAILABLE,
                                       LoopbackEndpoint)

PDF = b"%PDF-1.4\n%synthese de teleexpertise\n"
INS = "279035121518989"

pytestmark = pytest.mark.relais(plugins=[("dpi_fhir", dpi_fhir)])


@pytest.fixture
def endpoint():
    endpoint = LoopbackEndpoint(token="s3cret").start()
    yield endpoint
    endpoint.stop()


def instance(endpoint, **more):
    return {"key": "mes_patients", "label": "Mes Patients", "base_url": endpoint.base_url, "token": "s3cret",
            "targets": ["dossier_regional"], "timeout_seconds": 1, **more}


@pytest.fixture
def instance_settings(endpoint):
    return instance(endpoint)


@pytest.fixture
def relais_settings(relais_settings, database_settings, instance_settings):
    return {**relais_settings, **database_settings, "plugin_settings": {"dpi_fhir": {"instances": [instance_settings]}}}


def push(user, qualified=True, target="dpi_fhir.mes_patients"):
    patient = make_patient("Jeanne", "DUPONT", ins=INS if qualified else None, in_care_of=user.account)
    r = user.api.post("/api/v1/attachments", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(PDF), "Synthese.pdf")})
    return user.api.post(f"/api/v1/attachments/{r.json['attachment']['id']}/integrate",
                         json={"target": target, "patient": patient.id, "destination": "dossier_regional"})


def run_due_jobs(relais) -> None:
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.status == "pending").execute()
    relais.jobs.run_pending()


def test_a_document_reference_is_created_with_the_patients_ins(relais, relais_alice, endpoint):
    r = push(relais_alice)
    assert r.status_code == 202 and r.json["integration"]["target"] == "dossier_regional"
    relais.jobs.run_pending()
    row = Integration.get_by_id(r.json["integration"]["id"])
    [stored] = endpoint.documents.values()
    assert (row.state, row.message, row.reference) == ("integre", "Document intégré dans Mes Patients.", stored.id)
    assert stored.patient == f"urn:oid:1.2.250.1.213.1.4.8|{INS}" and stored.content == PDF
    assert stored.resource["type"]["coding"][0]["code"] == "11488-4"
    assert stored.resource["author"][0]["display"] == "Alice MARTIN"


class TestBinaryContent:
    """The same push with the content as a Binary, posted with its DocumentReference in one transaction."""

    @pytest.fixture
    def instance_settings(self, endpoint):
        return instance(endpoint, content="binary")

    def test_the_binary_and_its_reference_are_stored_together_once(self, relais, relais_alice, endpoint):
        endpoint.mode, endpoint.failures = LOSE_ANSWER, 1
        r = push(relais_alice)
        relais.jobs.run_pending()
        run_due_jobs(relais)
        row = Integration.get_by_id(r.json["integration"]["id"])
        [stored] = endpoint.documents.values()
        assert (row.state, row.reference) == ("integre", stored.id)
        assert stored.content == PDF and stored.resource["content"][0]["attachment"]["url"].startswith("urn:uuid:")


def test_an_operation_outcome_is_shown_with_its_diagnostics(relais, relais_alice, endpoint):
    endpoint.mode, endpoint.reason = REFUSE, "Aucun séjour ouvert pour ce patient."
    r = push(relais_alice)
    relais.jobs.run_pending()
    row = Integration.get_by_id(r.json["integration"]["id"])
    assert (row.state, row.message) == ("echec", "Mes Patients a refusé le document : Aucun séjour ouvert pour ce patient.")
    endpoint.mode = ACCEPT
    assert relais_alice.api.post(f"/api/v1/integrations/{row.id}/retry").status_code == 202
    relais.jobs.run_pending()
    assert Integration.get_by_id(row.id).state == "integre" and len(endpoint.documents) == 1


def test_a_wrong_token_is_an_authentication_failure_for_the_administrator(relais, relais_alice, endpoint):
    endpoint.token = "un-autre"
    r = push(relais_alice)
    relais.jobs.run_pending()
    row = Integration.get_by_id(r.json["integration"]["id"])
    assert (row.state, row.message) == ("echec", "Mes Patients a refusé l'accès de la plateforme (authentification) : "
                                                 "prévenez votre administrateur.")
    assert endpoint.documents == {}


@pytest.mark.parametrize("failing", [STALL, CLOSE_MID_REQUEST, LOSE_ANSWER, UNAVAILABLE])
def test_an_endpoint_that_stalls_or_drops_the_line_is_tried_again_and_keeps_one_document(relais, relais_alice, endpoint,
                                                                                         failing):
    endpoint.mode, endpoint.failures = failing, 1
    r = push(relais_alice)
    relais.jobs.run_pending()
    row = Integration.get_by_id(r.json["integration"]["id"])
    assert (row.state, row.attempts) == ("en_attente", 1)
    run_due_jobs(relais)
    row = Integration.get_by_id(row.id)
    assert (row.state, row.attempts) == ("integre", 2)
    assert endpoint.requests_seen == 2 and len(endpoint.documents) == 1  # sent twice, stored once


def test_an_identity_without_ins_is_refused_before_anything_is_sent(relais, relais_alice, endpoint):
    r = push(relais_alice, qualified=False)
    assert r.status_code == 502
    assert r.json["integration"]["message"] == ("Mes Patients n'accepte que les patients à l'identité qualifiée "
                                                "(INS) : qualifiez l'identité du patient d'abord.")
    assert Job.select().count() == 0 and endpoint.requests_seen == 0


def test_a_destination_the_instance_does_not_serve_is_refused(relais, relais_alice, endpoint):
    patient = make_patient(in_care_of=relais_alice.account, ins=INS)
    r = relais_alice.api.post("/api/v1/attachments", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(PDF), "Synthese.pdf")})
    r = relais_alice.api.post(f"/api/v1/attachments/{r.json['attachment']['id']}/integrate",
                              json={"target": "dpi_fhir.mes_patients", "patient": patient.id, "destination": "dmp"})
    assert r.status_code == 422
    assert r.json["errors"] == {"target": ["Mes Patients ne reçoit pas de documents pour cette destination."]}
    r = relais_alice.api.post(f"/api/v1/attachments/1/integrate",
                              json={"target": "dpi_fhir.mes_patients", "destination": "ailleurs"})
    assert r.status_code == 422 and list(r.json["errors"]) == ["destination"]


class TestClientCertificate:
    """HTTPS with mutual TLS: the endpoint requires the platform's client certificate, no token."""

    @pytest.fixture
    def pki(self, tmp_path):
        from mail.mail_helpers import make_pki

        return make_pki(tmp_path / "pki")

    @pytest.fixture
    def endpoint(self, pki):
        from mail.mail_helpers import server_tls

        endpoint = LoopbackEndpoint().start(tls=server_tls(pki, require_client=True))
        yield endpoint
        endpoint.stop()

    @pytest.fixture
    def instance_settings(self, endpoint, pki):
        return instance(endpoint, token="", ca_file=str(pki.ca), cert_file=str(pki.client_cert),
                        key_file=str(pki.client_key))

    def test_the_certificate_is_presented_and_the_document_stored(self, relais, relais_alice, endpoint):
        assert endpoint.base_url.startswith("https://")
        r = push(relais_alice)
        relais.jobs.run_pending()
        assert Integration.get_by_id(r.json["integration"]["id"]).state == "integre"
        assert len(endpoint.documents) == 1
