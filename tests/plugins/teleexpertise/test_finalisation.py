"""Finalisation (TE-6): only the expert side generates the compte rendu; a job renders it, posts it in the
thread, finalises the request once and writes its acts once; versions; failure and retry."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import peewee
import pytest
from pypdf import PdfReader

from kernel.models import Attachment, AuditEvent, Delegation, Job, Message, MessageAttachment
from kernel.testing import make_structure
from plugins.teleexpertise import finalisation, hooks, report as report_module
from plugins.teleexpertise.finalisation_models import Act, Report
from plugins.teleexpertise.models import ANNULEE, DEMANDEE, EN_COURS, FINALISEE, Request, StatusChange

# pytest imports test modules by path (importlib mode): this folder's helpers are found beside them.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
from finalisation_fixtures import EXPERT_AM, NIR, REQUESTER_AM, finalise_body, make_case  # noqa: E402

pytestmark = pytest.mark.relais(plugins=[("teleexpertise", hooks)])


@pytest.fixture
def expert(relais_user):
    return relais_user("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")


@pytest.fixture
def case(relais_alice, expert):
    return make_case(relais_alice.account, expert.account.identity, expert.account)


def with_rpps(user, rpps: str):
    user.account.rpps = rpps
    user.account.save()
    return user


def pdf_text(relais, attachment_id: int) -> str:
    attachment = Attachment.get_by_id(attachment_id)
    with relais.attachments.open(attachment) as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    # wkhtmltopdf places words one by one: compare texts with single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_expert_generates_the_report_which_finalises_the_request_and_writes_its_acts(relais, case, expert,
                                                                                           relais_alice):
    r = expert.browser.post(case.url, json=finalise_body(case, incident="Coupure réseau de 10 minutes."))
    assert r.status_code == 202, r.json
    assert r.json["report"]["version"] == 1 and r.json["report"]["state"] == "pending"
    assert Job.select().where(Job.name == "teleexpertise.report").count() == 1
    # The banner shows the generation running, to both sides.
    panel = next(p for p in expert.api.get(f"/api/v1/exchanges/{case.exchange.id}").json["exchange"]["panels"]
                 if p["name"] == "teleexpertise_report")
    assert panel["name"] == "teleexpertise_report" and panel["title"] == "Compte rendu en cours de génération"

    relais.jobs.run_pending()

    report = Report.get()
    assert report.state == "done" and report.attachment_id and report.message_id
    request = Request.get_by_id(case.request.id)
    assert request.status == FINALISEE and request.finalised_at is not None
    assert request.conclusion.startswith("Exérèse du nævus") and request.incident == "Coupure réseau de 10 minutes."
    carrier = Message.get_by_id(report.message_id)
    assert carrier.kind == "synthesis" and carrier.author_id == expert.account.id
    assert MessageAttachment.get(MessageAttachment.message == carrier.id).attachment_id == report.attachment_id
    assert Attachment.get_by_id(report.attachment_id).content_type == "application/pdf"
    acts = {a.code: a for a in Act.select()}
    assert set(acts) == {"RQD", "TE2"}
    assert (acts["RQD"].billing_number, acts["RQD"].account_id, acts["RQD"].patient_nir) == (
        REQUESTER_AM, relais_alice.account.id, NIR)
    assert (acts["TE2"].billing_number, acts["TE2"].account_id) == (EXPERT_AM, expert.account.id)
    # The requester sees the finalised banner with the report to open.
    seen = relais_alice.api.get(f"/api/v1/exchanges/{case.exchange.id}").json["exchange"]
    banner = next(p for p in seen["panels"] if p["name"] == "teleexpertise_report")
    assert banner["title"] == "Le compte rendu est finalisé" and banner["level"] == "success"
    assert banner["action"]["url"] == f"/api/v1/attachments/{report.attachment_id}"
    assert relais_alice.api.get(banner["action"]["url"]).status_code == 200
    text = pdf_text(relais, report.attachment_id)
    assert "Compte rendu de téléexpertise" in text and "Coupure réseau de 10 minutes." in text
    assert "Page 1 sur" in text
    # Traced, without a word of what was written.
    audited = {a.action: a for a in AuditEvent.select().where(AuditEvent.action.startswith("teleexpertise."))}
    assert {"teleexpertise.finalise", "teleexpertise.report"} <= set(audited)
    assert audited["teleexpertise.finalise"].account_id == expert.account.id
    assert not any("Exérèse" in a.detail or "Coupure" in a.detail for a in audited.values())


def test_the_panel_shows_the_expert_the_acts_to_confirm(case, expert, relais_alice):
    state = expert.api.get(case.url).json
    assert state["can_finalise"] is True and state["billing_number"] == EXPERT_AM
    assert [(a["code"], a["professional"], a["written"]) for a in state["acts"]] == [
        ("RQD", "Alice MARTIN", False), ("TE2", "Sophie LAURENT", False)]
    assert state["acts"][0]["billing_number"] == REQUESTER_AM
    assert relais_alice.api.get(case.url).json["acts"] == []


def test_only_the_expert_side_may_finalise(relais, case, relais_alice, relais_bob):
    r = relais_alice.browser.post(case.url, json=finalise_body(case))
    assert r.status_code == 403 and "expert" in r.json["errors"]["_schema"][0]
    r = relais_bob.browser.post(case.url, json=finalise_body(case))
    assert r.status_code == 404
    assert relais_bob.api.get(case.url).status_code == 404
    assert Report.select().count() == 0 and Job.select().where(Job.name == "teleexpertise.report").count() == 0
    state = relais_alice.api.get(case.url).json
    assert state["can_finalise"] is False and state["billing_number"] == ""


def test_a_bad_finalisation_says_what_to_fix_at_each_field_and_stores_nothing(case, expert, relais_bob):
    r = expert.browser.post(case.url, json={"messages": [], "conclusion": "  ", "billing_number": "12"})
    assert r.status_code == 422
    errors = r.json["errors"]
    assert set(errors) == {"messages", "conclusion", "billing_number"}
    assert "Cochez" in errors["messages"][0] and "conclusion" in errors["conclusion"][0]
    other = make_case(relais_bob.account, expert.account.identity, expert.account)
    r = expert.browser.post(case.url, json=finalise_body(case, messages=[other.question.id]))
    assert r.status_code == 422 and "n'appartient pas" in r.json["errors"]["messages"][0]
    assert expert.browser.post(case.url, json={"conclusion": "x"}).json["errors"]["messages"]
    assert Report.select().count() == 0 and Request.get_by_id(case.request.id).conclusion == ""


def test_a_request_not_yet_taken_or_cancelled_cannot_be_finalised(relais_alice, expert):
    waiting = make_case(relais_alice.account, expert.account.identity, expert.account, status=DEMANDEE)
    r = expert.browser.post(waiting.url, json=finalise_body(waiting))
    assert r.status_code == 409 and "demandée" in r.json["errors"]["_schema"][0]
    cancelled = make_case(relais_alice.account, expert.account.identity, expert.account, status=ANNULEE)
    assert expert.browser.post(cancelled.url, json=finalise_body(cancelled)).status_code == 409


def test_the_report_holds_the_ticked_messages_only(relais, case, expert):
    r = expert.browser.post(case.url, json=finalise_body(case, messages=case.ids(case.question, case.answer)))
    assert r.status_code == 202
    relais.jobs.run_pending()
    text = pdf_text(relais, Report.get().attachment_id)
    assert "lésion pigmentée du dos" in text and "nævus atypique" in text
    assert "Photo de la lésion." not in text and "lesion-dos.png" not in text
    assert "brouillon" not in text  # the earlier synthesis was not ticked


def test_generating_again_makes_a_new_version_without_new_acts_or_status_change(relais, case, expert, relais_alice):
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    # One generation at a time.
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 409
    relais.jobs.run_pending()
    r = expert.browser.post(case.url, json=finalise_body(case, conclusion="Conclusion corrigée : exérèse urgente."))
    assert r.status_code == 202 and r.json["report"]["version"] == 2
    relais.jobs.run_pending()
    assert [(r.version, r.state) for r in Report.select().order_by(Report.version)] == [(1, "done"), (2, "done")]
    assert Act.select().count() == 2
    assert StatusChange.select().where(StatusChange.status == FINALISEE).count() == 1
    state = relais_alice.api.get(case.url).json
    assert [r["version"] for r in state["reports"]] == [1, 2]
    assert all(r["attachment"]["url"].startswith("/api/v1/attachments/") for r in state["reports"])
    assert "Conclusion corrigée" in pdf_text(relais, Report.get(Report.version == 2).attachment_id)
    # Running the job again changes nothing (idempotent).
    relais.jobs.enqueue("teleexpertise.report", {"report": Report.get(Report.version == 2).id})
    relais.jobs.run_pending()
    assert Message.select().where(Message.kind == "synthesis").count() == 3  # the fixture's draft + 2 versions


def test_a_failed_generation_says_why_and_can_be_retried(relais, case, expert, relais_alice):
    renderer = relais.pdf.binary
    relais.pdf.binary = "/nonexistent/wkhtmltopdf"
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    report = Report.get()
    assert report.state == "failed" and "générateur de PDF" in report.error
    assert Request.get_by_id(case.request.id).status != FINALISEE and Act.select().count() == 0
    panel = next(p for p in expert.api.get(f"/api/v1/exchanges/{case.exchange.id}").json["exchange"]["panels"]
                 if p["name"] == "teleexpertise_report")
    assert panel["level"] == "danger" and panel["action"]["label"] == "Réessayer"
    retry_url = panel["action"]["url"]
    assert relais_alice.browser.post(retry_url).status_code == 403
    relais.pdf.binary = renderer
    r = expert.browser.post(retry_url)
    assert r.status_code == 202 and r.json["report"]["state"] == "pending"
    assert expert.browser.post(retry_url).status_code == 409  # not failed any more
    relais.jobs.run_pending()
    report = Report.get()
    assert report.state == "done" and report.version == 1 and report.error == ""
    assert Request.get_by_id(case.request.id).status == FINALISEE and Act.select().count() == 2


def test_a_delegate_of_an_expert_department_finalises_for_it(relais, relais_alice, relais_user):
    carol = relais_user("carol", "Carole", "Roux", profession="Médecin dermatologue")
    with_rpps(carol, "10009876543")
    department = make_structure("Service de dermatologie — CHU de Lyon", delegates=(carol.account,))
    case = make_case(relais_alice.account, department, carol.account)
    state = carol.api.get(case.url).json
    assert state["can_finalise"] is True
    r = carol.browser.post(case.url, json=finalise_body(case))
    assert r.status_code == 202, r.json
    relais.jobs.run_pending()
    te2 = Act.get(Act.code == "TE2")
    assert te2.account_id == carol.account.id and te2.structure == "Service de dermatologie — CHU de Lyon"
    assert te2.professional_id == carol.account.identity_id and te2.rpps == "10009876543"
    text = pdf_text(relais, Report.get().attachment_id)
    assert "Service de dermatologie — CHU de Lyon" in text and "Carole ROUX" in text


def test_each_step_of_the_generation_is_pushed_live_to_both_sides(relais, case, expert, relais_alice, relais_bob,
                                                                    relais_ws):
    requester_live, expert_live, outsider_live = relais_ws(relais_alice), relais_ws(expert), relais_ws(relais_bob)
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    for live in (requester_live, expert_live):
        event = live.next_event("teleexpertise.report")
        assert event["exchange_id"] == case.exchange.id
        assert event["data"] == {"request_id": case.request.id, "report_id": Report.get().id, "version": 1,
                                 "state": "pending"}
    relais.jobs.run_pending()
    for live in (requester_live, expert_live):
        assert live.next_event("teleexpertise.status")["data"]["status"] == FINALISEE
        done = live.next_event("teleexpertise.report")["data"]
        assert done["state"] == "done" and done["attachment_id"] == Report.get().attachment_id
    outsider_live.assert_silent()


def test_the_thread_and_the_finalisation_panel_cost_the_same_whatever_the_number_of_versions(relais, relais_app, case,
                                                                                              expert):
    from support.query_counter import count_queries

    def costs() -> tuple[int, int]:
        with count_queries(relais_app) as thread:
            assert expert.api.get(f"/api/v1/exchanges/{case.exchange.id}").status_code == 200
        with count_queries(relais_app) as state:
            assert expert.api.get(case.url).status_code == 200
        return len(thread), len(state)

    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    costs()  # the first reading of the thread leaves marks a second one does not
    one = costs()
    for _ in range(4):
        assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
        relais.jobs.run_pending()
    assert Report.select().count() == 5
    assert costs() == one


def test_a_request_cancelled_while_its_report_waited_is_not_finalised(relais, relais_alice, expert):
    case = make_case(relais_alice.account, expert.account.identity, expert.account, status=EN_COURS)
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    Request.update(status=ANNULEE).where(Request.id == case.request.id).execute()  # the requester cancelled
    relais.jobs.run_pending()
    report = Report.get()
    assert report.state == "failed" and "annulée" in report.error
    assert Act.select().count() == 0 and Request.get_by_id(case.request.id).status == ANNULEE


def test_a_body_that_is_not_a_json_object_is_refused(case, expert):
    r = expert.browser.post(case.url, data="conclusion", content_type="text/plain")
    assert r.status_code == 400 and r.json["errors"]["_schema"]
    r = expert.browser.post(case.url, json=finalise_body(case, surprise=True))
    assert r.status_code == 422 and "surprise" in r.json["errors"]


def test_a_department_member_without_rpps_is_told_before_and_refused(relais_alice, relais_user):
    """TE2 is billed to whoever finalises for a structure: no RPPS, no billable act, no finalisation."""
    carol = relais_user("carol", "Carole", "Roux", profession="Médecin dermatologue")
    department = make_structure("Service de dermatologie — CHU de Lyon", delegates=(carol.account,))
    case = make_case(relais_alice.account, department, carol.account)
    assert "pas de numéro RPPS" in carol.api.get(case.url).json["warning"]
    r = carol.browser.post(case.url, json=finalise_body(case))
    assert r.status_code == 422 and "pas de numéro RPPS" in r.json["errors"]["_schema"][0], r.json
    assert Report.select().count() == 0 and Job.select().count() == 0


def test_a_secretary_acting_for_the_expert_cannot_finalise(case, expert, relais_user):
    secretary = relais_user("sandrine", "Sandrine", "Secretaire", profession="Secrétaire médicale")
    Delegation.create(delegate=secretary.account, principal=expert.account.identity_id)
    state = secretary.api.get(case.url).json
    assert state["can_finalise"] is False and state["acts"] == [] and state["billing_number"] == ""
    r = secretary.browser.post(case.url, json=finalise_body(case))
    assert r.status_code == 403 and "expert" in r.json["errors"]["_schema"][0]
    assert Report.select().count() == 0


def test_rqd_is_the_requesting_doctor_s_even_when_a_secretary_typed_the_request(relais, relais_alice, expert,
                                                                                relais_user):
    """The billing number typed is the doctor's: the act and the PDF name the doctor and their RPPS."""
    with_rpps(relais_alice, "10001111111")
    secretary = relais_user("sandrine", "Sandrine", "Secretaire", profession="Secrétaire médicale")
    Delegation.create(delegate=secretary.account, principal=relais_alice.account.identity_id)
    case = make_case(secretary.account, expert.account.identity, expert.account,
                     requester_identity=relais_alice.account.identity)
    with_rpps(expert, "10002222222")
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    acts = {a.code: a for a in Act.select()}
    assert (acts["RQD"].account_id, acts["RQD"].professional_id, acts["RQD"].rpps, acts["RQD"].billing_number) == (
        relais_alice.account.id, relais_alice.account.identity_id, "10001111111", REQUESTER_AM)
    assert (acts["TE2"].account_id, acts["TE2"].rpps) == (expert.account.id, "10002222222")
    text = pdf_text(relais, Report.get().attachment_id)
    assert text.count("10001111111") >= 2 and "10002222222" in text  # the requester block and the RQD act
    # The messages she typed for him are hers, for the doctor named as the thread names him (behalf.py).
    assert "Sandrine SECRETAIRE pour le compte de Dr MARTIN" in text


