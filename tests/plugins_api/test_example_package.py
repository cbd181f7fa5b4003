"""The example third-party plugin, installed with pip and enabled by name, works through its real entry point.

pip installs examples/relais-exemple-plugin into a temporary folder; a fresh Python process with that
folder on its path enables the plugin with RELAIS_PLUGINS (as a deployer would) and drives the app.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "relais-exemple-plugin"
PAST_DATE = "La date du rappel est passée : choisissez aujourd'hui ou une date à venir."

SCRIPT = textwrap.dedent('''
    import datetime as dt, json, sys
    from flask import session
    from kernel import create_app
    from kernel.auth import login_session
    from kernel.models import Exchange, Job, Message
    from support.factories import bearer, make_account

    out = {}
    app = create_app()  # everything from the environment: RELAIS_PLUGINS, RELAIS_DATA_DIR...
    app.config["TESTING"] = True
    relais = app.extensions["relais"]
    out["report"] = {s.name: s.as_json() for s in relais.report.plugins}
    import relais_exemple_rappel.hooks as hooks
    out["module_file"] = hooks.__file__
    with app.app_context():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
        client = app.test_client()
        out["channels"] = client.get("/api/v1/channels", headers=bearer(alice)).json
        out["form"] = client.get("/api/v1/channels/exemple_rappel/form", headers=bearer(alice)).json

        def send(day):
            r = client.post("/api/v1/channels/exemple_rappel/exchanges", headers=bearer(alice), json={
                "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": "Bilan sanguin",
                "body": "Penser au bilan.", "remind_on": day})
            return {"status": r.status_code, "json": r.json}

        out["past"] = send(sys.argv[1])
        out["stored_after_past"] = Exchange.select().count()
        out["sent"] = send(sys.argv[2])
        exchange_id = out["sent"]["json"]["exchange"]["id"]
        out["data"] = Exchange.get_by_id(exchange_id).data
        job = Job.get(Job.name == "exemple_rappel.rappeler")
        out["job"] = {"payload": job.payload, "in_future": job.run_at > dt.datetime.utcnow()}
        out["panels_before"] = client.get(f"/api/v1/exchanges/{exchange_id}", headers=bearer(bob)).json["exchange"]["panels"]
        Job.update(run_at=dt.datetime(2000, 1, 1)).where(Job.id == job.id).execute()  # the day has come
        out["ran"] = relais.jobs.run_pending()
        out["messages"] = [m["body"] for m in client.get(f"/api/v1/exchanges/{exchange_id}/messages",
                                                           headers=bearer(bob)).json["messages"]]
        # The inbox page, signed in with a browser session: the "+" panel is rendered by the web shell.
        with app.test_request_context():
            login_session(alice)
            cookie = dict(session)
        with client.session_transaction() as browser:
            browser.update(cookie)
        try:
            page = client.get("/")
            out["inbox"] = {"status": page.status_code, "html": page.get_data(as_text=True)}
        except Exception as exc:  # the web shell is written concurrently; report what happened
            out["inbox"] = {"status": None, "error": f"{type(exc).__name__}: {exc}"}
    print("RESULT " + json.dumps(out, default=str))
''')


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """pip-install a copy of the example (building in place would leave build/ and egg-info behind)."""
    work = tmp_path_factory.mktemp("exemple_rappel")
    source = work / "source"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = work / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, (
        "pip could not build the example (setuptools < 70.1 needs the 'wheel' package for "
        f"--no-build-isolation):\n{result.stdout}\n{result.stderr}")
    return target


@pytest.fixture(scope="module")
def run(installed, tmp_path_factory) -> dict:
    """Run the scenario once in a fresh interpreter that only knows the plugin through its entry point."""
    today = dt.date.today()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(PYTHONPATH=os.pathsep.join([str(installed), str(ROOT), str(ROOT / "tests")]),
               RELAIS_PLUGINS="exemple_rappel", RELAIS_DATA_DIR=str(tmp_path_factory.mktemp("data")),
               RELAIS_LOG_LEVEL="WARNING")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, (today - dt.timedelta(days=3)).isoformat(),
         (today + dt.timedelta(days=3)).isoformat()],
        capture_output=True, text=True, timeout=120, env=env, cwd=str(installed.parent))
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, f"{result.stdout}\n{result.stderr}"
    return json.loads(lines[-1][len("RESULT "):])


def test_pip_install_declares_the_entry_point(installed):
    entry_points = list(installed.glob("relais_exemple_plugin-*.dist-info/entry_points.txt"))
    assert len(entry_points) == 1
    text = entry_points[0].read_text()
    assert "[relais.plugins]" in text and "exemple_rappel = relais_exemple_rappel.hooks" in text
    assert (installed / "relais_exemple_rappel" / "hooks.py").is_file()


def test_enabled_by_name_it_loads_from_the_installed_package(run, installed):
    status = run["report"]["exemple_rappel"]
    assert (status["status"], status["source"], status["error"]) == ("loaded", "relais_exemple_rappel.hooks", "")
    assert Path(run["module_file"]).is_relative_to(installed)


def test_its_channel_and_form_are_served(run):
    channel = next(c for c in run["channels"]["channels"] if c["name"] == "exemple_rappel")
    assert (channel["label"], channel["group"], channel["space"]) == ("Programmer un rappel", "MonSisra", "chat")
    assert {"name": "MonSisra", "channels": ["exemple_rappel"]} in run["channels"]["groups"]
    fields = {f["name"]: f for f in run["form"]["fields"]}
    assert list(fields) == ["acting_as", "members", "subject", "body", "remind_on"]
    assert (fields["remind_on"]["type"], fields["remind_on"]["label"], fields["remind_on"]["required"]) == (
        "date", "Date du rappel", True)


def test_a_past_date_is_refused_in_french_and_nothing_stored(run):
    assert run["past"] == {"status": 422, "json": {"errors": {"remind_on": [PAST_DATE]}}}
    assert run["stored_after_past"] == 0


def test_sending_stores_the_reminder_and_its_job_comes_back(run):
    assert run["sent"]["status"] == 201, run["sent"]
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert run["data"] == {"exemple_rappel": {"date": day, "done": False}}
    assert run["job"] == {"payload": {"exchange": run["sent"]["json"]["exchange"]["id"]}, "in_future": True}
    assert [p["title"] for p in run["panels_before"]] == ["Rappel programmé"]
    assert run["ran"] == 1
    assert run["messages"][-1] == "Rappel : Bilan sanguin"
    assert "Penser au bilan." in run["messages"]


@pytest.mark.skipif(not (ROOT / "web" / "templates" / "inbox.html").exists(),
                    reason="the web shell's inbox template is not written yet: checked through the API only")
def test_its_channel_is_in_the_inbox_send_panel(run):
    assert run["inbox"]["status"] == 200, run["inbox"]
    assert "Programmer un rappel" in run["inbox"]["html"]


def test_its_own_tests_pass_with_the_testing_kit(installed):
    """The example's tests, run as its author runs them (pytest in its folder): the kit's fixtures come from
    relais-sante's ``pytest11`` entry point, not from this project's conftest.py."""
    source = installed.parent / "source"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "PYTEST_"))}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=source, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
