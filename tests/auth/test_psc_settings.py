"""Pro Santé Connect's settings when something is missing or wrong: each says so in French, nobody is signed in."""
from __future__ import annotations

import socket

import lxml.html

from kernel.auth.psc import client_secret
from kernel.models import AuditEvent
from kernel.testing import sign_in
from kernel.testing.factories import make_account


def banner(response) -> str:
    node = lxml.html.fromstring(response.get_data(as_text=True)).get_element_by_id("erreur-connexion", None)
    return " ".join(node.text_content().split()) if node is not None else ""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is: nothing listens there


def test_an_unreachable_provider_is_said_so(make_app):
    app = make_app("sqlite", psc_enabled=True, psc_client_id="relais", psc_client_secret="s",
                   psc_issuer=f"http://127.0.0.1:{closed_port()}")
    answer = app.test_client().get("/login/psc")
    assert answer.status_code == 502
    assert banner(answer) == "Pro Santé Connect ne répond pas : réessayez dans quelques minutes."


def test_a_platform_without_client_id_says_it_is_not_configured(make_app):
    app = make_app("sqlite", psc_enabled=True)
    answer = app.test_client().get("/login/psc")
    assert answer.status_code == 500
    assert banner(answer) == ("La connexion avec Pro Santé Connect n’est pas encore configurée : prévenez "
                              "l’administrateur de la plateforme.")


def test_an_unknown_account_creation_mode_is_refused(make_app):
    app = make_app("sqlite", psc_enabled=True, psc_client_id="relais", psc_create_accounts="toujours")
    answer = app.test_client().get("/login/psc")
    assert answer.status_code == 500 and "mal configurée" in banner(answer)


def test_a_signed_in_visitor_goes_straight_on(make_app):
    app = make_app("sqlite", psc_enabled=True, psc_client_id="relais",
                   psc_issuer=f"http://127.0.0.1:{closed_port()}")  # never asked
    with app.app_context():
        user = sign_in(app, make_account("deja.la"))
    answer = user.browser.get("/login/psc?next=/patients")
    assert answer.status_code == 302 and answer.headers["Location"] == "/patients"


def test_an_answer_without_a_sign_in_under_way_is_refused_and_audited(make_app):
    app = make_app("sqlite", psc_enabled=True, psc_client_id="relais", psc_client_secret="s",
                   psc_issuer=f"http://127.0.0.1:{closed_port()}")
    answer = app.test_client().get("/login/psc/retour?error=access_denied&state=forged")
    assert answer.status_code == 403
    assert banner(answer) == "La connexion avec Pro Santé Connect a été annulée ou refusée."
    with app.app_context():
        assert [(e.action, e.outcome) for e in AuditEvent.select()] == [("login.psc", "refused")]


def test_the_client_secret_comes_from_the_setting_else_from_its_file(tmp_path):
    config = {"psc_client_secret": "", "data_dir": str(tmp_path)}
    assert client_secret(config) == ""
    (tmp_path / "psc_client_secret").write_text("dans-un-fichier\n")
    assert client_secret(config) == "dans-un-fichier"
    assert client_secret({**config, "psc_client_secret": "dans-l-environnement"}) == "dans-l-environnement"
