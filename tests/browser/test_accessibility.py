"""axe-core (axe-playwright-python, which bundles it: nothing is downloaded) audits every page of the platform
as the demo's users see it, and finds no serious or critical violation (#15 item 10).

"Every page" is found, not listed: each GET rule of the app's url_map outside the API (the shell's and every
plugin's blueprints) is visited with its URL arguments filled from the seeded demo (one exchange of each
channel, patients, every send screen...), by the first demo user it answers to (an administrator last).
What answers HTML is audited; what answers JSON or a file is not a page. A rule nobody could open, or whose
arguments the test cannot fill, fails the test unless NOT_AUDITED says why: a page added later is covered,
or the test says it is not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from support.demo_site import DEMO_USERS, DemoSite, demo, visitors  # noqa: F401 (demo, visitors: fixtures)

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}
SKIPPED_BLUEPRINTS = {"api", "openapi"}  # the JSON API (docs/api.md): no page there
SKIPPED_ENDPOINTS = {"static": "files (scripts, styles, images)", "live_events": "the websocket of live events"}
# Rules audited with every demo value (each channel's thread and each request state differ); any other rule
# with its first value that opens (a plugin's page about an exchange looks the same for every exchange).
EVERY_VALUE = {"/echanges/<int:exchange_id>", "/envoyer/<name>", "/patients/<int:patient_id>"}
# Violations known, tolerated until the file at fault is fixed by its owner, each with the fix. Strict: once
# a known violation is gone, the test fails until it is struck from here.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}
# GET rules that answer HTML but are deliberately not audited, each with its reason.
NOT_AUDITED: dict[str, str] = {
    "/login/psc": "a redirect to Pro Santé Connect (404 unless configured); a refusal shows the login page, audited",
    "/login/psc/retour": "Pro Santé Connect's answer: a redirect, or the login page saying why (audited)",
}


@dataclass
class Page:
    path: str
    login: str | None  # None: visited signed out
    rule: str


@dataclass
class Survey:
    pages: list[Page] = field(default_factory=list)
    not_pages: dict[str, str] = field(default_factory=dict)  # path -> content type
    uncovered: dict[str, str] = field(default_factory=dict)  # rule -> why


def _paths(rule: Any, arguments: dict[str, list[Any]]) -> list[str] | str:
    """Every URL of ``rule`` with its arguments taken from the demo, or why there is none."""
    missing = [a for a in rule.arguments if not arguments.get(a)]
    if missing:
        return f"no demo value for {', '.join(missing)}: add one in tests/support/demo_site.py"
    combos: list[dict[str, Any]] = [{}]
    for name in sorted(rule.arguments):
        combos = [{**c, name: v} for c in combos for v in arguments[name]]
    return [rule.build(c, append_unknown=False)[1] for c in combos]


@pytest.fixture(scope="module")
def survey(demo, visitors) -> Survey:
    """Every GET rule outside the API, sorted into pages (with the user who sees each), not pages, uncovered."""
    # Beside the rules: the login page signed out, the page of an unknown address, the inbox's other space,
    # and the lists as someone with unread messages sees them (their counts).
    found = Survey([Page("/login", None, "/login"), Page("/page-qui-n-existe-pas", DEMO_USERS[0], "404"),
                    Page("/?espace=mail", DEMO_USERS[0], "/"), Page("/", DEMO_USERS[1], "/"),
                    Page("/patients", DEMO_USERS[1], "/patients")])
    users = (*DEMO_USERS, demo.admin, None)  # None: signed out (a one-time password link's page)
    for rule in sorted(demo.app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = rule.endpoint.rpartition(".")[0]
        if ("GET" not in rule.methods or blueprint in SKIPPED_BLUEPRINTS or rule.endpoint in SKIPPED_ENDPOINTS
                or rule.rule in NOT_AUDITED or rule.rule == "/login"):
            continue
        paths = _paths(rule, demo.arguments)
        if isinstance(paths, str):
            found.uncovered[rule.rule] = paths
            continue
        opened = False
        for path in paths:
            redirect = None
            for login in users:
                response = visitors.context(login).request.get(demo.url + path, max_redirects=0)
                kind = response.headers.get("content-type", "")
                if not kind.startswith("text/html"):  # JSON (an error too: the JSON endpoints' way), CSV, files
                    found.not_pages[path] = kind
                elif response.status == 200:
                    found.pages.append(Page(path, login, rule.rule))
                else:  # an HTML refusal, "not found" or redirect for this user: maybe another one sees it
                    if 300 <= response.status < 400 and login is not None:  # signed in: not the login redirect
                        redirect = f"a redirect to {response.headers.get('location')}"
                    continue
                opened = True
                break
            else:
                if redirect:  # nobody sees a page there, everyone is sent on: a redirect, its target audited
                    found.not_pages[path] = redirect
                    opened = True
            if opened and rule.rule not in EVERY_VALUE:
                break
        if not opened:
            found.uncovered[rule.rule] = f"no demo user could open {paths}"
    return found


def test_every_page_is_found_and_opened(survey) -> None:
    """No rule is left out unsaid: each either answered one demo user or is in NOT_AUDITED with a reason."""
    assert not survey.uncovered, survey.uncovered
    rules = {p.rule for p in survey.pages}
    # The pages the issue names are among those found (a broken discovery would find few).
    for expected in ("/", "/envoyer/<name>", "/echanges/<int:exchange_id>", "/patients", "/patients/<int:patient_id>",
                     "/mes-acces", "/login", "404"):
        assert expected in rules, (expected, sorted(rules))
    assert len({p.path for p in survey.pages if p.rule == "/echanges/<int:exchange_id>"}) >= 4


def _settle(page: Any) -> None:
    """Wait until the page has built itself from the API (its scripts fetch after load)."""
    page.wait_for_load_state("networkidle")
    if page.locator("#compose-form").count():
        expect(page.locator("#compose-form")).to_have_attribute("data-ready", "true")


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = "; ".join(f"{', '.join(map(str, n['target']))} {n['html'][:120]}" for n in violation["nodes"][:6])
            found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): "
                         f"{violation['help']} — {targets}")
    return found


def test_no_page_has_a_serious_violation(survey, visitors, demo, artifacts) -> None:
    # What was audited, as whom, and what was found not to be a page: for a reviewer to read.
    (artifacts / "accessibility-pages.txt").write_text(
        "".join(f"{p.path}\t{p.login or 'signed out'}\t{p.rule}\n" for p in survey.pages)
        + "".join(f"not a page\t{path}\t{kind}\n" for path, kind in sorted(survey.not_pages.items())))
    report: dict[str, list[str]] = {}
    known_seen = set()
    for found in survey.pages:
        page = visitors.page(found.login)
        page.goto(demo.url + found.path)
        _settle(page)
        problems = []
        for problem in _serious(page):
            known = (found.path, problem.split(" ", 1)[0])
            if known in KNOWN_VIOLATIONS:
                known_seen.add(known)
            else:
                problems.append(problem)
        if problems:
            report[f"{found.path} ({found.login or 'signed out'})"] = problems
        page.close()
    assert not report, "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in report.items())
    fixed = set(KNOWN_VIOLATIONS) - known_seen
    assert not fixed, f"fixed, strike them from KNOWN_VIOLATIONS: {sorted(fixed)}"


def _exchange_of(demo: DemoSite, channel: str, status: str | None = None) -> int:
    from kernel.models import Exchange

    with demo.app.app_context():
        query = Exchange.select().where(Exchange.channel == channel)
        if status:
            query = query.where(Exchange.status == status)
        return query.order_by(Exchange.id).first().id


def test_open_panels_lists_and_dialogs_have_no_serious_violation(visitors, demo, artifacts) -> None:
    """What only shows once opened: the « + » panel, a picker's results, a thread's panels and forms, an
    action's dialog, the shortcuts' help, a mail's reply box, the login page's error, a delegate's screen."""
    conversation = _exchange_of(demo, "conversation")
    requested = _exchange_of(demo, "teleexpertise", "demandee")
    mail = _exchange_of(demo, "mssante_mail")
    report: dict[str, list[str]] = {}

    def audit(name: str, page: Any) -> None:
        page.wait_for_load_state("networkidle")
        problems = _serious(page)
        if problems:
            report[name] = problems
        page.screenshot(path=str(artifacts / f"a11y-state-{name}.png"))

    page = visitors.page(DEMO_USERS[0])
    page.goto(demo.url + "/")
    page.locator("details.send-panel > summary").click()
    expect(page.locator(".send-panel-menu")).to_be_visible()
    audit("panneau-nouveau", page)
    page.keyboard.press("Escape")
    page.locator("#contenu").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    audit("aide-raccourcis", page)

    page.goto(demo.url + "/envoyer/conversation")
    _settle(page)
    page.locator("#champ-members").press_sequentially("dur")
    expect(page.locator(".picker-results [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    audit("liste-du-selecteur", page)

    page.goto(demo.url + f"/echanges/{conversation}")
    expect(page.locator("#messages > li").first).to_be_visible()
    page.locator(".btn-opened").click()
    page.locator(".add-members-open").click()
    page.locator(".rename-button").click()
    audit("fil-panneaux-ouverts", page)

    page.goto(demo.url + f"/echanges/{mail}")
    expect(page.locator("#messages > li").first).to_be_visible()
    page.get_by_role("button", name="Répondre", exact=True).first.click()
    audit("mail-reponse", page)
    page.close()

    expert = visitors.page("sophie.laurent")
    expert.goto(demo.url + f"/echanges/{requested}")
    expect(expert.locator("#messages > li").first).to_be_visible()
    expert.get_by_role("button", name=re.compile("Refuser")).click()
    expect(expert.locator("dialog.action-prompt")).to_be_visible()
    audit("dialogue-d-action", expert)
    expert.close()

    delegate = visitors.page("isabelle.roux")  # acts for a structure and a doctor: « Agir en tant que »
    delegate.goto(demo.url + "/envoyer/mssante_mail")
    _settle(delegate)
    audit("ecran-d-un-delegue", delegate)
    delegate.close()

    signed_out = visitors.page(None)
    signed_out.goto(demo.url + "/login")
    signed_out.get_by_label("Identifiant").fill("julie.bernard")
    signed_out.get_by_label("Mot de passe").fill("pas le bon")
    signed_out.get_by_role("button", name="Se connecter").click()
    expect(signed_out.locator(".banner-danger, [role=alert]").first).to_be_visible()
    audit("connexion-refusee", signed_out)
    signed_out.close()

    assert not report, "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in report.items())


def test_a_page_whose_arguments_the_demo_cannot_fill_is_reported_not_skipped() -> None:
    from werkzeug.routing import Map, Rule

    rules = Map([Rule("/dossiers/<int:folder_id>", endpoint="later.folder"),
                 Rule("/patients/<int:patient_id>/<name>", endpoint="later.patient_channel")])
    folder, patient_channel = sorted(rules.iter_rules(), key=lambda r: r.rule)
    assert "folder_id" in _paths(folder, {"patient_id": [1]})  # the reason, naming what is missing
    assert _paths(patient_channel, {"patient_id": [1, 2], "name": ["conversation"]}) == [
        "/patients/1/conversation", "/patients/2/conversation"]
