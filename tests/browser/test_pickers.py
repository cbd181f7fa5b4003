"""The directory picker against the directory API's contract (stubbed answers, so every case is at hand):
groups and pages, keyboard across groups, several MSSanté addresses for one person, the CONV-2 hint."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from plugins.conversation import hooks as conversation
from support.chat_channel import MssanteScreen
from support.factories import make_account

pytestmark = pytest.mark.browser


def entry(n, name, kind="person", identity_id=None, addresses=(), has_account=True, **more):
    return {"id": f"pp:8100000000{n}", "kind": kind, "display_name": name, "profession": more.get("profession", ""),
            "specialty": more.get("specialty", ""), "organisation": more.get("organisation", ""),
            "city": more.get("city", ""), "postcode": more.get("postcode", ""), "department": "", "rpps": "",
            "identity_id": identity_id, "has_account": has_account,
            "addresses": [{"address": a, "type": t, "label": label} for a, t, label in addresses]}


PROFESSIONALS = [entry(n, f"{first} MAR{last}", identity_id=100 + n, profession="Médecin",
                       specialty="Cardiologie", city="Annecy", postcode="74000")
                 for n, (first, last) in enumerate([("Anne", "TIN"), ("Bruno", "CEL"), ("Chloé", "TEAU"), ("David", "CHAND"),
                                                    ("Emma", "QUET"), ("Félix", "TINEZ"), ("Gaëlle", "ION"), ("Hugo", "LIN")])]
SERVICES = [entry(20, "Service de cardiologie MARignier", kind="service", identity_id=120, organisation="CH Annecy Genevois"),
            entry(21, "Coordination MARguerite", kind="service", identity_id=121, organisation="REPAP")]


class Directory:
    """Answers GET /api/v1/directory like the real API: groups, ``group``/``offset`` pages, ``more``."""

    def __init__(self, professionals, services, by_kind=None):
        self.groups = {"professionals": professionals, "services": services}
        self.by_kind = by_kind or {}
        self.asked: list[dict[str, str]] = []

    def __call__(self, route):
        args = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        self.asked.append(args)
        groups = self.by_kind.get(args.get("kind"), self.groups)
        limit, offset = int(args.get("limit", 10)), int(args.get("offset", 0))
        wanted = [args["group"]] if "group" in args else ["professionals", "services"]
        q = args.get("q", "").lower()
        body = {"professionals": [], "services": [], "more": {"professionals": False, "services": False}}
        for name in wanted:
            found = [e for e in groups.get(name, []) if q in e["display_name"].lower()]
            body[name] = found[offset:offset + limit]
            body["more"][name] = len(found) > offset + limit
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def capture_send(page, channel):
    """Stop the send at the network and keep its JSON; the page gets a refusal at the field."""
    sent = []

    def refuse(route):
        sent.append(route.request.post_data_json)
        route.fulfill(status=422, content_type="application/json",
                      body=json.dumps({"errors": {"subject": ["Ce champ est obligatoire."]}}))
    page.route(f"**/api/v1/channels/{channel}/exchanges", refuse)
    return sent


def test_groups_pages_and_keyboard_across_groups(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("conversation", conversation)])
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page(service_workers="block")
    directory = Directory(PROFESSIONALS, SERVICES)
    page.route(re.compile(r"/api/v1/directory\?"), directory)
    sent = capture_send(page, "conversation")
    sign_in(page, site, "alice", "/envoyer/conversation")

    field = page.locator("[data-field=members]")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("mar")
    pros, services = field.locator("[data-group=professionals]"), field.locator("[data-group=services]")
    expect(pros.locator(".picker-option:not(.picker-more)")).to_have_count(5)
    expect(pros.locator(".picker-option").first).to_contain_text("Médecin · Cardiologie · Annecy (74000)")
    expect(services.locator(".picker-group-label")).to_have_text("SERVICES")
    expect(services.locator(".picker-option")).to_have_text([re.compile("Service de cardiologie MARignier"),
                                                             re.compile("Coordination MARguerite")])
    active = field.locator(".picker-option.active")
    expect(active).to_contain_text("Anne MARTIN")
    for _ in range(5):
        members.press("ArrowDown")
    expect(active).to_have_text("Voir plus de résultats")
    members.press("ArrowDown")  # from the last professional's page into SERVICES
    expect(active).to_contain_text("Service de cardiologie")
    page.screenshot(path=artifacts / "picker-01-groupes.png")
    members.press("ArrowUp")
    members.press("Enter")  # "Voir plus de résultats": the next professionals only
    expect(pros.locator(".picker-option")).to_have_count(8)
    expect(pros.locator(".picker-more")).to_have_count(0)
    assert directory.asked[-1] == {"q": "mar", "limit": "10", "kind": "account", "group": "professionals", "offset": "5"}
    expect(active).to_contain_text("Félix MARTINEZ")
    members.press("Enter")
    members.press_sequentially("cardio")
    field.locator(".picker-option", has_text="Service de cardiologie").click()
    where = field.get_by_label("Ville, département, établissement")
    where.fill("Annecy")
    members.press_sequentially("mar")
    expect(field.locator(".picker-option").first).to_contain_text("Anne MARTIN")
    assert directory.asked[-1]["where"] == "Annecy"
    members.press("Escape")
    expect(field.locator(".chip-label")).to_have_text(["Félix MARTINEZ", "Service de cardiologie MARignier"])
    page.get_by_role("button", name="Envoyer").click()  # "mar" typed, not picked: not silently left out
    expect(field.locator(".field-error")).to_contain_text("« mar » n'a pas été choisi")
    assert sent == []
    members.fill("")  # the city stays: a filter, not a name
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("[data-field=subject] .field-error")).to_have_text("Ce champ est obligatoire.")
    assert sent[-1]["members"] == [105, 120]
    assert "existing" not in sent[-1]  # a display-only field is never sent


def test_several_addresses_of_one_professional_each_become_a_chip(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("document", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    dupont = entry(1, "Jean DUPONT", profession="Médecin", has_account=False, addresses=[
        ("jean.dupont@medecin.mssante.fr", "PER", ""), ("secretariat@cabinet-du-lac.mssante.fr", "CAB", "Cabinet du Lac")])
    dupre = entry(2, "Anne DUPRÉ", profession="Infirmière", identity_id=7,
                  addresses=[("anne.dupre@infirmier.mssante.fr", "PER", "")])
    page = new_page(service_workers="block")
    page.route(re.compile(r"/api/v1/directory\?"), Directory([dupont, dupre], []))
    sent = capture_send(page, "test_document")
    sign_in(page, site, "alice", "/envoyer/test_document")
    field = page.locator("[data-field=recipients]")
    recipients = page.get_by_label("Destinataires")
    recipients.click()
    recipients.press_sequentially("dup")
    parent = field.locator(".picker-parent")
    expect(parent).to_contain_text("2 adresses : choisir…")
    expect(field.locator(".picker-option", has_text="Anne DUPRÉ")).to_contain_text("anne.dupre@infirmier.mssante.fr")
    expect(field.locator(".picker-option", has_text="Anne DUPRÉ").locator(".picker-badge")).to_have_text(
        "Inscrit sur la plateforme")
    recipients.press("Enter")  # unfolds Jean DUPONT's addresses, the first one active
    children = field.locator(".picker-child")
    expect(children).to_have_count(2)
    expect(children.nth(1)).to_contain_text("Adresse du cabinet · Cabinet du Lac")
    recipients.press("Enter")
    recipients.press("ArrowDown")
    recipients.press("Enter")  # both addresses, the list still open
    expect(children.filter(has=page.locator(".picker-check", has_text="✓"))).to_have_count(2)
    page.screenshot(path=artifacts / "picker-02-adresses.png")
    recipients.press("Escape")
    recipients.fill("dupr")
    recipients.press("Enter")
    expect(field.locator(".chip-label")).to_have_text([
        "Jean DUPONT <jean.dupont@medecin.mssante.fr>", "Jean DUPONT <secretariat@cabinet-du-lac.mssante.fr>",
        "Anne DUPRÉ <anne.dupre@infirmier.mssante.fr>"])
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("[data-field=subject] .field-error")).to_be_visible()
    assert sent[-1]["recipients"] == ["jean.dupont@medecin.mssante.fr", "secretariat@cabinet-du-lac.mssante.fr",
                                      "anne.dupre@infirmier.mssante.fr"]


def test_the_search_that_found_a_chosen_address_does_not_stop_the_send(make_site, new_page, sign_in):
    """One of a person's addresses chosen with the mouse, then « Envoyer » at once: « dup », the text that
    found them, has served (it said « « dup » n'est pas un destinataire » in the demo); a name typed after
    a choice still stops the send."""
    site = make_site(plugins=[("document", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    dupont = entry(1, "Jean DUPONT", profession="Médecin", has_account=False, addresses=[
        ("jean.dupont@medecin.mssante.fr", "PER", ""), ("secretariat@cabinet-du-lac.mssante.fr", "CAB", "Cabinet du Lac")])
    page = new_page(service_workers="block")
    page.route(re.compile(r"/api/v1/directory\?"), Directory([dupont], []))
    sent = capture_send(page, "test_document")
    sign_in(page, site, "alice", "/envoyer/test_document")
    field = page.locator("[data-field=recipients]")
    recipients = page.get_by_label("Destinataires")
    recipients.click()
    recipients.press_sequentially("dup")
    field.locator(".picker-parent").click()
    field.locator(".picker-child", has_text="secretariat@cabinet-du-lac.mssante.fr").click()
    expect(recipients).to_have_value("dup")  # the list stays open for another of his addresses
    page.get_by_label("Objet").fill("Courrier")
    expect(recipients).to_have_value("")  # the list closed: the search has served
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("[data-field=subject] .field-error")).to_be_visible()  # the (stubbed) server's answer
    expect(field.locator(".field-error")).to_be_hidden()
    assert sent[-1]["recipients"] == ["secretariat@cabinet-du-lac.mssante.fr"]
    recipients.press_sequentially("martin")
    recipients.press("Escape")
    page.get_by_role("button", name="Envoyer").click()
    expect(field.locator(".field-error")).to_contain_text("« martin » n'est pas un destinataire")
    assert len(sent) == 1


def test_nobody_with_an_account_offers_a_secure_mail_or_an_invitation(make_site, new_page, sign_in, artifacts):
    site = make_site(plugins=[("conversation", conversation),
                              ("mail", MssanteScreen("test_mail", "Rédiger un mail sécurisé", receives_mail=True))])
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    leroy = entry(3, "Paul LEROY", profession="Kinésithérapeute", has_account=False,
                  addresses=[("paul.leroy@kine.mssante.fr", "PER", "")])
    page = new_page(service_workers="block")
    directory = Directory([], [], by_kind={"mssante": {"professionals": [leroy], "services": []}})
    page.route(re.compile(r"/api/v1/directory\?"), directory)
    sign_in(page, site, "alice", "/envoyer/conversation")
    members = page.get_by_label("Participants")
    members.click()
    members.press_sequentially("leroy")
    hint = page.locator("[data-field=members] .picker-hint")
    expect(hint.locator(".picker-hint-title")).to_have_text(
        "Aucun professionnel inscrit sur la plateforme ne correspond à « leroy ».")
    expect(hint).to_contain_text("Paul LEROY · Kinésithérapeute")
    expect(hint).to_contain_text("Ce professionnel n'est pas inscrit sur la plateforme. "
                                 "Vous pouvez lui écrire un mail sécurisé.")
    expect(hint.get_by_role("link", name="Rédiger un mail sécurisé")).to_have_attribute(
        "href", "/envoyer/test_mail?destinataire=paul.leroy%40kine.mssante.fr&nom=Paul+LEROY")
    invite = hint.get_by_role("link", name="Inviter sur la plateforme")
    expect(invite).to_have_attribute("href", re.compile(r"^mailto:paul\.leroy%40kine\.mssante\.fr\?subject=Invitation"))
    assert [a.get("kind") for a in directory.asked[-2:]] == ["account", "mssante"]
    page.screenshot(path=artifacts / "picker-03-pas-de-compte.png")

    members.fill("")
    members.press_sequentially("zzz")
    expect(hint.locator(".picker-hint-title")).to_have_text(
        "Aucun professionnel inscrit sur la plateforme ne correspond à « zzz ».")
    expect(hint).to_contain_text("S'il n'est pas encore inscrit, invitez-le")
    expect(hint.get_by_role("link", name="Inviter sur la plateforme")).to_have_attribute("href", re.compile("^mailto:\\?subject="))


def test_the_real_directory_lists_each_address_of_a_professional(make_site, new_page, sign_in, national_directory):
    """The same flow against the directory imported from the national extraction (no stub)."""
    site = make_site(plugins=[("document", MssanteScreen("test_document", "Envoyer un document"))])
    with site.app.app_context():
        make_account("alice", "Alice", "Martin")
    annecy = ("Annecy", "74000", "74")
    row = national_directory.row
    national_directory(site, [
        row("jean.dupont@medecin.mssante.fr", "10000000007", "Jean", "Dupont", ("10", "Médecin"), "CABINET MEDICAL DUPONT", annecy),
        row("anne.dupre@infirmier.mssante.fr", "10000000008", "Anne", "Dupré", ("60", "Infirmier"), "CABINET DE SOINS DUPRE", annecy),
        row("jean.dupont@ch-annecy.mssante.fr", "10000000007", "Jean", "Dupont", ("10", "Médecin"), "CH ANNECY GENEVOIS", annecy),
    ])
    page = new_page(service_workers="block")
    sign_in(page, site, "alice", "/envoyer/test_document")
    field = page.locator("[data-field=recipients]")
    recipients = page.get_by_label("Destinataires")
    recipients.click()
    recipients.press_sequentially("dupont")
    parent = field.locator(".picker-parent")
    expect(parent).to_have_count(1)
    expect(parent).to_contain_text("Jean DUPONT")
    parent.click()
    field.locator(".picker-child", has_text="jean.dupont@ch-annecy.mssante.fr").click()
    recipients.press("Escape")
    expect(field.locator(".chip-label")).to_have_text(["Jean DUPONT <jean.dupont@ch-annecy.mssante.fr>"])
