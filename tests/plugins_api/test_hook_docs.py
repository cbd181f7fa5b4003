"""The plugin API, its documentation and its tests stay in step (Datasette's two guards, copied).

- every hookspec is documented in docs/plugins.md with its exact signature and its calling mode;
- no documented hook is missing from the spec;
- every hookspec has a ``test_hook_<name>`` test in tests/plugins_api/test_hooks.py.
"""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from kernel import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plugins.md"
HOOK_TESTS = Path(__file__).with_name("test_hooks.py")
HOOKS_CHAPTER = "## Hook reference"


def hookspec_functions() -> dict[str, object]:
    return {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, f"{hookspecs.PROJECT}_spec")}


def expected_signature(name: str, fn: object) -> str:
    """``def name(arg: Type, ...) -> Ret`` as written in hookspecs.py (annotations are strings there)."""
    sig = inspect.signature(fn)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"def {name}({params}) -> {sig.return_annotation}"


def _normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return text.replace("( ", "(").replace(" )", ")").replace(",)", ")")


def documented_hooks() -> dict[str, str]:
    """Hook sections of the reference chapter: heading name -> section text."""
    text = DOC.read_text(encoding="utf-8")
    assert HOOKS_CHAPTER in text, f"{DOC} has no '{HOOKS_CHAPTER}' chapter"
    chapter = text.split(HOOKS_CHAPTER, 1)[1]
    chapter = re.split(r"^## ", chapter, maxsplit=1, flags=re.M)[0]
    sections = re.split(r"^### ", chapter, flags=re.M)[1:]
    return {section.split("\n", 1)[0].strip().strip("`"): section for section in sections}


def documented_signature(section: str) -> str | None:
    """The first ``def`` of the section's first python block, however it is wrapped."""
    block = re.search(r"```python\n(.*?)```", section, flags=re.S)
    if block is None:
        return None
    found = re.search(r"^def .*?\)\s*->\s*[^\n]+", block.group(1), flags=re.S | re.M)
    return _normalise(found.group(0).rstrip(":")) if found else None


def test_the_spec_module_defines_hooks():
    # Guards the guards: if the marker attribute changed, every other test here would pass on nothing.
    assert len(hookspec_functions()) >= 14
    assert "deliver" in hookspec_functions()


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_every_hook_is_documented_with_its_exact_signature(name):
    sections = documented_hooks()
    assert name in sections, f"docs/plugins.md has no '### {name}' section under '{HOOKS_CHAPTER}'"
    expected = expected_signature(name, hookspec_functions()[name])
    assert documented_signature(sections[name]) == expected, (
        f"docs/plugins.md documents {name} with another signature; hookspecs.py says:\n{expected}")


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_every_hook_documents_how_it_is_called(name):
    section = re.sub(r"\s+", " ", documented_hooks()[name]).lower()
    firstresult = getattr(hookspec_functions()[name], f"{hookspecs.PROJECT}_spec").get("firstresult", False)
    says_first = "firstresult" in section and "not firstresult" not in section
    assert says_first == firstresult, (
        f"docs/plugins.md must say whether {name} is firstresult ({firstresult}): "
        "write 'firstresult' or 'not firstresult' (every implementation is called, results collected)")
    assert "example" in section, f"the {name} section has no example"


def test_no_documented_hook_is_missing_from_the_spec():
    unknown = sorted(set(documented_hooks()) - set(hookspec_functions()))
    assert not unknown, f"docs/plugins.md documents hooks that hookspecs.py does not define: {unknown}"


def hook_test_names() -> list[str]:
    tree = ast.parse(HOOK_TESTS.read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def test_every_hook_has_a_test():
    names = hook_test_names()
    missing = sorted(hook for hook in hookspec_functions()
                     if not any(re.fullmatch(rf"test_hook_{hook}(_\w+)?", test) for test in names))
    assert not missing, f"tests/plugins_api/test_hooks.py has no test_hook_<name>... test for: {missing}"


def test_hook_tests_name_existing_hooks():
    # A renamed or removed hook must not leave tests claiming to cover it.
    hooks = sorted(hookspec_functions(), key=len, reverse=True)
    strays = [test for test in hook_test_names() if test.startswith("test_hook_")
              and not any(re.fullmatch(rf"test_hook_{hook}(_\w+)?", test) for hook in hooks)]
    assert not strays, f"these tests name no existing hook: {strays}"
