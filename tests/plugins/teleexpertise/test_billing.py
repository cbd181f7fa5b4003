"""Billing (TE-8): the acts export as JSON and CSV (UTF-8 with BOM, « ; », French headers), who sees which
acts, the filters, and the yearly limit warning of the request screen."""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import pytest

from kernel.testing import make_patient, make_structure
from plugins.teleexpertise import hooks
from plugins.teleexpertise.billing import paris_today, planned_acts
from plugins.teleexpertise.finalisation_models import Act
from plugins.teleexpertise.models import FINALISEE, Request

# pytest imports test modules by path (importlib mode): this folder's helpers are found beside them.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
from finalisation_fixtures import EXPERT_AM, NIR, REQUESTER_AM, make_case  # noqa: E402

pytestmark = pytest.mark.relais(plugins=[("teleexpertise", hooks)])


def finalised(requester, expert_identity, expert_account, *, on: dt.date | None = None, **kwargs):
    """A finalised téléexpertise with its two acts, as finalisation writes them."""
    case = make_case(requester, expert_identity, expert_account, status=FINALISEE, **kwargs)
    for act in planned_acts(Request.get_by_id(case.request.id), expert_account, EXPERT_AM, on or paris_today()):
        act.save(force_insert=True)
    return case


@pytest.fixture
def expert(relais_user):
    return relais_user("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")


def period(start: dt.date | None = None, end: dt.date | None = None) -> str:
    start = start or paris_today().replace(day=1)
    end = end or paris_today() + dt.timedelta(days=1)
    return f"du={start.isoformat()}&au={end.isoformat()}"


def test_the_json_export_lists_each_side_its_own_acts(relais_alice, relais_bob, expert):
    finalised(relais_alice.account, expert.account.identity, expert.account)
    mine = relais_alice.api.get(f"/teleexpertise/billing/acts?{period()}").json
    assert [a["code"] for a in mine["acts"]] == ["RQD"]
    row = mine["acts"][0]
    assert (row["billing_number"], row["patient_nir"], row["professional"]) == (REQUESTER_AM, NIR, "Alice MARTIN")
    assert row["label"] == "Demande de téléexpertise (requérant)" and row["reference"].startswith("TE-")
    theirs = expert.api.get(f"/teleexpertise/billing/acts?{period()}").json
    assert [(a["code"], a["billing_number"]) for a in theirs["acts"]] == [("TE2", EXPERT_AM)]
    assert relais_bob.api.get(f"/teleexpertise/billing/acts?{period()}").json["acts"] == []


def test_an_administrator_sees_no_act_of_others_with_their_patients(relais_alice, expert, relais_user):
    """docs/security.md: administering the platform gives no right to exchanges or patients."""
    admin = relais_user("admin", "Ada", "Admin", is_admin=True)
    finalised(relais_alice.account, expert.account.identity, expert.account)
    answer = admin.api.get(f"/teleexpertise/billing/acts?{period()}").json
    assert (answer["acts"], answer["count"]) == ([], 0)
    csv_file = admin.api.get(f"/teleexpertise/billing/acts.csv?{period()}").get_data(as_text=True)
    assert "DUPONT" not in csv_file and NIR not in csv_file and len(csv_file.strip().splitlines()) == 1
    page = admin.browser.get(f"/teleexpertise/facturation?{period()}").get_data(as_text=True)
    assert "DUPONT" not in page and NIR not in page


def test_the_acts_filter_by_professional_and_structure(relais_alice, expert, relais_user):
    carol = relais_user("carol", "Carole", "Roux")
    carol.account.rpps = "10001234567"
    carol.account.save()
    department = make_structure("Service de dermatologie — CHU de Lyon", delegates=(carol.account,))
    finalised(relais_alice.account, expert.account.identity, expert.account)
    other = make_patient("Paul", "MARTIN", in_care_of=relais_alice.account)
    finalised(relais_alice.account, department, carol.account, patient=other)
    mine = relais_alice.api.get(f"/teleexpertise/billing/acts?{period()}").json
    assert [a["code"] for a in mine["acts"]] == ["RQD", "RQD"]
    by_alice = relais_alice.api.get(
        f"/teleexpertise/billing/acts?{period()}&professionnel={relais_alice.account.identity_id}").json
    assert by_alice["count"] == 2
    assert relais_alice.api.get(
        f"/teleexpertise/billing/acts?{period()}&professionnel={expert.account.identity_id}").json["acts"] == []
    by_department = carol.api.get(f"/teleexpertise/billing/acts?{period()}&structure={department.id}").json
    assert [(a["code"], a["structure"]) for a in by_department["acts"]] == [("TE2", "Service de dermatologie — CHU de Lyon")]
    # Carole acts for the department: she sees its act (hers), not the other expert's.
    assert [a["professional"] for a in carol.api.get(f"/teleexpertise/billing/acts?{period()}").json["acts"]] == ["Carole ROUX"]


def test_the_period_is_checked_in_french(relais_alice):
    r = relais_alice.api.get("/teleexpertise/billing/acts?du=2026-02-01&au=2026-01-01")
    assert r.status_code == 422 and "précède" in r.json["errors"]["au"][0]
    r = relais_alice.api.get("/teleexpertise/billing/acts?du=hier")
    assert r.status_code == 422 and set(r.json["errors"]) == {"du", "au"}
    assert relais_alice.api.get("/teleexpertise/billing/acts?du=2020-01-01&au=2026-01-01").status_code == 422


