"""docs/security.md names only settings that exist: a deployer who sets one it names must not set nothing.

A setting is named in backticks by its configuration name (``behind_tls``), by its environment variable
(``RELAIS_BEHIND_TLS``), as a key of a TOML example, or in the first column of a table headed "setting".
A backticked snake_case word that looks like a setting is taken for one: its first word is a settings
family's (``session_…``, ``mail_…``: the first word of an existing setting) or its last word a setting's
unit (``…_minutes``, ``…_bytes``). Code that looks like one is named qualified (``module.name``,
``name()``) or in words.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from kernel.settings import BY_NAME

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
FAMILIES = {name.split("_")[0] for name in BY_NAME}
UNITS = {"seconds", "minutes", "hours", "days", "bytes", "count", "max", "limit", "tls", "url", "dir", "key",
         "cert", "ca", "host", "port"}
ENV = re.compile(r"RELAIS_[A-Z0-9_]+")
# Variables of the configuration itself, not settings: the file's path, and plugin settings' prefix.
ENV_NOT_SETTINGS = ("RELAIS_CONFIG", "RELAIS_PLUGIN_")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def named_settings(text: str) -> set[str]:
    """Every name ``text`` uses as a setting's (environment variables turned back into setting names)."""
    names: set[str] = set()
    for language, block in FENCE.findall(text):
        if language == "toml":
            names |= {key for key, value in tomllib.loads(block).items() if not isinstance(value, dict)}
    prose = FENCE.sub("", text)
    for quoted in re.findall(r"`([^`\n]+)`", prose):
        if SNAKE.fullmatch(quoted) and looks_like_a_setting(quoted):
            names.add(quoted)
        elif ENV.fullmatch(quoted) and not quoted.startswith(ENV_NOT_SETTINGS):
            names.add(quoted.removeprefix("RELAIS_").lower())
    names |= _table_settings(prose)
    return names


def looks_like_a_setting(name: str) -> bool:
    words = name.split("_")
    return words[0] in FAMILIES or words[-1] in UNITS


def _table_settings(text: str) -> set[str]:
    names, in_table = set(), False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_table = False
        elif cells[0].strip("`").lower() == "setting":
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", ":", " "}:
            names.add(cells[0].strip("`"))
    return names


def unknown_settings(text: str) -> list[str]:
    return sorted(name for name in named_settings(text) if name not in BY_NAME)


def test_every_setting_the_security_doc_names_exists():
    text = DOC.read_text(encoding="utf-8")
    assert not unknown_settings(text), (
        f"docs/security.md names settings kernel/settings.py does not have: {unknown_settings(text)}. Fix the name, "
        "add the setting, or, if it names code rather than a setting, write it qualified (`module.name`, `name()`) "
        "or in words.")
    # The sections every deployer reads name the settings they must set.
    assert {"secret_key", "behind_tls", "proxy_count", "session_hours", "session_idle_minutes"} <= named_settings(text)


def test_a_planted_setting_name_is_caught_in_every_form():
    planted = """
Set `session_idle_minutez`, `upload_quotas_bytes` and `RELAIS_BEHIND_TSL`; `kernel.auth.session_for_cookie`,
`login()` and the mail's `reply_to_differs` are code, `RELAIS_CONFIG` names the file.

```toml
behind_tls = true
sessoin_hours = 8

[plugin.mssante_mail]
audit_timezone = "Europe/Paris"
```

| setting | why |
| --- | --- |
| `secret_key` | signs cookies |
| proxy_cuont | trusted proxies |
"""
    assert unknown_settings(planted) == ["behind_tsl", "proxy_cuont", "session_idle_minutez", "sessoin_hours",
                                         "upload_quotas_bytes"]
    assert {"behind_tls", "secret_key"} <= named_settings(planted)
    assert unknown_settings(DOC.read_text(encoding="utf-8") + planted) != []
