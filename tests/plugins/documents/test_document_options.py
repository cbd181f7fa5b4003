"""DOC-2: sharing on the regional record, on the DMP and a copy to my software are offered only when a connector
serves that target for the user; ticked, the documents are pushed through the kernel's integration service once
the send has committed (traced as every push is), and only once."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from kernel import Connector, IntegrationReceipt, hookimpl
from kernel.models import Integration, Job
from kernel.testing import bearer, make_account, make_patient
from plugins.documents import hooks as documents_plugin

URL = "/api/v1/channels/documents/exchanges"


class FakeConnectors:
    """A DMP and a practice software; no regional record."""

    def __init__(self) -> None:
        self.pushed: list[tuple[str, str, int | None]] = []

    @hookimpl
    def register_connectors(self) -> list[Connector]:
        return [Connector("test_dmp.national", "DMP de test", targets=("dmp",)),
                Connector("test_sw.cabinet", "Logiciel du cabinet", targets=("logiciel",))]

    @hookimpl
    def integrate(self, document, patient, target):
        if not target.startswith("test_"):
            return None
        self.pushed.append((target, document.filename, patient.id if patient else None))
        return IntegrationReceipt(target, ok=True, message="Document versé.", reference=f"R-{document.id}")


CONNECTORS = FakeConnectors()
pytestmark = pytest.mark.relais(plugins=[("documents", documents_plugin), ("test_connectors", CONNECTORS)],
                                mail_domains=["a.mssante.fr"], mail_receiver_port=0)


@pytest.fixture
def julie(relais_app):
    CONNECTORS.pushed.clear()
    make_account("paul", "Paul", "Durand", addresses=("paul@a.mssante.fr",))
    return make_account("julie", "Julie", "Bernard", addresses=("julie@a.mssante.fr",))


def _send(client, julie, patient, **options):
    upload = client.post("/api/v1/attachments", headers=bearer(julie), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"%PDF-1.4 cr"), "CR.pdf", "application/pdf")}).json["attachment"]
    return client.post(URL, headers=bearer(julie), json={
        "acting_as": julie.identity_id, "recipients": ["paul@a.mssante.fr"], "patient": patient.id,
        "attachments": [upload["id"]], "descriptions": {f"type_{upload['id']}": "11488-4",
                                                        f"date_{upload['id']}": "2026-12-01"}, **options})


def test_only_the_options_a_connector_serves_are_offered(relais_app, julie):
    fields = relais_app.test_client().get("/api/v1/channels/documents/form", headers=bearer(julie)).json["fields"]
    options = {f["name"]: f["label"] for f in fields if f["type"] == "checkbox"}
    assert options == {"share_dmp": "Partager dans le dossier médical partagé (DMP)",
                       "copy_software": "Envoyer une copie vers mon logiciel"}


def test_ticked_options_push_after_the_send_once(relais_app, julie):
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), in_care_of=julie)
    r = _send(relais_app.test_client(), julie, patient, share_dmp=True, copy_software=True)
    assert r.status_code == 201, r.json
    assert CONNECTORS.pushed == []  # nothing leaves inside the send's transaction
    assert Job.select().where(Job.name == "documents.integrate").count() == 2
    relais = relais_app.extensions["relais"]
    relais.jobs.run_pending()
    assert sorted(CONNECTORS.pushed) == [("test_dmp.national", "CR.pdf", patient.id),
                                         ("test_sw.cabinet", "CR.pdf", patient.id)]
    rows = {(row.connector, row.target, row.state) for row in Integration.select()}
    assert rows == {("test_dmp.national", "dmp", "integre"), ("test_sw.cabinet", "logiciel", "integre")}
    # A job run again (at-least-once) pushes nothing twice.
    from plugins.documents.outgoing import integrate_job
    for job in Job.select().where(Job.name == "documents.integrate"):
        integrate_job(job.payload)
    assert len(CONNECTORS.pushed) == 2 and Integration.select().count() == 2


def test_without_options_nothing_is_pushed(relais_app, julie):
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), in_care_of=julie)
    assert _send(relais_app.test_client(), julie, patient).status_code == 201
    assert not Job.select().where(Job.name == "documents.integrate").exists()


def test_a_refused_send_pushes_nothing(relais_app, julie):
    patient = make_patient("Marie", "DUPONT", birth_date=dt.date(1985, 3, 12), in_care_of=julie)
    r = _send(relais_app.test_client(), julie, patient, share_dmp=True, recipients=["inconnu@b.mssante.fr"])
    assert r.status_code == 422
    assert not Job.select().exists() and not Integration.select().exists() and CONNECTORS.pushed == []
