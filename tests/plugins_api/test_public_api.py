"""The public plugin API: what the public modules export exists, is documented, and is all the docs use."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.testing.import_contracts import PUBLIC_MODULES

ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DOC = ROOT / "docs" / "plugins.md"
DOCS = [PLUGINS_DOC, ROOT / "docs" / "plugin-tutorial.md"]
EXPORTING = ["kernel", "kernel.mail", "kernel.schemas", "kernel.testing"]


def _section(title: str) -> str:
    return PLUGINS_DOC.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_docs_list_exactly_the_public_modules():
    listed = re.findall(r"^\| `([a-z_.]+)` \|", _section("The public plugin API"), re.M)
    assert listed == list(PUBLIC_MODULES)


@pytest.mark.parametrize("module", EXPORTING)
def test_every_export_exists_and_is_documented(module):
    public = importlib.import_module(module)
    text = PLUGINS_DOC.read_text(encoding="utf-8")
    # A whole name after a backtick (`Event` is not documented by `EventType`): `Event`, `Event(...)`, `Event.x`.
    missing = [name for name in public.__all__ if not re.search(rf"`{re.escape(name)}(?!\w)", text)]
    assert not missing, f"{module} exports names docs/plugins.md does not mention: {missing}"
    for name in public.__all__:
        assert getattr(public, name) is not None


def test_the_mail_transport_loads_its_names_on_first_use():
    # kernel.models imports the transport's tables: an eager kernel.mail would import them back while they load.
    code = ("import kernel.mail as m; assert 'clean_html' not in vars(m); "
            "from kernel.mail import queue_mail, clean_html, accept; assert 'clean_html' in vars(m); "
            "import kernel.models; "
            "assert m.queue_mail.__module__ == 'kernel.mail.outbox'; assert 'queue_mail' in dir(m)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    with pytest.raises(AttributeError, match="no attribute 'send_outgoing'"):
        importlib.import_module("kernel.mail").send_outgoing


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_each_public_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_code_imports_only_public_modules(doc):
    blocks = re.findall(r"^```python[^\n]*\n(.*?)^```$", doc.read_text(encoding="utf-8"), re.M | re.S)
    # By line: the hook reference shows signatures without bodies, which do not parse.
    imported = {a or b for block in blocks
                for a, b in re.findall(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", block, re.M)}
    kernel = {m for m in imported if m == "kernel" or m.startswith("kernel.")}
    assert kernel and kernel <= set(PUBLIC_MODULES), kernel - set(PUBLIC_MODULES)
