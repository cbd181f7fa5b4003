"""The import contracts of setup.cfg (and of the example plugin's) hold, and each one can fail.

``lint-imports`` runs as a deployer or CI would. Then every contract of the configuration is checked
on a graph of the project's modules with no import at all (kept) and with planted imports that
break it (broken): a contract that cannot fail protects nothing.
"""
from __future__ import annotations

import copy
import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract

from kernel.testing.import_contracts import strongly_connected

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "relais-exemple-plugin"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# contract id -> imports (importer, imported) that must break it
PLANTED = {
    "kernel-imports-no-plugin": [("kernel.services.events", "plugins.conversation.hooks")],
    "plugins-independent": [("plugins.mssante_mail.hooks", "plugins.conversation.hooks")],
    "plugins-public-api": [("plugins.conversation.hooks", "kernel.services.sending")],
    "plugins-not-web": [("plugins.conversation.hooks", "web")],
    "web-not-plugins": [("web", "plugins.conversation")],
    "web-api": [("web", "kernel.plugin_manager")],
    "kernel-acyclic": [("kernel.services.sending", "kernel.relais"), ("kernel.relais", "kernel.services.sending")],
}


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_project_keeps_its_import_contracts():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_example_plugin_imports_only_the_public_api():
    result = _lint(EXAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def _configuration() -> tuple[dict, dict[str, dict]]:
    config = read_configuration(str(ROOT / "setup.cfg"))
    return config["session_options"], {c["id"]: c for c in config["contracts_options"]}


def _contract(session: dict, options: dict):
    types = {"forbidden": ForbiddenContract, "independence": IndependenceContract}
    for line in session.get("contract_types", []):
        name, _, path = (part.strip() for part in line.partition(":"))
        module, _, attribute = path.rpartition(".")
        types[name] = getattr(importlib.import_module(module), attribute)
    return types[options["type"]](options["name"], session, options)


@pytest.fixture(scope="module")
def modules_only() -> grimp.ImportGraph:
    """The project's real modules, and not a single import between them."""
    real = grimp.build_graph("kernel", "plugins", "web", cache_dir=None)
    graph = grimp.ImportGraph()
    for module in real.modules:
        graph.add_module(module)
    return graph


def test_every_contract_has_a_planted_violation():
    _, contracts = _configuration()
    assert set(contracts) == set(PLANTED)


@pytest.mark.parametrize("contract_id", sorted(PLANTED))
def test_each_contract_fails_on_a_planted_import(contract_id, modules_only):
    session, contracts = _configuration()
    contract = _contract(session, contracts[contract_id])
    graph = copy.deepcopy(modules_only)
    assert contract.check(graph, verbose=False).kept
    for importer, imported in PLANTED[contract_id]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import it")
    assert not contract.check(graph, verbose=False).kept


def test_the_public_api_contract_names_the_import_and_its_line(modules_only):
    session, contracts = _configuration()
    contract = _contract(session, contracts["plugins-public-api"])
    graph = copy.deepcopy(modules_only)
    graph.add_import(importer="plugins.conversation.hooks", imported="kernel.models", line_number=3,
                     line_contents="from kernel.models import Exchange")  # public: fine
    graph.add_import(importer="plugins.conversation.hooks", imported="kernel.db", line_number=4,
                     line_contents="from kernel.db import utcnow")
    check = contract.check(graph, verbose=False)
    assert check.metadata["illegal"] == [
        {"importer": "plugins.conversation.hooks", "imported": "kernel.db", "line_numbers": [4]}]


def test_the_public_api_contract_refuses_a_squashed_kernel():
    # Were kernel an external package, every kernel module would look like "kernel": all public.
    graph = grimp.ImportGraph()
    graph.add_module("kernel", is_squashed=True)
    graph.add_module("plugins")
    session, contracts = _configuration()
    with pytest.raises(ValueError, match="root packages"):
        _contract(session, contracts["plugins-public-api"]).check(graph, verbose=False)


def test_circles_are_found_with_their_shortest_path(modules_only):
    session, contracts = _configuration()
    contract = _contract(session, contracts["kernel-acyclic"])
    graph = copy.deepcopy(modules_only)
    for importer, imported in [("kernel.hookspecs", "kernel.services.sending"), ("kernel.services.sending", "kernel.relais"),
                               ("kernel.relais", "kernel.plugin_manager"), ("kernel.plugin_manager", "kernel.hookspecs"),
                               ("kernel.relais", "kernel.hookspecs")]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    check = contract.check(graph, verbose=False)
    assert not check.kept
    assert [[(a, b) for a, b, _ in cycle] for cycle in check.metadata["cycles"]] == [[
        ("kernel.hookspecs", "kernel.services.sending"), ("kernel.services.sending", "kernel.relais"),
        ("kernel.relais", "kernel.hookspecs")]]


def test_strongly_connected_groups():
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["a"]}
    assert sorted(strongly_connected(edges)) == [["a", "b", "c"], ["d", "e"]]
    assert strongly_connected({"a": ["b"], "b": []}) == []
