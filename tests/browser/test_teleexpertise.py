"""In a real Chromium: a téléexpertise from the request to its compte rendu. The expert ticks the messages
(the earlier synthesis left out), writes the conclusion and generates; the banner shows the generation running
then the report finalised, and the requester, watching the same thread, sees each status live and opens it."""
from __future__ import annotations

import datetime as dt
import io
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from kernel.models import Attachment
from plugins.teleexpertise import hooks as teleexpertise
from plugins.teleexpertise.billing import paris_today, planned_acts
from plugins.teleexpertise.finalisation_models import Report
from plugins.teleexpertise.models import EN_COURS, FINALISEE, Expert, Request
from support.factories import make_account, make_patient

TELEEXPERTISE_TESTS = str(Path(__file__).resolve().parents[1] / "plugins" / "teleexpertise")
if TELEEXPERTISE_TESTS not in sys.path:
    sys.path.insert(0, TELEEXPERTISE_TESTS)
from finalisation_fixtures import EXPERT_AM, NIR, REQUESTER_AM, make_case  # noqa: E402

pytestmark = pytest.mark.browser


def pdf_text(site, attachment_id: int) -> str:
    with site.app.app_context():
        attachment = Attachment.get_by_id(attachment_id)
        with site.app.extensions["relais"].attachments.open(attachment) as fh:
            reader = PdfReader(io.BytesIO(fh.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_expert_finalises_and_the_requester_sees_it_live(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("teleexpertise", teleexpertise)])
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        sophie = make_account("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
        case = make_case(julie, sophie.identity, sophie, status=EN_COURS)
    thread = f"/echanges/{case.exchange.id}"
    requester = new_page(height=1000)
    sign_in(requester, site, "julie", thread)
    expect(requester.locator("#thread")).to_have_attribute("data-ready", "true")
    expert = new_page(height=1000)
    sign_in(expert, site, "sophie", thread)
    expect(expert.locator("#thread")).to_have_attribute("data-ready", "true")
    banner = expert.locator('[data-panel="teleexpertise_report"]')
    expect(banner).to_contain_text("Finaliser la téléexpertise")
    expect(requester.locator('[data-panel="teleexpertise_report"]')).to_have_count(0)

    banner.get_by_role("button", name="Finaliser la téléexpertise").click()
    form = expert.locator("form.te-finalise")
    expect(form).to_be_visible()
    expect(expert.locator("#composer")).to_be_hidden()
    boxes = expert.locator(".te-pick-box")
    expect(boxes).to_have_count(len(case.messages))
    # The earlier synthesis is left out; everything else is in.
    expect(expert.locator(f'li[data-id="{case.synthesis.id}"] .te-pick-box')).not_to_be_checked()
    expect(expert.locator(f'li[data-id="{case.answer.id}"] .te-pick-box')).to_be_checked()
    expect(form.get_by_label("Votre numéro de facturation (Assurance Maladie) *")).to_have_value(EXPERT_AM)
    # Without a conclusion: said at the field, nothing generated.
    form.get_by_role("button", name="Générer le compte rendu").click()
    expect(form.locator('[data-field="conclusion"] .field-error')).to_contain_text("Écrivez la conclusion")
    expert.locator(f'li[data-id="{case.photo.id}"] .te-pick-box').uncheck()
    expect(form.locator(".te-count")).to_contain_text(f"{len(case.messages) - 2} message(s) coché(s)")
    form.get_by_label("Conclusion de l'expert *").fill("Nævus atypique : exérèse conseillée dans le mois.")
    form.get_by_label("Incident technique").fill("Photo initiale floue, renvoyée par le requérant.")
    expert.screenshot(path=str(artifacts / "teleexpertise_finalise_selection.png"), full_page=True)
    form.get_by_role("button", name="Générer le compte rendu").click()
    expect(form).to_have_count(0)
    expect(banner).to_contain_text("Compte rendu en cours de génération")
    expect(banner.locator(".te-spinner")).to_be_visible()
    expect(requester.locator('[data-panel="teleexpertise_report"]')).to_contain_text("en cours de génération")
    expert.screenshot(path=str(artifacts / "teleexpertise_finalise_running.png"), full_page=True)

    with site.app.app_context():
        site.app.extensions["relais"].jobs.run_pending()
        report = Report.get()
        assert report.state == "done" and Request.get_by_id(case.request.id).status == FINALISEE
    # Pushed live to both: the banner, the status line and the report in the thread.
    for page in (expert, requester):
        done = page.locator('[data-panel="teleexpertise_report"]')
        expect(done).to_contain_text("Le compte rendu est finalisé")
        expect(done.locator(".te-version")).to_have_text("v1")
        expect(page.locator(".te-report-message")).to_contain_text("Compte rendu de téléexpertise (version 1)")
    # No software connected: the report is not offered to « Envoyer vers mon logiciel ».
    expect(requester.locator(".te-report-message [data-transfer]")).to_have_count(0)
    requester.screenshot(path=str(artifacts / "teleexpertise_finalised_requester.png"), full_page=True)
    with requester.expect_popup() as opened:
        requester.locator('[data-panel="teleexpertise_report"] .te-version').click()
    assert re.search(rf"/api/v1/attachments/{report.attachment_id}$", opened.value.url)
    text = pdf_text(site, report.attachment_id)
    assert "Nævus atypique : exérèse conseillée" in text and "Photo de la lésion." not in text


def test_from_the_request_screen_to_the_report_with_every_status_live(make_site, new_page, sign_in, artifacts):
    """The requester finds the expert, answers the expert's structured question and sends; the expert opens
    (en cours), answers and marks it answered (répondue), then finalises (finalisée): the requester's thread
    follows each status live, and the requester opens the compte rendu."""
    site = make_site(plugins=[("teleexpertise", teleexpertise)])
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        sophie = make_account("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
        Expert.create(identity=sophie.identity_id, scope="Dermatologie : lésions pigmentées, ulcères",
                      prerequisites="Merci de joindre une photo nette de la lésion.", billing_number=EXPERT_AM,
                      form=[{"name": "localisation", "label": "Localisation de la lésion", "type": "choice",
                             "required": True, "choices": ["Dos", "Visage", "Membres"], "unit": ""}])
        make_patient("Jeanne", "DUPONT", ins=NIR, birth_date=dt.date(1979, 3, 15), in_care_of=julie)
    requester = new_page(height=1000)
    sign_in(requester, site, "julie", "/envoyer/teleexpertise")
    expert_field = requester.get_by_label("Expert sollicité")
    expert_field.click()
    expert_field.press_sequentially("laurent")
    requester.locator("[data-field=expert] [role=option]", has_text="Sophie LAURENT").click()
    requester.get_by_label("Localisation de la lésion").select_option("Dos")
    patient = requester.get_by_label(re.compile(r"^Patient"))
    patient.click()
    patient.press_sequentially("jeanne dupont")
    requester.locator("[data-field=patient] [role=option]", has_text="Jeanne DUPONT").click()
    # Filled from the patient's INS once the screen has asked the channel for the patient's defaults; typing
    # before that answer lands would race it (Playwright's fill selects an empty field, then the value arrives).
    expect(requester.get_by_label("NIR du patient")).to_have_value(NIR)
    requester.get_by_label("Votre numéro de facturation (AM)").fill(REQUESTER_AM)
    requester.get_by_label("Le patient a donné son consentement à cette téléexpertise").check()
    requester.get_by_label("Objet").fill("Lésion pigmentée du dos")
    requester.get_by_label("Votre question").fill("Lésion apparue il y a 3 mois, asymétrique : exérèse ?")
    requester.screenshot(path=str(artifacts / "teleexpertise_e2e_request.png"), full_page=True)
    requester.get_by_role("button", name="Envoyer").click()
    expect(requester).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(requester.locator("#thread")).to_have_attribute("data-ready", "true")
    thread = requester.url[len(site.url):]
    status = requester.locator("#thread-panels")
    expect(status).to_contain_text("Demandée")

    expert = new_page(height=1000)
    sign_in(expert, site, "sophie", thread)
    expect(expert.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(status).to_contain_text("en cours", ignore_case=True)  # live: the expert opened it
    expert.locator("#composer-body").fill("Aspect de nævus atypique : exérèse conseillée dans le mois.")
    expert.locator("#composer button[type=submit]").click()
    expect(requester.locator("#messages")).to_contain_text("Aspect de nævus atypique")
    expert.get_by_role("button", name="Marquer comme répondue").click()
    expect(status).to_contain_text("Répondue", ignore_case=True)  # live

    expert.locator('[data-panel="teleexpertise_report"]').get_by_role("button", name="Finaliser la téléexpertise").click()
    form = expert.locator("form.te-finalise")
    form.get_by_label("Conclusion de l'expert *").fill("Nævus atypique du dos : exérèse avec histologie.")
    form.get_by_role("button", name="Générer le compte rendu").click()
    expect(requester.locator('[data-panel="teleexpertise_report"]')).to_contain_text("en cours de génération")
    with site.app.app_context():
        site.app.extensions["relais"].jobs.run_pending()
        report = Report.get()
    expect(status).to_contain_text("Finalisée", ignore_case=True)  # live
    expect(requester.locator('[data-panel="teleexpertise_report"]')).to_contain_text("Le compte rendu est finalisé")
    requester.screenshot(path=str(artifacts / "teleexpertise_e2e_finalised.png"), full_page=True)
    banner = requester.locator('[data-panel="teleexpertise_report"]')
    expect(banner.get_by_role("button", name="Ouvrir le compte rendu")).to_be_visible()
    with requester.expect_popup() as opened:
        banner.get_by_role("link", name="v1").click()
    assert opened.value.url.endswith(f"/api/v1/attachments/{report.attachment_id}")
    text = pdf_text(site, report.attachment_id)
    assert "Localisation de la lésion Dos" in text and "Nævus atypique du dos : exérèse avec histologie." in text


def test_a_long_thread_is_shown_whole_before_ticking(make_site, new_page, sign_in):
    """Messages above the first page would be left out unseen: selecting loads them all first."""
    site = make_site(plugins=[("teleexpertise", teleexpertise)])
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        sophie = make_account("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
        case = make_case(julie, sophie.identity, sophie, extra_messages=120)
    expert = new_page()
    sign_in(expert, site, "sophie", f"/echanges/{case.exchange.id}")
    expect(expert.locator("#thread")).to_have_attribute("data-ready", "true")
    expect(expert.locator("#older-messages")).to_be_visible()
    expert.goto(f"{site.url}/echanges/{case.exchange.id}#finaliser")  # the banner's link, typed
    expect(expert.locator("form.te-finalise")).to_be_visible()
    expect(expert.locator(".te-pick-box")).to_have_count(len(case.messages))
    expect(expert.locator(f'li[data-id="{case.question.id}"] .te-pick-box')).to_be_checked()
    expect(expert.locator("form.te-finalise .te-count")).to_contain_text(
        f"{len(case.messages) - 1} message(s) coché(s) sur {len(case.messages)}")


def test_the_billing_page_lists_the_acts_and_downloads_the_csv(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("teleexpertise", teleexpertise)])
    with site.app.app_context():
        julie = make_account("julie", "Julie", "Bernard", profession="Médecin généraliste")
        sophie = make_account("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
        case = make_case(julie, sophie.identity, sophie, status=FINALISEE)
        for act in planned_acts(Request.get_by_id(case.request.id), sophie, EXPERT_AM, paris_today()):
            act.save(force_insert=True)
    page = new_page()
    sign_in(page, site, "sophie", "/teleexpertise/facturation")
    table = page.locator("#billing-acts")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("TE2")
    expect(table.locator("tbody tr")).to_contain_text(EXPERT_AM)
    page.screenshot(path=str(artifacts / "teleexpertise_billing.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (CSV)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode()) and "Téléexpertise (requis)".encode() in data
    assert download.value.suggested_filename.startswith("actes-teleexpertise-")