def test_rqd_of_a_structure_request_is_the_requesting_professional_s(relais, relais_alice, expert):
    with_rpps(relais_alice, "10001111111")
    coordination = make_structure("Coordination REPAP", delegates=(relais_alice.account,))
    case = make_case(relais_alice.account, expert.account.identity, expert.account, requester_identity=coordination)
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    rqd = Act.get(Act.code == "RQD")
    assert (rqd.account_id, rqd.rpps, rqd.structure) == (relais_alice.account.id, "10001111111", "Coordination REPAP")


def test_a_request_cancelled_while_its_report_was_drawn_is_neither_finalised_nor_billed(relais, relais_app, relais_alice,
                                                                                        expert, monkeypatch):
    case = make_case(relais_alice.account, expert.account.identity, expert.account, status=EN_COURS)
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    drawn = finalisation.report_pdf

    def drawn_while_the_requester_cancels(context):
        pdf = drawn(context)
        Request.update(status=ANNULEE).where(Request.id == case.request.id).execute()  # committed meanwhile
        return pdf

    monkeypatch.setattr(finalisation, "report_pdf", drawn_while_the_requester_cancels)
    from support.query_counter import count_queries
    with count_queries(relais_app) as sql:
        relais.jobs.run_pending()
    # PostgreSQL locks the request's row until the finalisation commits (SQLite's BEGIN IMMEDIATE locks it all).
    locked = [q for q in sql if "teleexpertise_request" in q and "FOR UPDATE" in q]
    assert len(locked) == (1 if isinstance(relais.database, peewee.PostgresqlDatabase) else 0), sql
    report = Report.get()
    assert report.state == "failed" and "annulée" in report.error and report.attachment_id is None
    assert Act.select().count() == 0 and Request.get_by_id(case.request.id).status == ANNULEE
    assert not StatusChange.select().where(StatusChange.status == FINALISEE).exists()
    assert Message.select().where(Message.kind == "synthesis").count() == 1  # the fixture's draft only: none posted


