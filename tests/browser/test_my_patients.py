"""« Mes patients » in Chromium: from the top bar, find a patient (accents aside), open them, see their
exchanges of two channels with their unread counts, open one."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from support.chat_channel import ChatChannel
from support.factories import bearer, make_account, make_patient

pytestmark = pytest.mark.browser
PLUGINS = [("conversation", conversation), ("test_chat", ChatChannel())]


def test_find_a_patient_open_them_and_one_of_their_exchanges(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=PLUGINS)
    with site.app.app_context():
        alice, bob = make_account("alice", "Alice", "Martin"), make_account("bob", "Bob", "Durand")
        helene = make_patient("Hélène Marie", "LEFÈVRE", "F", birth_date=dt.date(1948, 3, 2), ins=None,
                              in_care_of=alice)
        make_patient("Jean", "DUPONT", "M", birth_date=dt.date(1950, 1, 1), ins=None, in_care_of=alice)
        headers = bearer(alice)
    client = site.app.test_client()
    ids = {}
    for channel, subject, patient_id in (("conversation", "Plaie du talon", helene.id),
                                         ("test_mail", "Compte rendu de consultation", helene.id),
                                         ("conversation", "Astreinte du week-end", None)):
        r = client.post(f"/api/v1/channels/{channel}/exchanges", headers=headers, json={
            "acting_as": alice.identity_id, "members": [bob.identity_id], "patient": patient_id, "subject": subject,
            "body": "Bonjour"})
        assert r.status_code == 201, r.json
        ids[subject] = r.json["exchange"]["id"]

    page = new_page()
    sign_in(page, site, "alice", "/")
    page.locator(".topbar-links").get_by_role("link", name="Mes patients").click()
    expect(page).to_have_url(f"{site.url}/patients")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes patients")
    rows = page.locator("#patients-list .patient-row")
    expect(page.locator("#patients-list-title")).to_have_text("Vos patients, les plus récents d'abord")
    # Hélène, whom Alice wrote about, then Jean, in her care though she never chose him.
    expect(rows.locator(".patient-row-name")).to_have_text(["Hélène LEFÈVRE (née LEFÈVRE) née le 02/03/1948",
                                                            "Jean DUPONT (né DUPONT) né le 01/01/1950"])
    expect(rows.locator(".patient-row-used")).to_have_text([re.compile(r"^utilisé (à l'instant|il y a \d+ min)$")])
    expect(rows.locator(".patient-row-count")).to_have_text(["2 échanges", "aucun échange"])
    expect(rows.locator(".badge")).to_have_count(0)  # Alice wrote both: nothing unread for her

    search = page.get_by_label("Rechercher un patient")
    search.fill("dupont")
    expect(page.locator("#patients-list-title")).to_have_text("Résultats de la recherche")
    expect(rows.locator(".patient-row-name")).to_have_text(["Jean DUPONT (né DUPONT) né le 01/01/1950"])
    search.fill("helene lefevre 02/03/1948")  # no accents, a birth date: the same patient
    expect(rows.locator(".patient-row-name")).to_have_text(["Hélène LEFÈVRE (née LEFÈVRE) née le 02/03/1948"])
    expect(rows.locator(".patient-row-detail")).to_have_text("INS non renseigné")
    search.fill("personne")
    expect(page.locator("#patients-empty")).to_have_text("Aucun patient suivi ne correspond à cette recherche.")
    search.fill("lefevre")
    expect(rows).to_have_count(1)
    page.screenshot(path=artifacts / "mes-patients-01-recherche.png")

    rows.get_by_role("link").click()
    expect(page).to_have_url(f"{site.url}/patients/{helene.id}")
    exchanges = page.locator("#patient-exchange-list .exchange")
    expect(exchanges.locator(".exchange-subject")).to_have_text(["Compte rendu de consultation", "Plaie du talon"])
    expect(exchanges.locator(".exchange-channel")).to_have_text(["Mail sécurisé", "Conversation"])
    page.screenshot(path=artifacts / "mes-patients-02-patient.png")
    # Writing about her from her page: the send screen opens with her chosen.
    write = page.get_by_role("list", name="Écrire au sujet de ce patient")
    # Every channel of the « + » panel (here the test chat is a « Démarrer une conversation » too).
    expect(write.get_by_role("link")).to_have_text(["Démarrer une conversation", "Démarrer une conversation",
                                                    "Rédiger un mail sécurisé"])
    write.locator("a[data-channel=conversation]").click()
    expect(page).to_have_url(f"{site.url}/envoyer/conversation?patient={helene.id}")
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-field=patient] .chip-label")).to_have_text(
        "Hélène LEFÈVRE (née LEFÈVRE) née le 02/03/1948")
    page.go_back()
    page.locator(".breadcrumb").get_by_role("link", name="Mes patients").click()
    expect(page).to_have_url(f"{site.url}/patients")
    page.go_back()

    # Bob has read neither: each row says so; opening one reads it.
    page = new_page()
    sign_in(page, site, "bob", f"/patients/{helene.id}")
    exchanges = page.locator("#patient-exchange-list .exchange")
    expect(exchanges.locator(".badge")).to_have_text(["1", "1"])
    page.goto(f"{site.url}/patients")  # the list says it too: two unread messages about Hélène
    expect(page.locator("#patients-list .patient-row .badge")).to_have_text("2")
    expect(page.locator("#patients-list .patient-row .badge")).to_have_attribute("aria-label", "2 non lus")
    page.go_back()
    page.screenshot(path=artifacts / "mes-patients-03-non-lus.png")
    exchanges.locator(".exchange-subject", has_text="Plaie du talon").click()
    expect(page).to_have_url(f"{site.url}/echanges/{ids['Plaie du talon']}")
    expect(page.get_by_text("Bonjour")).to_be_visible()

    # Alice's list follows Bob's answer live: one unread message about Hélène.
    alice_page = new_page()
    sign_in(alice_page, site, "alice", "/patients")
    first = alice_page.locator("#patients-list .patient-row").first
    expect(first.locator(".patient-row-count")).to_have_text("2 échanges")
    expect(first.locator(".badge")).to_have_count(0)
    expect(page.locator("#thread")).to_have_attribute("data-ready", "true")
    page.get_by_label("Votre message").fill("Je passe la voir demain.")
    page.get_by_label("Votre message").press("Control+Enter")
    expect(first.locator(".badge")).to_have_text("1")
    alice_page.screenshot(path=artifacts / "mes-patients-04-en-direct.png")


def test_each_channel_is_named_by_what_it_makes(site, new_page, sign_in):
    """The tag in front of an exchange on a patient's page: a noun a doctor reads, not a verb's remains
    (« Des documents », « À un patient » were shown for the documents and Mon Espace Santé channels)."""
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    page = new_page()
    sign_in(page, site, "alice", "/patients")
    labels = ["Démarrer une conversation", "Démarrer une téléexpertise", "Envoyer des documents",
              "Rédiger un mail sécurisé", "Écrire à un patient", "Télécopie"]
    nouns = page.evaluate("""async (labels) => {
        const base = document.querySelector('script[src*="/js/shell.js"]').src.replace(/shell\\.js$/, "");
        const { channelNoun } = await import(base + "exchange_row.js");
        return labels.map(channelNoun);
    }""", labels)
    assert nouns == ["Conversation", "Téléexpertise", "Documents", "Mail sécurisé", "Message à un patient",
                     "Télécopie"]