def test_acts_outside_the_period_are_left_out(relais_alice, expert):
    finalised(relais_alice.account, expert.account.identity, expert.account, on=dt.date(2025, 6, 30))
    june = relais_alice.api.get("/teleexpertise/billing/acts?du=2025-06-01&au=2025-06-30").json
    assert june["count"] == 1
    assert relais_alice.api.get("/teleexpertise/billing/acts?du=2025-07-01&au=2025-07-31").json["count"] == 0


def test_the_csv_opens_in_a_spreadsheet_with_its_accents(relais_alice, relais_user):
    expert = relais_user("sophie", "Sophie", "Lévêque-Garçon", profession="Médecin dermatologue")
    patient = make_patient("Éloïse", "NOËL", in_care_of=relais_alice.account)
    finalised(relais_alice.account, expert.account.identity, expert.account, patient=patient)
    r = expert.api.get(f"/teleexpertise/billing/acts.csv?{period()}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"] and ".csv" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")  # the BOM that tells a spreadsheet it is UTF-8
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Date de l'acte", "Code acte", "Libellé", "Professionnel"]
    assert "NIR du patient" in rows[0] and "N° de facturation" in rows[0]
    line = dict(zip(rows[0], rows[1]))
    assert line["Code acte"] == "TE2" and line["Professionnel"] == "Sophie LÉVÊQUE-GARÇON"
    assert line["Patient"] == "NOËL Éloïse" and line["NIR du patient"] == NIR
    assert line["Date de l'acte"] == paris_today().strftime("%d/%m/%Y") and len(rows) == 2


def test_a_name_that_looks_like_a_formula_stays_text_in_the_csv(relais_alice, expert):
    department = make_structure("=HYPERLINK(\"http://x\")", delegates=(expert.account,))
    finalised(relais_alice.account, department, expert.account)
    rows = list(csv.reader(io.StringIO(expert.api.get(f"/teleexpertise/billing/acts.csv?{period()}").data
                                       .decode("utf-8-sig")), delimiter=";"))
    assert dict(zip(rows[0], rows[1]))["Structure"].startswith("'=")


def test_the_request_screen_warns_when_the_patient_reached_the_yearly_limit(relais, relais_alice, expert):
    case = finalised(relais_alice.account, expert.account.identity, expert.account)
    url = f"/teleexpertise/billing/limit?expert={expert.account.identity_id}&patient={case.patient.id}"
    assert relais_alice.api.get(url).json["items"] == []
    for _ in range(3):
        finalised(relais_alice.account, expert.account.identity, expert.account, patient=case.patient)
    answer = relais_alice.api.get(url).json
    assert answer["limit"] == 4 and len(answer["items"]) == 1
    assert "4 téléexpertises" in answer["items"][0]["detail"] and "limite de 4 par an" in answer["items"][0]["detail"]
    # Acts of last year do not count.
    first = Act.select().where(Act.code == "TE2").order_by(Act.id).first()
    Act.update(act_date=dt.date(paris_today().year - 1, 12, 31)).where(Act.id == first.id).execute()
    assert relais_alice.api.get(url).json["items"] == []


def test_the_limit_tells_nothing_about_a_patient_outside_one_s_care(relais_alice, relais_bob, expert):
    """Else anyone could learn whether any patient id had téléexpertises with an expert."""
    case = finalised(relais_alice.account, expert.account.identity, expert.account)
    for _ in range(3):
        finalised(relais_alice.account, expert.account.identity, expert.account, patient=case.patient)
    url = f"/teleexpertise/billing/limit?expert={expert.account.identity_id}&patient={case.patient.id}"
    [item] = relais_alice.api.get(url).json["items"]
    assert "url" not in item  # a warning to read, not a link to nowhere
    answer = relais_bob.api.get(url)
    assert answer.status_code == 200 and answer.json["items"] == [] and answer.json["count"] == 0


@pytest.mark.relais(plugins=[("teleexpertise", hooks)], plugin_settings={"teleexpertise": {"yearly_limit": "1"}})
def test_the_yearly_limit_is_a_setting(relais_alice, expert):
    case = finalised(relais_alice.account, expert.account.identity, expert.account)
    answer = relais_alice.api.get(
        f"/teleexpertise/billing/limit?expert={expert.account.identity_id}&patient={case.patient.id}").json
    assert answer["limit"] == 1 and "limite de 1 par an" in answer["items"][0]["detail"]
    # The finalisation panel of the next request warns the expert too.
    again = make_case(relais_alice.account, expert.account.identity, expert.account, patient=case.patient)
    assert "limite de 1 par an" in expert.api.get(again.url).json["warning"]


def test_the_request_screen_carries_the_limit_field(relais_alice):
    fields = relais_alice.api.get("/api/v1/channels/teleexpertise/form").json["fields"]
    limit = next(f for f in fields if f["name"] == "teleexpertise_limit")
    assert limit["type"] == "suggestions"
    assert limit["options"] == {"url": "/teleexpertise/billing/limit", "watch": ["expert", "patient"]}


def test_the_billing_page_lists_the_period_and_links_the_csv(relais_alice, expert):
    finalised(relais_alice.account, expert.account.identity, expert.account)
    page = expert.browser.get("/teleexpertise/facturation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Facturation téléexpertise" in html and "TE2" in html and EXPERT_AM in html
    assert "/teleexpertise/billing/acts.csv?du=" in html
    bad = expert.browser.get("/teleexpertise/facturation?du=2026-02-01&au=2026-01-01").get_data(as_text=True)
    assert "précède" in bad
