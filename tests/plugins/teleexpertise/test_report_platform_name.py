"""The téléexpertise compte rendu names the platform as configured (setting platform_name) in its heading and
its footer: the name the professionals know from the pages, not the software's."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from plugins.teleexpertise import finalisation, hooks, report as report_module

sys.path.insert(0, str(Path(__file__).parent))
from finalisation_fixtures import finalise_body, make_case  # noqa: E402

pytestmark = pytest.mark.relais(plugins=[("teleexpertise", hooks)], platform_name="Santé Lac Annecy")


def test_the_report_names_the_configured_platform(relais, relais_alice, relais_user, relais_app, monkeypatch):
    expert = relais_user("sophie", "Sophie", "Laurent", profession="Médecin dermatologue")
    case = make_case(relais_alice.account, expert.account.identity, expert.account)
    drawn = []
    render = relais_app.jinja_env.get_template("teleexpertise/report.html").render
    monkeypatch.setattr(finalisation, "report_context", _keeping(report_module.report_context, drawn))
    assert expert.browser.post(case.url, json=finalise_body(case)).status_code == 202
    relais.jobs.run_pending()
    assert drawn and drawn[0]["platform"] == "Santé Lac Annecy"
    html = render(**drawn[0])
    assert "Santé Lac Annecy" in html and "Relais Santé" not in html


def _keeping(function, into):
    def wrapped(*args, **kwargs):
        into.append(function(*args, **kwargs))
        return into[-1]
    return wrapped
