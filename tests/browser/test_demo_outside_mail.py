"""``relais demo`` as a visitor tries it: find a cardiologist in Lyon in the generated directory, write to him,
see « remis » (the demo's stand-in operator acknowledges), and the "+" panel under the platform's own name."""
from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cli.test_cli_subprocess import Child

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_url(tmp_path: Path):
    env = {**os.environ, "RELAIS_LOG_LEVEL": "WARNING"}
    env.pop("RELAIS_PLUGINS", None)
    child = Child("demo", "--data-dir", str(tmp_path / "demo"), "--port", "0", "--mail-port", "0", env=env)
    try:
        yield child.wait_for(r"est prêt : (http://127\.0\.0\.1:\d+)/").group(1)
        child.stop(signal.SIGINT)
    finally:
        child.kill()


def test_a_mail_to_a_directory_cardiologist_shows_remis(new_page, demo_url, artifacts) -> None:
    page = new_page()
    page.goto(demo_url + "/envoyer/mssante_mail")
    page.get_by_label("Identifiant").fill("julie.bernard")
    page.get_by_label("Mot de passe").fill("demo1234")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(page.locator(".breadcrumb")).to_have_text("Messagerie sécurisée › Nouvel envoi")

    page.get_by_placeholder("Nom, spécialité, service…").first.fill("cardiologie")
    page.get_by_placeholder("Ville, département, établissement").first.fill("lyon")
    first = page.get_by_role("listbox").get_by_role("option").first
    expect(first).to_contain_text("Cardiologie et maladies vasculaires")
    expect(first).to_contain_text("Lyon")
    # « adresse (Service, Établissement, Ville) »: the address is labelled with its structure.
    address = first.inner_text().split("·")[-1].strip().split(" (")[0]
    assert address.endswith(".annuaire-demo.mssante.fr"), address
    page.keyboard.press("Enter")
    page.get_by_label("Objet").fill("Avis pour Mme Martin")
    page.locator("[contenteditable=true]").first.fill("Bonjour, pourriez-vous voir Mme Martin ?")
    page.get_by_role("button", name="Envoyer").click()

    expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(page.get_by_text(f"{address} remis")).to_be_visible(timeout=20_000)
    # The exchange names the tab, after the count of unread messages the demo's inbox holds (unread.js).
    expect(page).to_have_title(re.compile(r"^(\(\d+\+?\) )?Avis pour Mme Martin · Relais Santé$"))
    page.screenshot(path=str(artifacts / "demo-mail-remis.png"))

    page.locator("summary", has_text="Nouveau").click()
    expect(page.locator(".send-group-title")).to_have_text(["Relais Santé", "MSSanté", "Mon Espace Santé"])