def test_a_failed_version_is_not_retried_while_another_is_being_generated(relais, case, expert):
    renderer = relais.pdf.binary
    relais.pdf.binary = "/nonexistent/wkhtmltopdf"
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    relais.pdf.binary = renderer
    failed = Report.get()
    assert failed.state == "failed"
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202  # version 2, pending
    r = expert.browser.post(f"/teleexpertise/exchanges/{case.exchange.id}/reports/{failed.id}/retry")
    assert r.status_code == 409 and "en cours de génération" in r.json["errors"]["_schema"][0], r.json
    assert Report.get_by_id(failed.id).state == "failed"
    relais.jobs.run_pending()
    assert [r.state for r in Report.select().order_by(Report.version)] == ["failed", "done"]


def test_the_report_is_drawn_by_the_app_s_own_templates(relais_app, case, expert, monkeypatch):
    """No environment of its own (module state that bypasses the app's loader and its settings)."""
    import jinja2
    assert not [name for name, value in vars(report_module).items() if isinstance(value, jinja2.Environment)]
    asked = []
    found = relais_app.jinja_env.get_template
    monkeypatch.setattr(relais_app.jinja_env, "get_template", lambda name, *a, **k: asked.append(name) or found(
        name, *a, **k))
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    from kernel import current_relais
    current_relais().jobs.run_pending()
    assert "teleexpertise/report.html" in asked and Report.get().state == "done"
