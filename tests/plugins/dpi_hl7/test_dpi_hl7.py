"""The HL7 connector against a real MLLP software on loopback (the plugin's test software, which reads each
message with hl7apy): accepted, refused (AE), stalled, cut mid-message, ACK lost; retries without duplicates."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from kernel.models import AuditEvent, Delegation, Identity, Integration, Job
from kernel.testing import make_patient, make_structure
from plugins.dpi_hl7 import hooks as dpi_hl7
from plugins.dpi_hl7.listener import ACCEPT, CLOSE_MID_MESSAGE, LOSE_ACK, REFUSE, STALL, LoopbackSoftware

PDF = b"%PDF-1.4\n%compte-rendu de consultation\n"
INS = "279035121518989"

pytestmark = pytest.mark.relais(plugins=[("dpi_hl7", dpi_hl7)])


@pytest.fixture
def software():
    software = LoopbackSoftware().start()
    yield software
    software.stop()


def instance(software: LoopbackSoftware, **more):
    return {"key": "chu", "label": "DPI du CHU", "host": "127.0.0.1", "port": software.port,
            "ack_timeout_seconds": 1, "receiving_application": "DPI", "receiving_facility": "690000001", **more}


@pytest.fixture
def relais_settings(relais_settings, database_settings, software):
    return {**relais_settings, **database_settings,
            "plugin_settings": {"dpi_hl7": {"instances": [instance(software)]}}}


def upload(user) -> int:
    r = user.api.post("/api/v1/attachments", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(PDF), "Compte-rendu.pdf")})
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def push(user, patient=None, target="dpi_hl7.chu"):
    patient = patient or make_patient("Jeanne", "DUPONT", ins=INS, in_care_of=user.account)
    return user.api.post(f"/api/v1/attachments/{upload(user)}/integrate", json={"target": target, "patient": patient.id})


def run_due_jobs(relais) -> None:
    """Run the jobs now, those waiting for their backoff included."""
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.status == "pending").execute()
    relais.jobs.run_pending()


def test_an_accepted_document_is_integrated_and_the_software_reads_it_with_the_patients_ins(relais, relais_alice,
                                                                                             software):
    r = push(relais_alice)
    assert r.status_code == 202, r.json
    pushed = r.json["integration"]
    assert (pushed["state"], pushed["message"], pushed["connector_label"]) == (
        "en_attente", "Envoi en cours vers DPI du CHU…", "DPI du CHU")
    relais.jobs.run_pending()
    row = Integration.get_by_id(pushed["id"])
    assert (row.state, row.message, row.reference, row.attempts) == (
        "integre", "Document intégré dans DPI du CHU.", f"RELAIS-{row.id}", 1)
    [document] = software.documents.values()
    assert document.control_id == f"RELAIS-{row.id}" and document.content == PDF
    assert document.patient_ids[0] == f"{INS}^^^&1.2.250.1.213.1.4.8&ISO^INS"
    assert document.patient_ids[1].endswith("^^^RELAIS_SANTE^PI") and document.family_name == "DUPONT"
    shown = relais_alice.api.get(f"/api/v1/integrations/{row.id}").json["integration"]
    assert shown["state"] == "integre" and shown["integrated_at"]
    actions = [(a.action, a.outcome) for a in AuditEvent.select().where(AuditEvent.action.startswith("document.integrate"))
               .order_by(AuditEvent.id)]
    assert actions == [("document.integrate", "pending"), ("document.integrate.result", "ok")]


def test_a_refusal_shows_the_softwares_reason_and_a_retry_integrates_the_same_message(relais, relais_alice, software):
    software.mode = REFUSE
    software.reason = "Patient inconnu : créez-le dans le DPI avant d'y verser des documents."
    pushed = push(relais_alice).json["integration"]
    relais.jobs.run_pending()
    row = Integration.get_by_id(pushed["id"])
    assert row.state == "echec"
    assert row.message == ("DPI du CHU a refusé le document : Document refusé ; Patient inconnu : créez-le dans le "
                           "DPI avant d'y verser des documents.")
    assert Job.select().where(Job.status == "pending").count() == 0  # a refusal is final: no automatic retry

    software.mode = ACCEPT
    r = relais_alice.api.post(f"/api/v1/integrations/{row.id}/retry")
    assert r.status_code == 202 and r.json["integration"]["state"] == "en_attente"
    relais.jobs.run_pending()
    assert Integration.get_by_id(row.id).state == "integre"
    assert list(software.documents) == [f"RELAIS-{row.id}"]
    # Only a failed push can be retried.
    r = relais_alice.api.post(f"/api/v1/integrations/{row.id}/retry")
    assert r.status_code == 409 and r.json["errors"] == {"_schema": ["Seul un envoi en échec peut être relancé."]}


@pytest.mark.parametrize("failing", [STALL, CLOSE_MID_MESSAGE, LOSE_ACK])
def test_a_software_that_stalls_or_drops_the_line_is_tried_again_and_keeps_one_document(relais, relais_alice, software,
                                                                                         failing):
    software.mode, software.failures = failing, 1
    pushed = push(relais_alice).json["integration"]
    relais.jobs.run_pending()
    row = Integration.get_by_id(pushed["id"])
    assert (row.state, row.attempts) == ("en_attente", 1)
    assert row.message == "DPI du CHU ne répond pas pour l'instant : nouvel essai automatique dans quelques instants…"
    job = Job.get(Job.name == "dpi_hl7.push")
    assert job.status == "pending" and job.run_at > dt.datetime.utcnow()  # backoff, persisted
    run_due_jobs(relais)
    row = Integration.get_by_id(row.id)
    assert (row.state, row.attempts) == ("integre", 2)
    assert software.messages_seen == 2  # the same message twice (same MSH-10)...
    assert list(software.documents) == [f"RELAIS-{row.id}"]  # ...stored once


def test_a_software_that_never_answers_ends_in_failure_with_a_french_reason(relais, relais_alice, software):
    software.stop()  # connection refused from now on
    pushed = push(relais_alice).json["integration"]
    for _ in range(6):
        run_due_jobs(relais)
    row = Integration.get_by_id(pushed["id"])
    assert (row.state, row.attempts) == ("echec", 7)  # six refused connections, then the give-up
    assert row.message == ("DPI du CHU n'a pas répondu malgré plusieurs essais : réessayez plus tard ou prévenez "
                           "votre administrateur.")
    assert Job.get(Job.name == "dpi_hl7.push").status == "failed"


def test_without_a_patient_the_push_fails_at_once_and_nothing_is_sent(relais, relais_alice, software):
    r = relais_alice.api.post(f"/api/v1/attachments/{upload(relais_alice)}/integrate", json={"target": "dpi_hl7.chu"})
    assert r.status_code == 502
    assert r.json["integration"]["state"] == "echec"
    assert r.json["integration"]["message"].startswith("Choisissez le patient de ce document")
    assert Job.select().count() == 0 and software.messages_seen == 0


def test_a_push_its_job_and_its_record_are_one_transaction(relais, relais_alice, software, monkeypatch):
    """A failure after the connector enqueued its job leaves neither the record nor the job."""
    from kernel.services import integration as service

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "publish_on_commit", broken)
    with pytest.raises(RuntimeError):
        push(relais_alice)
    assert Integration.select().count() == 0 and Job.select().count() == 0


@pytest.fixture
def two_establishments(relais_settings, software):
    instances = [instance(software, key="chu", label="DPI du CHU", structures=["690000001"]),
                 instance(software, key="clinique", label="Logiciel de la clinique", structures=["690000002"],
                          targets=["logiciel", "dossier_regional"])]
    return {**relais_settings, "plugin_settings": {"dpi_hl7": {"instances": instances}}}


def test_each_establishment_sees_only_its_own_instances(relais_make_app, two_establishments):
    app = relais_make_app([("dpi_hl7", dpi_hl7)], **two_establishments)
    from kernel.testing import make_account
    from kernel.testing.factories import bearer

    with app.app_context():
        alice, outsider = make_account("alice"), make_account("noe", "Noé", "Autre")
        chu = make_structure("Cardiologie du CHU", delegates=(alice,))
        Identity.update(finess="690000001").where(Identity.id == chu.id).execute()
        client = app.test_client()
        assert sorted(app.extensions["relais"].connectors) == ["dpi_hl7.chu", "dpi_hl7.clinique"]
        listed = client.get("/api/v1/connectors", headers=bearer(alice)).json["connectors"]
        assert listed == [{"name": "dpi_hl7.chu", "label": "DPI du CHU", "targets": ["logiciel"]}]
        assert client.get("/api/v1/connectors", headers=bearer(outsider)).json["connectors"] == []
        assert client.get("/api/v1/connectors?target=dossier_regional", headers=bearer(alice)).json["connectors"] == []
        r = client.get("/api/v1/connectors?target=ailleurs", headers=bearer(alice))
        assert r.status_code == 400 and list(r.json["errors"]) == ["target"]
        # Someone else's software is refused like one that does not exist.
        patient = make_patient(in_care_of=alice)
        attachment = client.post("/api/v1/attachments", headers=bearer(alice), content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(PDF), "cr.pdf")}).json["attachment"]["id"]
        r = client.post(f"/api/v1/attachments/{attachment}/integrate", headers=bearer(alice),
                        json={"target": "dpi_hl7.clinique", "patient": patient.id})
        assert r.status_code == 422
        assert r.json["errors"] == {"target": ["Ce logiciel métier n'est pas raccordé à votre structure."]}
        assert Integration.select().count() == 0
        # A delegation withdrawn: its structure's software goes with it.
        Delegation.update(revoked_at=dt.datetime.utcnow()).where(Delegation.delegate == alice.id).execute()
        assert client.get("/api/v1/connectors", headers=bearer(alice)).json["connectors"] == []


def test_instances_can_come_from_one_environment_variable(relais_make_app, monkeypatch, software):
    monkeypatch.setenv("RELAIS_PLUGIN_DPI_HL7__INSTANCES",
                       f'[{{"key": "ehpad", "label": "Logiciel de l\'EHPAD", "host": "127.0.0.1", "port": {software.port}}}]')
    app = relais_make_app([("dpi_hl7", dpi_hl7)])
    assert list(app.extensions["relais"].connectors) == ["dpi_hl7.ehpad"]


def test_a_broken_instance_takes_only_this_plugin_out(relais_make_app):
    app = relais_make_app([("dpi_hl7", dpi_hl7)],
                          plugin_settings={"dpi_hl7": {"instances": [{"key": "chu", "label": "DPI"}]}})
    relais = app.extensions["relais"]
    status = next(s for s in relais.report.plugins if s.name == "dpi_hl7")
    assert status.status == "failed" and "key, label, host and port are required" in status.error
    assert relais.connectors == {}


def test_the_pusher_alone_sees_the_state_move_live(relais, relais_alice, relais_bob, relais_ws, software):
    alice_socket, bob_socket = relais_ws(relais_alice), relais_ws(relais_bob)
    pushed = push(relais_alice).json["integration"]
    first = alice_socket.next_event("integration.status")["data"]
    assert (first["id"], first["state"]) == (pushed["id"], "en_attente")
    relais.jobs.run_pending()
    then = alice_socket.next_event("integration.status")["data"]
    assert (then["state"], then["message"], then["connector_label"]) == (
        "integre", "Document intégré dans DPI du CHU.", "DPI du CHU")
    bob_socket.assert_silent()


def test_the_demo_offers_its_own_software_and_a_report_to_push_once(relais_make_app):
    """``relais demo`` (kernel setting ``demo``): a demo instance on the plugin's test software, and a
    conversation holding a PDF report, seeded once however often the demo starts."""
    from kernel.demo import seed
    from kernel.models import Exchange
    from plugins.conversation import hooks as conversation

    app = relais_make_app([("conversation", conversation), ("dpi_hl7", dpi_hl7)], demo=True)
    relais = app.extensions["relais"]
    assert relais.connectors["dpi_hl7.demo"].label == "Logiciel de démonstration (HL7)"
    [service] = [s for s in relais.services if s.name.startswith("dpi_hl7")]
    assert service.name == "dpi_hl7.demo_software"
    seed(app)
    seed(app)
    with app.app_context():
        [report] = Exchange.select().where(Exchange.subject == "Compte rendu de consultation de cardiologie")
        assert report.patient.qualified
        service.start()
        try:
            assert app.extensions["dpi_hl7.demo_software"].port > 0
        finally:
            service.stop()


def test_outside_the_demo_nothing_is_offered_without_configuration(relais_make_app):
    relais = relais_make_app([("dpi_hl7", dpi_hl7)]).extensions["relais"]
    assert relais.connectors == {} and not [s for s in relais.services if s.name.startswith("dpi_hl7")]


def test_another_plugin_pushes_through_the_public_api(relais, relais_alice, relais_bob, software):
    """What a send screen's « copie à mon logiciel » does: ask what is open to the account, then push."""
    import kernel

    assert [c.name for c in kernel.available_targets(relais_alice.account)["logiciel"]] == ["dpi_hl7.chu"]
    patient = make_patient("Jeanne", "DUPONT", ins=INS, in_care_of=relais_alice.account)
    document = relais.attachments.save(io.BytesIO(PDF), "Synthese.pdf", relais_alice.account)
    row, [receipt] = kernel.integrate_document(document, patient, "dpi_hl7.chu", relais_alice.account)
    assert (row.state, receipt.pending) == ("en_attente", True)
    relais.jobs.run_pending()
    assert Integration.get_by_id(row.id).state == "integre"
    with pytest.raises(kernel.NoConnector) as refused:
        kernel.integrate_document(document, patient, "dpi_hl7.ailleurs", relais_alice.account)
    assert refused.value.message == "Ce logiciel métier n'est pas raccordé à votre structure."


