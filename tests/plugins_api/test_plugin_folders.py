"""A plugin is one folder: nothing outside it (and the tests) names it; the shell finds it through hooks.

"Names" is precise, because a plugin's name may be a French word ("conversation") that UI text uses
freely ("Renommer la conversation"). A file names plugin P when it contains:

- ``plugins.P`` or ``plugins/P`` (an import, a path);
- a quoted string that is P, or starts with P and a separator (``"P"``, ``'P.send'``, ``"P_pages.x"``,
  ```P/...```): a channel, job, event, endpoint or blueprint name;
- a URL path segment ``/P`` (``/P/search``, ``"/P"``);
- an identifier starting with ``P_`` (an endpoint or a CSS value: ``P_status``);
- for a name that is not a plain word (it holds ``_`` or a digit), the name itself as a word.

Checked, for each built-in plugin (the project's setup.cfg entry points): every file of the repository
that code, templates, styles, data or configuration live in (CHECKED below), kernel and web shell included,
except the plugin's own folder and the repository's tests/ (a tests folder or conftest.py elsewhere, in the
kernel or an example, is checked like any file). Left out on purpose: documentation (Markdown: docs and
READMEs describe the plugins by name), the repository's setup.cfg (its entry points declare the plugins) and
the top-level bench/ (benchmarks drive a named plugin, as tests do). The example plugin (examples/) is a
tutorial's subject, named as such in docstrings: no file is checked for naming it.
"""
from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = {".py", ".pyi", ".html", ".htm", ".jinja", ".jinja2", ".j2", ".js", ".mjs", ".cjs", ".ts", ".css",
           ".json", ".svg", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".xml", ".sql"}
# Generated or local folders, wherever they are (and any cache folder tagged with CACHEDIR.TAG); the tests
# and benchmarks only at the repository's top.
SKIPPED_DIRS = {".git", ".venv", "venv", "env", "build", "dist", "node_modules", "__pycache__", ".hypothesis",
                ".pytest_cache", ".mypy_cache", ".ruff_cache", ".import_linter_cache", ".tox", ".nox",
                "test-artifacts", "relais-data", "relais-demo"}
SKIPPED_TOP = {"tests", "bench"}
PACKAGING = "setup.cfg"  # at the top: declares the built-in plugins' entry points


@dataclass(frozen=True)
class Plugin:
    name: str
    folder: Path


def declared_plugins(root: Path = ROOT) -> list[Plugin]:
    """The built-in plugins (entry points of the project's setup.cfg), each with its folder."""
    parser = configparser.ConfigParser()
    parser.read(root / "setup.cfg", encoding="utf-8")
    found = []
    for line in filter(None, (x.strip() for x in parser.get("options.entry_points", "relais.plugins").splitlines())):
        name, _, target = (part.strip() for part in line.partition("="))
        found.append(Plugin(name, (root / target.split(":")[0].replace(".", "/")).parent))
    return found


def name_patterns(name: str) -> list[re.Pattern[str]]:
    n = re.escape(name)
    patterns = [rf"plugins[./]{n}(?![\w])",
                rf"""(["'`]){n}(?:[._:/?-][^"'`\s]*)?\1""",
                rf"(?<![\w./-])/{n}(?=[/?#\"'`]|$)",
                rf"(?<![\w-]){n}_\w"]
    if not name.isalpha():
        patterns.append(rf"(?<![A-Za-z0-9_]){n}(?![A-Za-z0-9])")
    return [re.compile(p, re.M) for p in patterns]


def checked_files(root: Path) -> list[Path]:
    def checked(path: Path) -> bool:
        parts = path.relative_to(root).parts
        return (path.suffix.lower() in CHECKED and path.is_file() and parts != (PACKAGING,)
                and parts[0] not in SKIPPED_TOP and not SKIPPED_DIRS & set(parts[:-1])
                and not any(part.endswith(".egg-info") for part in parts)
                and not any((parent / "CACHEDIR.TAG").is_file() for parent in path.parents if parent != root
                            and parent.is_relative_to(root)))

    return sorted(p for p in root.rglob("*") if checked(p))


def namings(plugin: Plugin, root: Path = ROOT) -> list[str]:
    """``path:line: text`` of every place outside the plugin's folder that names it."""
    patterns = name_patterns(plugin.name)
    found = []
    for path in checked_files(root):
        if path.is_relative_to(plugin.folder):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_the_repository_declares_its_plugins_with_their_folders():
    # Guards the guard: with no plugin found, the test below would pass on nothing.
    plugins = {p.name: p.folder for p in declared_plugins()}
    assert plugins["mssante_mail"] == ROOT / "plugins" / "mssante_mail"
    assert plugins["conversation"] == ROOT / "plugins" / "conversation"
    checked = {p.relative_to(ROOT).as_posix() for p in checked_files(ROOT)}
    assert {"kernel/app.py", "kernel/mail/mailbox.py", "web/views.py", "web/templates/inbox.html",
            "web/static/js/inbox.js", "web/static/css/thread.css", "web/static/favicon.svg", "pyproject.toml",
            "examples/relais-exemple-plugin/conftest.py",
            "examples/relais-exemple-plugin/tests/test_rappel.py"} <= checked
    assert not any(p.startswith(("tests/", "bench/")) for p in checked) and "setup.cfg" not in checked


