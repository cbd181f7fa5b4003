"""kernel/config.py: defaults, the TOML file named by RELAIS_CONFIG, RELAIS_* variables, overrides.

Every test passes ``environ`` explicitly, so the machine's own RELAIS_* variables never leak in.
(`*builtin` expansion in the plugins list is the plugin manager's business and is tested with it.)
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kernel.config import Config, ConfigError, load_config
from kernel.settings import BY_NAME, SETTINGS, parse_env_value


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def toml(tmp_path: Path, data_dir: Path):
    """Write a TOML file (data_dir pointed into tmp_path) and return the environment naming it."""

    def write(text: str, **env: str) -> dict[str, str]:
        path = tmp_path / "relais.toml"
        path.write_text(f'data_dir = "{data_dir}"\n' + text, encoding="utf-8")
        return {"RELAIS_CONFIG": str(path), **env}

    return write


def load(data_dir: Path, environ: dict[str, str] | None = None, **overrides):
    return load_config({"data_dir": str(data_dir), **overrides}, environ=environ or {})


# ---------------------------------------------------------------- defaults and derived values

def test_defaults_apply_without_file_or_environment(data_dir):
    config = load(data_dir)
    assert isinstance(config, Config)
    for setting in SETTINGS:
        if setting.name in {"data_dir", "database_url", "attachments_dir", "secret_key"}:
            continue  # derived below
        assert config[setting.name] == setting.default, setting.name
    assert config.plugin("anything") == {}


def test_derived_paths_live_under_the_data_dir(data_dir):
    config = load(data_dir)
    assert config["data_dir"] == str(data_dir.resolve())
    assert config.data_dir == data_dir.resolve()
    assert config["database_url"] == f"sqlite:///{data_dir.resolve() / 'relais.db'}"
    assert config["attachments_dir"] == str(data_dir.resolve() / "attachments")


def test_relative_data_dir_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config({"data_dir": "rel/data"}, environ={})
    assert config["data_dir"] == str(tmp_path.resolve() / "rel" / "data")


def test_explicit_database_and_attachments_are_kept(data_dir, tmp_path):
    config = load(data_dir, database_url="postgresql://relais@127.0.0.1:5432/relais",
                  attachments_dir=str(tmp_path / "files"))
    assert config["database_url"] == "postgresql://relais@127.0.0.1:5432/relais"
    assert config["attachments_dir"] == str(tmp_path / "files")


# ---------------------------------------------------------------- the secret key

def test_secret_key_is_generated_once_and_persisted_private(data_dir):
    first = load(data_dir)["secret_key"]
    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load(data_dir)["secret_key"] == first  # a restart keeps sessions valid
    assert load(data_dir.parent / "other")["secret_key"] != first


def test_secret_key_file_is_private_whatever_the_umask(data_dir):
    old = os.umask(0)
    try:
        load(data_dir)
    finally:
        os.umask(old)
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600


def test_given_secret_key_writes_no_file(data_dir):
    config = load(data_dir, environ={"RELAIS_SECRET_KEY": "from-the-environment"})
    assert config["secret_key"] == "from-the-environment"
    assert not (data_dir / "secret_key").exists()


# ---------------------------------------------------------------- the TOML file

def test_toml_file_sets_kernel_and_plugin_settings(toml, data_dir):
    env = toml("""
port = 9000
behind_tls = true
plugins = ["conversation", "mssante_mail"]
jobs_poll_seconds = 2
base_url = "https://relais.example.org"

[plugin.mssante_mail]
smtp_host = "smtp.operateur.example"
smtp_port = 587

