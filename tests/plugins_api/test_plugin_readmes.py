"""Every plugin shipped in plugins/ says what it does in a README.md of its own folder (where a deployer or a
plugin author looks first)."""
from __future__ import annotations

from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def test_every_plugin_folder_has_a_readme():
    folders = [p for p in PLUGINS.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert len(folders) >= 9
    missing = [p.name for p in folders if not (p / "README.md").is_file()]
    assert missing == []