@pytest.mark.parametrize("plugin", declared_plugins(), ids=lambda p: p.name)
def test_nothing_outside_a_plugins_folder_names_it(plugin):
    found = namings(plugin)
    assert not found, (f"these files name the plugin {plugin.name!r} outside its folder; the shell and the kernel "
                       "must find it through hooks:\n" + "\n".join(found))


NAMING = ["import plugins.mssante_mail.hooks", "<a href=\"{{ url_for('mssante_mail_pages.undelivered') }}\">",
          "const r = await api(`/mssante_mail/mailboxes`);", "INBOUND = 'mssante_mail'",
          ".thread-mail [data-panel=mssante_mail_status] { display: none; }", "# the mssante_mail plugin",
          "load('plugins/mssante_mail/static/x.js')", 'fetch("/conversation/exchanges")',
          'channels.get("conversation")', "endpoint = conversation_pages.start", "jobs.enqueue('conversation.purge')"]
NOT_NAMING = ["Renommer la conversation", "« Nouvelle conversation »", "une conversation qui revient",
              "conversations", "const conversation = exchange;", "mssante_mailer = 1", "/api/v1/conversations",
              "my_mssante_mail_thing"]


def planted_plugins(root: Path) -> list[Plugin]:
    return [Plugin("mssante_mail", root / "plugins" / "mssante_mail"),
            Plugin("conversation", root / "plugins" / "conversation")]


@pytest.mark.parametrize("line", NAMING)
def test_the_check_fails_on_a_planted_file_that_names_a_plugin(tmp_path, line):
    planted = tmp_path / "kernel" / "planted.js"
    planted.parent.mkdir()
    planted.write_text(f"// a file of the kernel\n{line}\n")
    found = [hit for plugin in planted_plugins(tmp_path) for hit in namings(plugin, tmp_path)]
    assert found == [f"kernel/planted.js:2: {line}"]


@pytest.mark.parametrize("path", ["web/static/js/mail.mjs", "web/static/menu.json", "web/static/img/icon.svg",
                                  "kernel/channels.txt", "pyproject.toml", "kernel/templates/mail.jinja",
                                  "web/templates/row.j2", "kernel/settings.ini", "examples/x/setup.cfg",
                                  "kernel/tests/test_x.py", "web/conftest.py", "examples/x/tests/test_y.py",
                                  "examples/x/conftest.py", "kernel/bench/run.py", "kernel/Mail.JS"])
def test_every_kind_of_file_outside_the_top_level_tests_is_checked(tmp_path, path):
    planted = tmp_path / path
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("load('plugins/mssante_mail/static/x.js')\n")
    assert namings(planted_plugins(tmp_path)[0], tmp_path) == [f"{path}:1: load('plugins/mssante_mail/static/x.js')"]


def test_a_plugins_own_folder_names_it_freely(tmp_path):
    own = tmp_path / "plugins" / "mssante_mail" / "static" / "js" / "mail_space.js"
    own.parent.mkdir(parents=True)
    own.write_text("\n".join(line for line in NAMING if "mssante_mail" in line) + "\n")
    assert namings(planted_plugins(tmp_path)[0], tmp_path) == []


@pytest.mark.parametrize("line", NOT_NAMING)
def test_words_that_are_not_the_plugins_name_pass(tmp_path, line):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "page.html").write_text(line + "\n")
    assert [hit for plugin in planted_plugins(tmp_path) for hit in namings(plugin, tmp_path)] == []


def test_tests_docs_and_packaging_may_name_plugins(tmp_path):
    for path in ("tests/test_x.py", "tests/conftest.py", "tests/support/x/static/x.js", "docs/plugins.md",
                 "README.md", "setup.cfg", "bench/run.py", "build/lib/kernel/x.py", "web/__pycache__/x.py",
                 "relais.egg-info/entry_points.txt", ".import_linter_cache/plugins.meta.json",
                 "web/.some_tool/CACHEDIR.TAG", "web/.some_tool/x.json"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("import plugins.mssante_mail.hooks\n")
    assert namings(Plugin("mssante_mail", tmp_path / "plugins" / "mssante_mail"), tmp_path) == []
