"""Load the configuration: defaults, then the TOML file named by RELAIS_CONFIG, then RELAIS_* variables."""
from __future__ import annotations

import logging
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Mapping

from .settings import BY_NAME, SETTINGS, parse_env_value


log = logging.getLogger(__name__)


class ConfigError(Exception):
    """The configuration cannot be used; the message (in French, for the deployer) says which setting and why."""


class Config(dict):
    """Kernel settings plus one sub-dict of settings per plugin (``config.plugin("name")``)."""

    def plugin(self, name: str) -> dict[str, Any]:
        return dict(self.get("plugin_settings", {}).get(name, {}))

    @property
    def data_dir(self) -> Path:
        return Path(self["data_dir"])


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Build the effective configuration. ``overrides`` (used by tests and the CLI) win over everything."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    plugin_settings: dict[str, dict[str, Any]] = {}

    path = environ.get("RELAIS_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ConfigError(f"RELAIS_CONFIG désigne {path!r}, qui n'existe pas") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} : TOML invalide : {exc}") from exc
        plugin_settings.update({k: dict(v) for k, v in data.pop("plugin", {}).items()})
        _merge(values, data, source=path)

    for old_name, setting_name in RENAMED.items():
        raw = environ.get("RELAIS_" + old_name.upper())
        if raw is not None and BY_NAME[setting_name].env not in environ:
            _warn_renamed(old_name, setting_name)
            values[setting_name] = parse_env_value(BY_NAME[setting_name], raw)
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is not None:
            try:
                values[setting.name] = parse_env_value(setting, raw)
            except ValueError as exc:
                raise ConfigError(f"{setting.env}={raw!r} : valeur de type {_kind(setting.kind)} attendue") from exc
    # RELAIS_PLUGIN_<NAME>__<KEY>=value sets one plugin setting (double underscore separates).
    for key, raw in environ.items():
        if key.startswith("RELAIS_PLUGIN_") and "__" in key:
            name, _, setting_name = key[len("RELAIS_PLUGIN_"):].partition("__")
            plugin_settings.setdefault(name.lower(), {})[setting_name.lower()] = raw

    if overrides:
        overrides = dict(overrides)
        for name, settings in overrides.pop("plugin_settings", {}).items():
            plugin_settings.setdefault(name, {}).update(settings)
        _merge(values, overrides, source="overrides")

    values["plugin_settings"] = plugin_settings
    if values["event_backend"] not in EVENT_BACKENDS:
        raise ConfigError(f"event_backend : {values['event_backend']!r} inconnu ; valeurs possibles : "
                          f"{', '.join(EVENT_BACKENDS)}")
    _warn_unknown_variables(environ)
    config = Config(values)
    _derive(config)
    if config["event_backend"] == "postgres" and not config["database_url"].startswith(("postgres://", "postgresql://")):
        raise ConfigError("event_backend : « postgres » fait passer les événements en direct par la base "
                          "PostgreSQL ; database_url doit donc désigner une base PostgreSQL "
                          f"(actuellement {config['database_url'].split(':', 1)[0]}).")
    return config


EVENT_BACKENDS = ("local", "postgres")
# Settings that changed name: an existing configuration keeps working, with a warning to update it.
RENAMED = {"session_cookie_secure": "behind_tls"}
# RELAIS_* variables that are not settings but are read elsewhere (tests, the quick-start script).
_OTHER_VARIABLES = {"RELAIS_CONFIG", "RELAIS_REINSTALL", *("RELAIS_" + name.upper() for name in RENAMED)}


def _warn_unknown_variables(environ: Mapping[str, str]) -> None:
    """A misspelt variable would otherwise be ignored without a word."""
    known = {s.env for s in SETTINGS} | _OTHER_VARIABLES
    for key in environ:
        if (key.startswith("RELAIS_") and key not in known and not key.startswith("RELAIS_PLUGIN_")
                and not key.startswith("RELAIS_TEST_")):
            log.warning("environment variable %s is not a Relais setting (misspelt?); ignored", key)


def _warn_renamed(old_name: str, new_name: str) -> None:
    log.warning("setting %s is now called %s; rename it in the configuration", old_name, new_name)


def _merge(values: dict[str, Any], data: Mapping[str, Any], source: str) -> None:
    for key, value in data.items():
        if key in RENAMED and RENAMED[key] not in data:
            _warn_renamed(key, RENAMED[key])
            key = RENAMED[key]
        setting = BY_NAME.get(key)
        if setting is None:
            raise ConfigError(f"{source} : réglage inconnu {key!r} (voir docs/configuration.md)")
        if setting.kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, setting.kind) or (setting.kind is int and isinstance(value, bool)):
            raise ConfigError(f"{source} : {key} doit être de type {_kind(setting.kind)}, pas {value!r}")
        if key in _AT_LEAST and value < _AT_LEAST[key]:
            raise ConfigError(f"{source} : {key} doit valoir au moins {_AT_LEAST[key]}, pas {value!r}")
        values[key] = value


# Numbers below which the platform cannot work at all (a pool of no connection waits forever).
_AT_LEAST = {"database_pool_size": 1}


_KIND_NAMES = {"int": "nombre entier", "float": "nombre", "bool": "booléen", "str": "texte", "list": "liste"}


def _kind(kind: type) -> str:
    """The type as the TOML file would say it, and in words, for a deployer reading the error."""
    return f"{kind.__name__} ({_KIND_NAMES.get(kind.__name__, kind.__name__)})"


def _derive(config: Config) -> None:
    data_dir = Path(config["data_dir"]).expanduser().resolve()
    config["data_dir"] = str(data_dir)
    if not config["database_url"]:
        config["database_url"] = f"sqlite:///{data_dir / 'relais.db'}"
    if not config["attachments_dir"]:
        config["attachments_dir"] = str(data_dir / "attachments")
    if not config["secret_key"]:
        config["secret_key"] = _persistent_secret(data_dir)


def _persistent_secret(data_dir: Path) -> str:
    # Generated once so sessions survive restarts without the deployer having to invent a key.
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