def test_a_threads_pushes_and_the_connectors_cost_the_same_few_queries_however_many(relais_app, relais_alice, software):
    """The thread page asks its pushes once (GET /api/v1/integrations?exchange=) and the panel its connectors:
    neither grows with the number of pushes or instances (no query per row)."""
    from support.query_counter import count_queries

    def cost(url):
        with count_queries(relais_app) as seen:
            assert relais_alice.api.get(url).status_code == 200
        return len(seen)

    patient = make_patient("Jeanne", "DUPONT", ins=INS, in_care_of=relais_alice.account)
    push(relais_alice, patient)
    one = cost("/api/v1/integrations"), cost("/api/v1/connectors")
    for _ in range(5):
        push(relais_alice, patient)
    assert (cost("/api/v1/integrations"), cost("/api/v1/connectors")) == one
    assert len(relais_alice.api.get("/api/v1/integrations").json["integrations"]) == 6


class TestOverTls:
    """MLLP inside TLS: the software's certificate checked against the configured CA, ours presented."""

    @pytest.fixture
    def pki(self, tmp_path):
        from mail.mail_helpers import make_pki

        return make_pki(tmp_path / "pki")

    @pytest.fixture
    def software(self, pki):
        from mail.mail_helpers import server_tls

        software = LoopbackSoftware().start(tls=server_tls(pki, require_client=True))
        yield software
        software.stop()

    @pytest.fixture
    def relais_settings(self, relais_settings, database_settings, software, pki):
        trusted = instance(software, tls=True, ca_file=str(pki.ca), cert_file=str(pki.client_cert),
                           key_file=str(pki.client_key))
        untrusted = instance(software, key="usurpe", label="DPI usurpé", tls=True, ca_file=str(pki.other_ca))
        return {**relais_settings, **database_settings,
                "plugin_settings": {"dpi_hl7": {"instances": [trusted, untrusted]}}}

    def test_a_trusted_software_integrates_and_an_unknown_certificate_fails_at_once(self, relais, relais_alice,
                                                                                    software):
        good = push(relais_alice).json["integration"]
        patient = Integration.get_by_id(good["id"]).patient
        bad = push(relais_alice, patient, target="dpi_hl7.usurpe").json["integration"]
        relais.jobs.run_pending()
        assert Integration.get_by_id(good["id"]).state == "integre" and len(software.documents) == 1
        row = Integration.get_by_id(bad["id"])
        assert (row.state, row.message) == ("echec", "Le certificat de DPI usurpé n'est pas celui attendu : prévenez "
                                                     "votre administrateur.")
        assert Job.select().where(Job.status == "pending").count() == 0  # no retry: the deployer must act
