"""Keyboard shortcuts (issue 15, item 10), in a real Chromium: « ? » opens the « Raccourcis clavier » panel (a
modal dialog: the focus stays in it, Échap closes it and the focus goes back), n opens the send panel, / the
search, g i and g p go to the inbox and « Mes patients »; none fires while the user types in a field."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.factories import make_account

pytestmark = pytest.mark.browser


@pytest.fixture
def alice_site(site):
    with site.app.app_context():
        make_account("alice", "Alice", "Martin", profession="Médecin généraliste")
    return site


def in_dialog(page) -> bool:
    return page.evaluate("document.activeElement.closest('dialog') !== null")


def test_the_help_panel_lists_the_shortcuts_keeps_the_focus_and_gives_it_back(alice_site, new_page, sign_in,
                                                                             artifacts):
    page = new_page()
    sign_in(page, alice_site, "alice")
    expect(page.locator("#inbox")).to_have_attribute("aria-busy", "false")
    patients_link = page.get_by_role("link", name="Mes patients")
    patients_link.focus()
    page.keyboard.press("?")
    help_panel = page.get_by_role("dialog", name="Raccourcis clavier")
    expect(help_panel).to_be_visible()
    for key in ("n", "/", "g", "i", "p", "Ctrl", "Entrée", "Échap", "?"):
        expect(help_panel.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$")).first).to_be_visible()
    expect(help_panel).to_contain_text("Aller à « Mes patients »")
    page.screenshot(path=artifacts / "shortcuts-help.png")
    assert in_dialog(page)
    for _ in range(4):  # the page behind is inert: Tab stays in the panel
        page.keyboard.press("Tab")
        assert in_dialog(page) or page.evaluate("document.activeElement === document.body")
    page.get_by_role("button", name="Fermer").focus()
    page.keyboard.press("Escape")
    expect(help_panel).to_be_hidden()
    expect(patients_link).to_be_focused()

    page.keyboard.press("?")  # « ? » opens and closes
    expect(help_panel).to_be_visible()
    page.keyboard.press("?")
    expect(help_panel).to_be_hidden()
    expect(patients_link).to_be_focused()


def test_n_opens_the_send_panel_and_g_p_g_i_go_to_the_pages(alice_site, new_page, sign_in):
    page = new_page()
    sign_in(page, alice_site, "alice")
    expect(page.locator("#inbox")).to_have_attribute("aria-busy", "false")
    page.keyboard.press("n")
    expect(page.locator("details.send-panel")).to_have_attribute("open", "")
    expect(page.locator(".send-panel-menu a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("details.send-panel")).not_to_have_attribute("open", "")

    page.keyboard.press("g")
    page.keyboard.press("p")
    expect(page).to_have_url(f"{alice_site.url}/patients")
    page.keyboard.press("/")
    expect(page.locator("#patients-q")).to_be_focused()
    page.locator("#patients-q").blur()
    page.keyboard.press("g")
    page.keyboard.press("i")
    expect(page).to_have_url(f"{alice_site.url}/")


def test_no_shortcut_fires_while_typing(alice_site, new_page, sign_in):
    page = new_page()
    sign_in(page, alice_site, "alice", "/patients")
    search = page.locator("#patients-q")
    search.click()
    page.keyboard.type("n?g p/")
    expect(search).to_have_value("n?g p/")
    expect(page.get_by_role("dialog", name="Raccourcis clavier")).to_have_count(0)
    expect(page.locator("details.send-panel")).not_to_have_attribute("open", "")
    assert page.url == f"{alice_site.url}/patients"

    sign_in_compose = f"{alice_site.url}/envoyer/test_chat"
    page.goto(sign_in_compose)
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")
    message = page.get_by_label("Message")
    message.fill("")
    message.press_sequentially("g i ? n")
    expect(message).to_have_value("g i ? n")
    assert page.url == sign_in_compose


def test_one_letter_shortcuts_can_be_turned_off_and_back_on(alice_site, new_page, sign_in):
    # WCAG 2.1.4: speech input types letters as words, so one-letter shortcuts must be able to be turned off.
    page = new_page()
    sign_in(page, alice_site, "alice")
    expect(page.locator("#inbox")).to_have_attribute("aria-busy", "false")
    page.keyboard.press("?")
    help_panel = page.get_by_role("dialog", name="Raccourcis clavier")
    toggle = help_panel.get_by_label(re.compile("Raccourcis d’une lettre activés"))
    expect(toggle).to_be_checked()
    toggle.uncheck()
    page.keyboard.press("Escape")
    expect(help_panel).to_be_hidden()
    page.keyboard.press("n")
    expect(page.locator("details.send-panel")).not_to_have_attribute("open", "")

    page.reload()  # the choice is kept
    expect(page.locator("#inbox")).to_have_attribute("aria-busy", "false")
    page.keyboard.press("g")
    page.keyboard.press("p")
    page.wait_for_timeout(300)  # a shortcut would navigate at once; nothing must happen
    assert page.url == f"{alice_site.url}/"
    page.keyboard.press("?")  # the help still opens, to turn them back on
    expect(toggle).not_to_be_checked()
    toggle.check()
    assert page.evaluate("localStorage.getItem('relais.shortcuts.off')") is None  # on again, for the next pages
