"""An installed Relais Santé keeps each plugin whole: its static files (at any depth), templates, migrations and
README ship in the wheel, and so do the web shell's (setup.cfg [options.package_data])."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    # A copy: building in place would leave build/ and egg-info behind in the working tree.
    source = tmp_path_factory.mktemp("src")
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("kernel", "web", "plugins"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    # One file deeper than any today: the globs must reach it.
    deep = source / "plugins" / "mssante_mail" / "static" / "img" / "icons" / "deep.svg"
    deep.parent.mkdir(parents=True)
    deep.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                             "--quiet", "-w", str(dist), str(source)], capture_output=True, text=True)
    if result.returncode != 0 and "wheel" in result.stderr and "No module named" in result.stderr:
        pytest.skip("pip cannot build wheels here: the 'wheel' package is missing (setuptools < 70.1)")
    assert result.returncode == 0, result.stderr
    [built] = dist.glob("relais_sante-*.whl")
    return set(zipfile.ZipFile(built).namelist())


def test_each_plugin_ships_its_browser_code_templates_and_readme(wheel_files):
    mail = "plugins/mssante_mail/"
    for path in ("static/js/inbox_extension.js", "static/js/mail_space.js", "static/css/mail_space.css",
                 "static/css/admin.css", "static/img/icons/deep.svg", "templates/mssante_mail/undelivered.html",
                 "README.md"):
        assert mail + path in wheel_files, path
    assert "plugins/conversation/templates/conversation/synthesis.html" in wheel_files
    assert "kernel/migrations/0001_initial.py" in wheel_files


def test_the_shell_ships_its_templates_and_static_files(wheel_files):
    for path in ("web/hooks.py", "web/templates/base.html", "web/templates/_menu_link.html", "web/static/js/inbox.js",
                 "web/static/js/extensions.js", "web/static/css/base.css", "web/static/favicon.svg"):
        assert path in wheel_files, path
    every = {p.relative_to(ROOT).as_posix() for p in (ROOT / "web" / "static").rglob("*") if p.is_file()}
    assert every <= wheel_files
