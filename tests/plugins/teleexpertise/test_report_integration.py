"""Integration (TE-7): the compte rendu is an attachment of the thread like any other, so it is pushed into the
professional's software through the kernel's ``integrate`` to any enabled connector."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kernel import Connector, IntegrationReceipt, current_relais, hookimpl
from plugins.teleexpertise import hooks
from plugins.teleexpertise.finalisation_models import Report

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
from finalisation_fixtures import finalise_body, make_case  # noqa: E402


class SoftwareOfTheClinic:
    """A connector that keeps what it was given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes, int | None]] = []

    @hookimpl
    def register_connectors(self):
        return [Connector("te_dpi_test", "Logiciel du cabinet (test)")]

    @hookimpl
    def integrate(self, document, patient, target):
        if target != "te_dpi_test":
            return None
        with current_relais().attachments.open(document) as fh:
            self.received.append((document.filename, fh.read(), patient.id if patient else None))
        return IntegrationReceipt(target, True, "Document versé dans le dossier du patient.")


SOFTWARE = SoftwareOfTheClinic()
pytestmark = pytest.mark.relais(plugins=[("teleexpertise", hooks), ("te_dpi_test", SOFTWARE)])


def test_the_requester_pushes_the_report_into_their_software(relais, relais_alice, relais_user):
    SOFTWARE.received.clear()
    expert = relais_user("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
    case = make_case(relais_alice.account, expert.account.identity, expert.account)
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    report = Report.get()
    assert [c["name"] for c in relais_alice.api.get("/api/v1/connectors").json["connectors"]] == ["te_dpi_test"]
    r = relais_alice.api.post(f"/api/v1/attachments/{report.attachment_id}/integrate",
                              json={"target": "te_dpi_test", "patient": case.patient.id, "exchange": case.exchange.id})
    assert r.status_code == 200, r.json
    assert r.json["receipts"][0]["ok"] and r.json["receipts"][0]["message"] == "Document versé dans le dossier du patient."
    [(filename, data, patient_id)] = SOFTWARE.received
    assert filename.startswith("Compte rendu téléexpertise TE-") and data.startswith(b"%PDF")
    assert patient_id == case.patient.id
    # Someone outside the téléexpertise cannot push it (nor learn it exists).
    outsider = relais_user("noe", "Noé", "Autre")
    r = outsider.api.post(f"/api/v1/attachments/{report.attachment_id}/integrate", json={"target": "te_dpi_test"})
    assert r.status_code == 404 and len(SOFTWARE.received) == 1