[plugin.visio]
room_prefix = "relais-"
""")
    config = load_config(environ=env)
    assert config["data_dir"] == str(data_dir.resolve())
    assert config["port"] == 9000
    assert config["behind_tls"] is True
    assert config["plugins"] == ["conversation", "mssante_mail"]
    assert config["jobs_poll_seconds"] == 2.0 and isinstance(config["jobs_poll_seconds"], float)
    assert config["base_url"] == "https://relais.example.org"
    # TOML keeps the plugin values' own types
    assert config.plugin("mssante_mail") == {"smtp_host": "smtp.operateur.example", "smtp_port": 587}
    assert config.plugin("visio") == {"room_prefix": "relais-"}
    assert "plugin" not in config


def test_plugin_settings_are_a_copy(toml):
    config = load_config(environ=toml('[plugin.visio]\nroom_prefix = "a"\n'))
    config.plugin("visio")["room_prefix"] = "changed"
    assert config.plugin("visio") == {"room_prefix": "a"}


def test_missing_toml_file_is_a_config_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="RELAIS_CONFIG") as exc:
        load_config(environ={"RELAIS_CONFIG": str(missing)})
    assert str(missing) in str(exc.value)


def test_invalid_toml_is_a_config_error(toml):
    with pytest.raises(ConfigError, match="TOML invalide"):
        load_config(environ=toml("port = = 3\n"))


def test_unknown_setting_in_toml_is_refused(toml):
    with pytest.raises(ConfigError, match="réglage inconnu 'prot'"):
        load_config(environ=toml("prot = 9000\n"))


def test_unknown_setting_in_overrides_is_refused(data_dir):
    with pytest.raises(ConfigError, match="réglage inconnu 'colour'"):
        load(data_dir, colour="blue")


@pytest.mark.parametrize("line, name", [
    ('port = "8000"', "port"),
    ("port = true", "port"),            # a bool is not an int here
    ("port = 80.5", "port"),
    ('behind_tls = "yes"', "behind_tls"),
    ('plugins = "conversation"', "plugins"),
    ("base_url = 3", "base_url"),
    ('jobs_poll_seconds = "1"', "jobs_poll_seconds"),
])
def test_wrong_type_in_toml_names_the_setting(toml, line, name):
    with pytest.raises(ConfigError) as exc:
        load_config(environ=toml(line + "\n"))
    message = str(exc.value)
    assert name in message and BY_NAME[name].kind.__name__ in message


def test_wrong_type_in_overrides_names_the_setting(data_dir):
    with pytest.raises(ConfigError, match="session_hours doit être de type int"):
        load(data_dir, session_hours="12")


# ---------------------------------------------------------------- environment variables

def test_every_setting_has_its_relais_variable():
    for setting in SETTINGS:
        assert setting.env == "RELAIS_" + setting.name.upper()


def test_environment_overrides_the_toml_file(toml):
    env = toml("port = 9000\nhost = \"0.0.0.0\"\n", RELAIS_PORT="9100")
    config = load_config(environ=env)
    assert config["port"] == 9100
    assert config["host"] == "0.0.0.0"  # untouched by the environment: the file's value stays


def test_overrides_win_over_environment_and_file(toml):
    env = toml("port = 9000\n", RELAIS_PORT="9100")
    config = load_config({"port": 9200}, environ=env)
    assert config["port"] == 9200


def test_environment_values_are_typed(data_dir):
    config = load(data_dir, environ={
        "RELAIS_PORT": "8443",
        "RELAIS_JOBS_POLL_SECONDS": "0.25",
        "RELAIS_BEHIND_TLS": "oui",
        "RELAIS_PLUGINS": "conversation, mssante_mail,,visio ",
        "RELAIS_LOG_LEVEL": "DEBUG",
    })
    assert config["port"] == 8443
    assert config["jobs_poll_seconds"] == 0.25
    assert config["behind_tls"] is True
    assert config["plugins"] == ["conversation", "mssante_mail", "visio"]
    assert config["log_level"] == "DEBUG"


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True), ("oui", True), (" Oui ", True),
    ("0", False), ("false", False), ("no", False), ("non", False), ("", False),
])
def test_boolean_variables(raw, expected):
    assert parse_env_value(BY_NAME["behind_tls"], raw) is expected


@pytest.mark.parametrize("name, raw", [
    ("port", "huit-mille"),
    ("session_hours", "1.5"),
    ("jobs_poll_seconds", "vite"),
    ("attachment_max_bytes", "25MB"),
])
def test_wrong_type_in_environment_names_the_variable(data_dir, name, raw):
    variable = BY_NAME[name].env
    with pytest.raises(ConfigError) as exc:
        load(data_dir, environ={variable: raw})
    assert variable in str(exc.value)
    assert BY_NAME[name].kind.__name__ in str(exc.value)


def test_plugin_settings_from_environment(data_dir):
    config = load(data_dir, environ={
        "RELAIS_PLUGIN_MSSANTE_MAIL__SMTP_HOST": "smtp.operateur.example",
        "RELAIS_PLUGIN_MSSANTE_MAIL__SMTP_PORT": "587",
        "RELAIS_PLUGIN_VISIO__ROOM_PREFIX": "relais-",
        "RELAIS_PLUGIN_NODOUBLEUNDERSCORE": "ignored",
        "RELAIS_PLUGINS": "conversation",  # the kernel setting, not a plugin setting
    })
    # environment values stay text: the plugin parses them
    assert config.plugin("mssante_mail") == {"smtp_host": "smtp.operateur.example", "smtp_port": "587"}
    assert config.plugin("visio") == {"room_prefix": "relais-"}
    assert config["plugins"] == ["conversation"]
    assert set(config["plugin_settings"]) == {"mssante_mail", "visio"}


def test_plugin_environment_overrides_plugin_toml_key_by_key(toml):
    env = toml('[plugin.mssante_mail]\nsmtp_host = "from-file"\nsmtp_port = 25\n',
               RELAIS_PLUGIN_MSSANTE_MAIL__SMTP_HOST="from-env")
    config = load_config(environ=env)
    assert config.plugin("mssante_mail") == {"smtp_host": "from-env", "smtp_port": 25}


def test_plugin_overrides_win_over_environment(data_dir):
    config = load(data_dir, environ={"RELAIS_PLUGIN_VISIO__ROOM_PREFIX": "env-", "RELAIS_PLUGIN_VISIO__SIZE": "4"},
                  plugin_settings={"visio": {"room_prefix": "test-"}})
    assert config.plugin("visio") == {"room_prefix": "test-", "size": "4"}


def test_an_unknown_event_backend_is_refused(data_dir):
    with pytest.raises(ConfigError, match="event_backend"):
        load(data_dir, event_backend="postgres")


def test_a_misspelt_variable_is_reported(data_dir, caplog):
    load(data_dir, environ={"RELAIS_DATABSE_URL": "postgresql://x"})
    assert "RELAIS_DATABSE_URL is not a Relais setting" in caplog.text


def test_a_renamed_setting_still_works_with_a_warning(toml, data_dir, caplog):
    # session_cookie_secure became behind_tls: a deployer's existing file must not stop the platform.
    config = load_config(environ=toml("session_cookie_secure = true\n"))
    assert config["behind_tls"] is True
    assert "session_cookie_secure is now called behind_tls" in caplog.text
    caplog.clear()
    config = load(data_dir, environ={"RELAIS_SESSION_COOKIE_SECURE": "true"})
    assert config["behind_tls"] is True
    assert "now called behind_tls" in caplog.text and "not a Relais setting" not in caplog.text


def test_the_new_name_wins_over_the_renamed_one(data_dir):
    config = load(data_dir, environ={"RELAIS_SESSION_COOKIE_SECURE": "true", "RELAIS_BEHIND_TLS": "false"})
    assert config["behind_tls"] is False


def test_a_pool_of_no_connection_is_refused_in_french(toml):
    with pytest.raises(ConfigError, match="database_pool_size doit valoir au moins 1, pas 0"):
        load_config(environ=toml("database_pool_size = 0\n"))
    assert load_config(environ=toml("database_pool_size = 8\n"))["database_pool_size"] == 8


def test_the_pool_size_bounds_each_process_postgresql_connections(make_app):
    from kernel.db import open_database

    from support.pg_cluster import DEFAULT_URL
    db = open_database(DEFAULT_URL, pool_size=3)
    assert db._max_connections == 3
