"""``relais plugins``: every plugin with its status, a broken one reported (exit 0), JSON for machines."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from cli.test_cli_subprocess import Child, get_json

GOOD = "from kernel import hookimpl\n\n\n@hookimpl\ndef register_channels():\n    return []\n"
# A misspelled hook name: check_pending() must refuse it and name the plugin.
TYPO = "from kernel import hookimpl\n\n\n@hookimpl\ndef register_chanels():\n    return []\n"


@pytest.fixture
def installed_plugins(install_plugins, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugins({"good": "relais_cli_test_good", "typo": "relais_cli_test_typo",
                     "broken": "relais_cli_test_absent_module", "spare": "relais_cli_test_spare"},
                    {"relais_cli_test_good.py": GOOD, "relais_cli_test_spare.py": GOOD,
                     "relais_cli_test_typo.py": TYPO})
    monkeypatch.setenv("RELAIS_PLUGINS", "good,typo,broken,missing")


def test_json_report_shape(run, installed_plugins) -> None:
    result = run("plugins", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # nothing but JSON on stdout
    assert isinstance(report, list)
    assert all(set(entry) == {"name", "status", "source", "error"} for entry in report)
    assert all(isinstance(value, str) for entry in report for value in entry.values())
    by_name = {entry["name"]: entry for entry in report}
    assert by_name["good"] == {"name": "good", "status": "loaded", "source": "relais_cli_test_good", "error": ""}
    assert by_name["broken"]["status"] == "failed"
    assert "ModuleNotFoundError" in by_name["broken"]["error"]
    assert by_name["typo"]["status"] == "failed"
    assert "register_chanels" in by_name["typo"]["error"]
    assert by_name["missing"]["status"] == "not installed"
    assert by_name["spare"]["status"] == "available"
    assert by_name["kernel"]["status"] == "loaded"


def test_text_report_in_french_with_failures_flagged(run, installed_plugins) -> None:
    result = run("plugins")

    assert result.exit_code == 0, result.output  # reporting a failure is not failing
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "chargé" in rows["good"]
    assert "en échec" in rows["broken"] and "ModuleNotFoundError" in rows["broken"]
    assert "en échec" in rows["typo"]
    assert "non installé" in rows["missing"]
    assert "disponible" in rows["spare"]
    assert "l'extension « broken » n'a pas pu être chargée" in result.stderr
    assert "l'extension « missing » n'est pas installée" in result.stderr
    assert "« good »" not in result.stderr


def test_nothing_enabled_loads_the_kernel_only(run) -> None:
    result = run("plugins", "--json")

    assert result.exit_code == 0
    statuses = {entry["name"]: entry["status"] for entry in json.loads(result.stdout)}
    assert statuses.pop("kernel") == "loaded"
    assert statuses.pop("kernel.mail") == "loaded"  # the kernel's mail transport hooks (kernel/mail/hooks.py)
    assert statuses.pop("shell") == "loaded"  # the web shell, a default plugin registered by the app factory
    assert set(statuses.values()) <= {"available"}  # installed (built-in or not), none enabled


def test_serve_starts_without_broken_plugins_and_says_so(installed_plugins, tmp_path: Path) -> None:
    # The real ``relais serve`` (gunicorn by default: the command execs the arbiter), in a process of its own
    # that finds the fake distribution the way the fixture's sys.path does.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    child = Child("serve", "--port", "0", env=env)
    try:
        url = child.wait_for(r"Relais Santé est démarré : (http://127\.0\.0\.1:\d+/)").group(1)
        status, _ = get_json(url + "readyz")
        code = child.stop(signal.SIGTERM)
    finally:
        child.kill()

    assert status == 200
    assert code == 0, "".join(child.stderr)
    stderr = "".join(child.stderr)
    warning = stderr.split("extensions écartées (", 1)[1].split(")", 1)[0]
    assert "3 extensions écartées" in stderr and set(warning.split(", ")) == {"typo", "broken", "missing"}
    assert "relais plugins" in stderr
