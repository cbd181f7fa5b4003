"""docs/configuration.md documents every setting of kernel/settings.py, with its variable, type and default."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from kernel.config import load_config
from kernel.settings import BY_NAME, SETTINGS, Setting

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
TYPE_WORDS = {str: "string", int: "integer", float: "float", bool: "boolean", list: "list of strings",
              dict: "table"}


def toml_literal(value) -> str:
    """A default as the docs write it: a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):  # an inline table
        return "{ " + ", ".join(f"{key} = {toml_literal(item)}" for key, item in value.items()) + " }"
    return repr(value)


def settings_table() -> dict[str, list[str]]:
    """Rows of the table whose header starts with "| setting |", by setting name."""
    rows: dict[str, list[str]] = {}
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| setting |"):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if set(cells[0]) <= {"-", " "}:
                continue
            name = cells[0].strip("`")
            assert name not in rows, f"{name} is documented twice"
            rows[name] = cells
    return rows


def test_the_settings_table_exists():
    assert DOC.exists()
    assert len(settings_table()) >= 1


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_with_variable_type_and_default(setting: Setting):
    rows = settings_table()
    assert setting.name in rows, f"docs/configuration.md lacks a row for {setting.name}"
    cells = rows[setting.name]
    assert len(cells) == 5, cells
    _, env, kind, default, meaning = cells
    assert env == f"`{setting.env}`"
    assert kind == TYPE_WORDS[setting.kind]
    assert default == f"`{toml_literal(setting.default)}`", (
        f"{setting.name}: the docs say {default}, kernel/settings.py says {toml_literal(setting.default)}")
    assert meaning, f"{setting.name} has no meaning in the docs"


def test_every_setting_and_variable_appears_in_the_text():
    text = DOC.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text
        assert setting.env in text


def test_no_documented_setting_is_stale():
    assert set(settings_table()) <= set(BY_NAME), set(settings_table()) - set(BY_NAME)


def test_the_example_toml_file_is_accepted(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/configuration.md has no TOML example"
    for block in blocks:
        data = tomllib.loads(block)
        assert set(data) - {"plugin"} <= set(BY_NAME)
        path = tmp_path / "relais.toml"
        path.write_text(block, encoding="utf-8")
        # data_dir and secret_key overridden so that loading writes nothing outside tmp_path
        config = load_config({"data_dir": str(tmp_path / "data"), "secret_key": "test"},
                             environ={"RELAIS_CONFIG": str(path)})
        for key, value in data.items():
            if key == "plugin":
                for plugin, settings in value.items():
                    assert config.plugin(plugin) == settings
            elif key != "data_dir":
                assert config[key] == value, key


def test_documented_environment_examples_name_real_settings():
    text = DOC.read_text(encoding="utf-8")
    for variable in set(re.findall(r"\bRELAIS_[A-Z_]+[A-Z]", text)):
        if variable in {"RELAIS_CONFIG", "RELAIS_TEST_POSTGRES_URL", "RELAIS_PLUGIN"}:
            continue  # the file's name, the tests' server, the RELAIS_PLUGIN_<NAME>__<KEY> pattern
        if variable.startswith("RELAIS_PLUGIN_") and "__" in variable:
            continue  # a plugin setting
        name = variable[len("RELAIS_"):].lower()
        assert name in BY_NAME, f"docs/configuration.md mentions {variable}, which is no setting"
