"""Every send screen and the thread with the keyboard alone (#15 item 10): Tab to each field, type, pick in the
pickers with the arrows and Enter, Escape to close a list, Space to tick, Enter on the file button to attach,
Ctrl+Enter or Enter on « Envoyer » to send. No click and no ``fill``: what a mouse-less user cannot reach fails.

Each control the Tab key stops on must show that it has the focus (an outline or a ring); ``tab_to`` checks it
on the way. The demo is seeded once for the module (tests/support/demo_site.py), one browser context per user.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from support.demo_site import DemoSite, demo, visitors  # noqa: F401 (demo, visitors: fixtures)

pytestmark = pytest.mark.browser

SHOTS = "keyboard"

# The focused element, and whether something shows it: its own outline or ring, or that of the box around it
# (a picker's input sits in a box that lights up; a rich editor's area too).
FOCUS = """() => {
  const el = document.activeElement;
  // Past the last control, Tab leaves the page for the browser's own bar, then comes back to the first one.
  if (!el || el === document.body) return {where: "(the browser's bar)", shown: true};
  const shows = (node) => {
    const s = getComputedStyle(node);
    return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  };
  // A date field's calendar button is inside the field, drawn by the browser with its own focus ring.
  if (el.matches("input[type=date]") && !el.matches(":focus")) return {where: `calendar of #${el.id}`, shown: true};
  let shown = shows(el);
  for (let node = el.parentElement; !shown && node && node !== document.body; node = node.parentElement) {
    if (node.matches(":focus-within") && node.matches(".picker-box, .rich-editor, .exchange, .chip"))
      shown = shows(node);
  }
  const name = el.getAttribute("aria-label") || el.id || (el.textContent || "").trim().slice(0, 40);
  return {where: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} « ${name} »`, shown};
}"""


CHOOSERS: dict[int, list[Any]] = {}


@pytest.fixture
def julie(visitors, demo) -> Iterator[Any]:
    page = visitors.page("julie.bernard")
    # File choosers are taken from the page's opening: a listener added just before the key press may not be
    # in place in the browser yet when the chooser opens.
    choosers = CHOOSERS[id(page)] = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    yield page
    CHOOSERS.pop(id(page), None)
    page.close()


def tab_to(page: Any, selector: str, *, limit: int = 40, back: bool = False) -> None:
    """Press Tab (Shift+Tab with ``back``) until the element matching ``selector`` has the focus; every stop
    on the way must show its focus."""
    path = []
    if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
        return  # already there (a send screen puts the focus in its first field)
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focus = page.evaluate(FOCUS)
        path.append(focus["where"])
        assert focus["shown"], f"the focus on {focus['where']} is not visible (path: {path})"
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; it went through {path}")


def pick(page: Any, text: str, option: str) -> None:
    """In the focused picker: type, wait for the list, go down to the option with the arrows, Enter."""
    page.keyboard.type(text)
    listbox = page.locator(".picker-results:visible")
    expect(listbox.get_by_role("option", name=re.compile(option)).first).to_be_visible()
    for _ in range(12):
        page.keyboard.press("ArrowDown")
        active = page.evaluate("() => document.getElementById("
                               "document.activeElement.getAttribute('aria-activedescendant'))?.textContent || ''")
        if re.search(option, active):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"the arrows never reached « {option} » in the list")


def open_compose(page: Any, demo: DemoSite, channel: str) -> None:
    page.goto(demo.url + f"/envoyer/{channel}")
    expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")


def sent(page: Any, subject: str) -> None:
    expect(page).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(page.locator("#thread-subject")).to_have_text(re.compile(re.escape(subject)))


def test_a_conversation_is_started_with_the_keyboard(julie, demo, artifacts) -> None:
    open_compose(julie, demo, "conversation")
    tab_to(julie, "#champ-members")
    pick(julie, "durand", "Thomas DURAND")
    expect(julie.locator("[data-field=members] .chip")).to_contain_text(["Thomas DURAND"])
    # Escape closes a list left open, and the focus stays in the field.
    julie.keyboard.type("pet")
    expect(julie.locator(".picker-results:visible")).to_have_count(1)
    julie.keyboard.press("Escape")
    expect(julie.locator(".picker-results:visible")).to_have_count(0)
    julie.keyboard.press("Backspace")
    julie.keyboard.press("Backspace")
    julie.keyboard.press("Backspace")
    tab_to(julie, "#champ-patient")
    pick(julie, "robert", "ROBERT")
    tab_to(julie, "#champ-subject")
    julie.keyboard.press("Control+A")
    julie.keyboard.type("Clavier seul")
    tab_to(julie, "#champ-body")
    julie.keyboard.type("Écrit sans souris.")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-conversation.png"))
    julie.keyboard.press("Control+Enter")
    sent(julie, "Clavier seul")


def test_the_thread_with_the_keyboard(julie, demo, artifacts, tmp_path, picture) -> None:
    exchange_id = next(i for i in demo.arguments["exchange_id"]
                       if _channel(demo, i) == "conversation")
    julie.goto(demo.url + f"/echanges/{exchange_id}")
    expect(julie.locator("#messages > li.msg").first).to_be_visible()
    tab_to(julie, "#composer-body")
    julie.keyboard.type("Réponse au clavier")
    # The file button is reached by Tab and opened with Enter: the file chooser comes.
    photo = tmp_path / "plaie.png"
    photo.write_bytes(picture())
    attach(julie, ".composer .btn-attach", photo)
    expect(julie.locator(".composer .attachment-list li")).to_contain_text("plaie.png")
    tab_to(julie, "#composer button[type=submit]", back=True)
    julie.keyboard.press("Enter")
    expect(julie.locator("#messages .msg").last).to_contain_text("Réponse au clavier")
    expect(julie.locator("#messages .msg").last).to_contain_text("plaie.png")
    # An attachment's menu « Envoyer vers mon logiciel » opens from the keyboard, Escape closes it and gives
    # the focus back to its button.
    opener = ".msg:last-child .transfer-open"
    tab_to(julie, opener, back=True)
    julie.keyboard.press("Enter")
    menu = julie.get_by_role("region", name="Envoyer vers mon logiciel")
    expect(menu).to_be_visible()
    expect(menu.locator(".transfer-body")).not_to_contain_text("Recherche")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-thread-transfer-menu.png"))
    julie.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert julie.evaluate("(s) => document.activeElement.matches(s)", opener)
    # « Qui a ouvert » likewise.
    tab_to(julie, ".btn-opened", back=True, limit=80)
    julie.keyboard.press("Enter")
    expect(julie.locator(".btn-opened")).to_have_attribute("aria-expanded", "true")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-thread-opened.png"))
    julie.keyboard.press("Escape")
    expect(julie.locator(".btn-opened")).to_have_attribute("aria-expanded", "false")
    assert julie.evaluate("() => document.activeElement.matches('.btn-opened')")


def _channel(demo: DemoSite, exchange_id: int) -> str:
    from kernel.models import Exchange

    with demo.app.app_context():
        return Exchange.get_by_id(exchange_id).channel


def _pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attach(page: Any, button: str, path: Any) -> None:
    """Tab to the file button, Enter: the file chooser opens (the test answers it as the person would)."""
    tab_to(page, button)
    choosers = CHOOSERS[id(page)]
    choosers.clear()
    page.keyboard.press("Enter")
    for _ in range(50):
        if choosers:
            break
        page.wait_for_timeout(100)
    assert choosers, f"Enter on {button} opened no file chooser"
    choosers.pop().set_files(str(path))


def test_a_secure_mail_from_the_plus_panel(julie, demo, artifacts) -> None:
    julie.goto(demo.url + "/")
    summary = "details.send-panel > summary"
    tab_to(julie, summary)
    julie.keyboard.press("Enter")
    expect(julie.locator(".send-panel-menu")).to_be_visible()
    julie.screenshot(path=str(artifacts / f"{SHOTS}-plus-panel.png"))
    # Escape closes the panel, the focus back on « Nouveau »; Enter opens it again on its first channel.
    julie.keyboard.press("Escape")
    expect(julie.locator(".send-panel-menu")).to_be_hidden()
    assert julie.evaluate("(s) => document.activeElement.matches(s)", summary)
    julie.keyboard.press("Enter")
    tab_to(julie, ".send-panel-menu a[data-channel=mssante_mail]")
    julie.keyboard.press("Enter")
    expect(julie).to_have_url(demo.url + "/envoyer/mssante_mail")
    expect(julie.locator("#compose-form")).to_have_attribute("data-ready", "true")
    tab_to(julie, "#champ-recipients")
    pick(julie, "petit", "Marc PETIT")
    tab_to(julie, "#champ-subject")
    julie.keyboard.type("Courrier au clavier")
    tab_to(julie, "[data-field=body] [contenteditable=true]")
    julie.keyboard.type("Bonjour, suite à notre échange.")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-mail.png"))
    tab_to(julie, "#send-button")
    julie.keyboard.press("Space")
    sent(julie, "Courrier au clavier")


def test_documents_are_sent_with_the_keyboard(julie, demo, artifacts, tmp_path) -> None:
    open_compose(julie, demo, "documents")
    tab_to(julie, "#champ-recipients")
    pick(julie, "petit", "Marc PETIT")
    tab_to(julie, "#champ-patient")
    pick(julie, "dupont", "Marie")
    report = tmp_path / "CR consultation.pdf"
    report.write_bytes(_pdf())
    attach(julie, "[data-field=attachments] .btn-attach", report)
    expect(julie.locator("[data-field=attachments] .attachment-item[data-id]")).to_have_count(1)
    expect(julie.locator(".dynamic-fieldset .select-search")).to_be_visible()
    # The document's type: searched by typing, the list narrowed to one type chosen.
    tab_to(julie, ".dynamic-fieldset .select-search")
    julie.keyboard.type("11488")
    expect(julie.locator(".select-search-count")).to_have_text("1 type trouvé")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-documents.png"), full_page=True)
    julie.keyboard.press("Control+Enter")
    sent(julie, "Compte rendu de consultation")


def test_a_teleexpertise_request_with_the_keyboard(julie, demo, artifacts) -> None:
    open_compose(julie, demo, "teleexpertise")
    tab_to(julie, "#champ-expert")
    pick(julie, "laurent", "Sophie LAURENT")
    questions = "[data-field=answers]"
    expect(julie.locator(f"{questions} fieldset legend")).to_contain_text("Sophie LAURENT")
    tab_to(julie, "[id='champ-answers.localisation']")
    julie.keyboard.type("Dos")
    tab_to(julie, "[id='champ-answers.taille']")
    julie.keyboard.type("7")
    tab_to(julie, "[id='champ-answers.evolution']")
    julie.keyboard.press("ArrowDown")  # a closed list takes the arrows: « Oui »
    expect(julie.locator("[id='champ-answers.evolution'] option:checked")).to_have_text("Oui")
    tab_to(julie, "#champ-patient")
    pick(julie, "dupont", "Marie")
    expect(julie.locator("#champ-nir")).not_to_have_value("")
    tab_to(julie, "#champ-billing_number")
    julie.keyboard.press("Control+A")
    julie.keyboard.type("741123456")
    tab_to(julie, "#champ-consent")
    julie.keyboard.press("Space")
    expect(julie.locator("#champ-consent")).to_be_checked()
    tab_to(julie, "#champ-body")
    julie.keyboard.type("Lésion pigmentée : votre avis ?")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-teleexpertise.png"), full_page=True)
    tab_to(julie, "#send-button")
    julie.keyboard.press("Enter")
    expect(julie).to_have_url(re.compile(r"/echanges/\d+$"))
    expect(julie.locator("[data-panel=teleexpertise_status]")).to_contain_text("Téléexpertise demandée")


def test_a_message_to_a_patient_with_the_keyboard(julie, demo, artifacts) -> None:
    open_compose(julie, demo, "usager")
    tab_to(julie, "#champ-ins")
    julie.keyboard.type("279035121518989")  # Marie DUPONT's INS (a test one)
    tab_to(julie, "#champ-subject")
    julie.keyboard.type("Vos résultats")
    tab_to(julie, "[data-field=body] [contenteditable=true]")
    julie.keyboard.type("Bonjour, vos résultats sont normaux.")
    tab_to(julie, "#champ-no_reply")
    julie.keyboard.press("Space")
    expect(julie.locator("#champ-no_reply")).to_be_checked()
    julie.screenshot(path=str(artifacts / f"{SHOTS}-usager.png"), full_page=True)
    julie.keyboard.press("Control+Enter")
    sent(julie, "Vos résultats")


def test_an_actions_dialog_with_the_keyboard_gives_the_focus_back(visitors, demo, artifacts) -> None:
    """The expert's « Refuser la demande »: reached by Tab, its dialog opened with Enter, typed in, left with
    Escape; the focus is back on the button, and Annuler by Tab and Enter does the same."""
    from kernel.models import Exchange

    with demo.app.app_context():
        requested = Exchange.get((Exchange.channel == "teleexpertise") & (Exchange.status == "demandee")).id
    sophie = visitors.page("sophie.laurent")
    sophie.goto(demo.url + f"/echanges/{requested}")
    expect(sophie.locator("#messages > li").first).to_be_visible()
    refuse = "#thread-actions button[data-action=teleexpertise_refuse]"
    tab_to(sophie, refuse, limit=60)
    sophie.keyboard.press("Enter")
    dialog = sophie.locator("dialog.action-prompt")
    expect(dialog).to_be_visible()
    assert sophie.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
    sophie.keyboard.type("Hors de mon périmètre.")
    sophie.screenshot(path=str(artifacts / f"{SHOTS}-action-dialog.png"))
    sophie.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert sophie.evaluate("(s) => document.activeElement.matches(s)", refuse)
    sophie.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    tab_to(sophie, "dialog.action-prompt button.btn-secondary")  # « Annuler »
    sophie.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    assert sophie.evaluate("(s) => document.activeElement.matches(s)", refuse)
    sophie.close()


def test_a_mail_is_answered_with_the_keyboard(julie, demo, artifacts) -> None:
    """A mail thread's « Répondre » reached by Tab, the reply written in the editor it focuses, Ctrl+Enter."""
    mail = _exchange(demo, "mssante_mail")
    julie.goto(demo.url + f"/echanges/{mail}")
    expect(julie.locator("#messages > li.msg").first).to_be_visible()
    count = julie.locator("#messages > li.msg").count()
    tab_to(julie, "[data-mail-action=reply]", limit=60)
    julie.keyboard.press("Enter")
    assert julie.evaluate("() => document.activeElement.isContentEditable")
    julie.keyboard.type("Merci, bien reçu.")
    julie.screenshot(path=str(artifacts / f"{SHOTS}-mail-reply.png"))
    julie.keyboard.press("Control+Enter")
    expect(julie.locator("#messages > li.msg")).to_have_count(count + 1)
    expect(julie.locator("#messages > li.msg").last).to_contain_text("Merci, bien reçu.")


def _exchange(demo: DemoSite, channel: str) -> int:
    from kernel.models import Exchange

    with demo.app.app_context():
        return Exchange.select().where(Exchange.channel == channel).order_by(Exchange.id).first().id


def test_the_inbox_with_the_keyboard(julie, demo) -> None:
    """The spaces' tabs follow the arrows; Tab goes on into the list, Enter opens an exchange."""
    julie.goto(demo.url + "/")
    tab_to(julie, "[role=tab][aria-selected=true]")
    julie.keyboard.press("ArrowRight")
    expect(julie.locator("#onglet-mail")).to_have_attribute("aria-selected", "true")
    assert julie.evaluate("() => document.activeElement.id") == "onglet-mail"
    expect(julie).to_have_url(demo.url + "/?espace=mail")
    julie.keyboard.press("ArrowLeft")
    expect(julie.locator("#onglet-chat")).to_have_attribute("aria-selected", "true")
    tab_to(julie, "#exchange-list a.exchange-link")
    julie.keyboard.press("Enter")
    expect(julie).to_have_url(re.compile(r"/echanges/\d+$"))
