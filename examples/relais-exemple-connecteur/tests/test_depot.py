"""The connector's own tests: an app with only this connector (conftest.py), driven through the HTTP API."""
from __future__ import annotations

import datetime as dt
import io
import json

from kernel.models import Integration, Job
from kernel.testing import make_patient

PDF = b"%PDF-1.4\n%compte rendu\n"


def push(user, with_patient=True):
    patient = make_patient("Jeanne", "DUPONT", ins="279035121518989", in_care_of=user.account)
    upload = user.api.post("/api/v1/attachments", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PDF), "cr.pdf")}).json["attachment"]
    return user.api.post(f"/api/v1/attachments/{upload['id']}/integrate",
                         json={"target": "exemple_depot.dossier", "patient": patient.id if with_patient else None})


def test_the_software_is_offered_and_the_document_lands_in_its_folder_once(relais, relais_alice, relais_ws,
                                                                          import_folder):
    listed = relais_alice.api.get("/api/v1/connectors").json["connectors"]
    assert listed == [{"name": "exemple_depot.dossier", "label": "Logiciel du cabinet", "targets": ["logiciel"]}]
    live = relais_ws(relais_alice)
    r = push(relais_alice)
    assert r.status_code == 202 and r.json["integration"]["state"] == "en_attente"
    assert live.next_event("integration.status")["data"]["state"] == "en_attente"
    relais.jobs.run_pending()
    done = live.next_event("integration.status")["data"]
    assert (done["state"], done["message"]) == ("integre", "Document déposé dans le dossier du logiciel.")
    name = f"relais-{done['id']}"
    assert sorted(p.name for p in import_folder.iterdir()) == [f"{name}.json", f"{name}.pdf"]
    assert (import_folder / f"{name}.pdf").read_bytes() == PDF
    assert json.loads((import_folder / f"{name}.json").read_text())["ins"] == "279035121518989"


def test_without_a_patient_it_fails_at_once_in_french(relais_alice, import_folder):
    r = push(relais_alice, with_patient=False)
    assert r.status_code == 502
    assert r.json["integration"]["message"] == "Choisissez le patient : le logiciel range les documents par patient."
    assert not import_folder.exists()


def test_an_unavailable_folder_is_tried_again_later(relais, relais_alice, import_folder):
    import_folder.write_text("pas un dossier")  # the share is not mounted: a file stands where the folder goes
    pushed = push(relais_alice).json["integration"]
    relais.jobs.run_pending()
    row = Integration.get_by_id(pushed["id"])
    assert (row.state, row.message) == ("en_attente", "Le dossier d'import est indisponible : nouvel essai dans un instant…")
    import_folder.unlink()  # mounted again
    Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.status == "pending").execute()  # the backoff has passed
    relais.jobs.run_pending()
    assert Integration.get_by_id(row.id).state == "integre"
    assert (import_folder / f"relais-{row.id}.pdf").read_bytes() == PDF
