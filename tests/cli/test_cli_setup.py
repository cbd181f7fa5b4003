"""``relais init``, ``relais migrate`` and the global ``--config`` option."""
from __future__ import annotations

import os
import uuid
from contextlib import closing
from pathlib import Path
from typing import Iterator

import psycopg2
import pytest

from kernel.commands.common import describe_database
from kernel.models import Account


def test_init_creates_the_data_folder_and_says_what_it_applied(run, data_dir: Path) -> None:
    result = run("init")

    assert result.exit_code == 0, result.output
    assert data_dir.is_dir()
    assert "kernel : 0001_initial" in result.stdout
    assert "migrations appliquées" in result.stdout or "migration appliquée" in result.stdout
    assert f"Base de données : SQLite, fichier {data_dir.resolve() / 'relais.db'}" in result.stdout
    assert (data_dir / "relais.db").is_file()
    assert "relais user create" in result.stdout  # no account yet: says what to do next


def test_init_twice_applies_nothing_the_second_time(run, initialised) -> None:
    result = run("init")

    assert result.exit_code == 0, result.output
    assert "Aucune migration à appliquer" in result.stdout


def test_migrate_check_lists_pending_migrations_without_applying_them(run, database) -> None:
    result = run("migrate", "--check")

    assert result.exit_code == 1
    assert "en attente" in result.stdout
    assert "kernel : 0001_initial" in result.stdout
    assert "relais migrate" in result.stdout
    with database():
        assert not Account.table_exists()  # nothing applied


def test_migrate_applies_then_check_passes(run) -> None:
    applied = run("migrate")
    check = run("migrate", "--check")

    assert applied.exit_code == 0, applied.output
    assert "kernel : 0001_initial" in applied.stdout
    assert check.exit_code == 0, check.output
    assert "La base de données est à jour." in check.stdout


def test_commands_that_need_the_schema_refuse_an_uninitialised_database(run) -> None:
    result = run("user", "list")

    assert result.exit_code == 1
    assert "n'est pas à jour" in result.stderr
    assert "relais init" in result.stderr


def test_config_option_names_the_toml_file(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("RELAIS_DATA_DIR")
    other = tmp_path / "from-toml"
    config = tmp_path / "relais.toml"
    config.write_text(f'data_dir = "{other}"\nplugins = []\n', encoding="utf-8")

    result = run("--config", str(config), "init")

    assert result.exit_code == 0, result.output
    assert (other / "relais.db").is_file()
    assert "RELAIS_CONFIG" not in os.environ  # restored once the command is over


def test_config_option_with_a_missing_file_is_a_french_error(run, tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "absent.toml"), "init")

    assert result.exit_code == 1
    assert "Erreur : le fichier de configuration" in result.stderr
    assert "n'existe pas" in result.stderr


def test_an_unusable_configuration_is_reported_not_raised(run, tmp_path: Path) -> None:
    config = tmp_path / "relais.toml"
    config.write_text("port = 'huit mille'\n", encoding="utf-8")

    result = run("--config", str(config), "init")

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Erreur : configuration inutilisable" in result.stderr


def test_database_description_never_shows_a_password() -> None:
    assert describe_database("postgresql://relais:s3cret@db.example:5432/relais?sslmode=require") == \
        "postgresql://relais@db.example:5432/relais"
    assert describe_database("sqlite:////srv/relais/relais.db") == "SQLite, fichier /srv/relais/relais.db"


@pytest.fixture
def postgres_schema(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """RELAIS_DATABASE_URL pointed at a fresh schema of the test PostgreSQL database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with closing(psycopg2.connect(postgres_url)) as conn:
        conn.autocommit = True
        conn.cursor().execute(f"CREATE SCHEMA {schema}")
    monkeypatch.setenv("RELAIS_DATABASE_URL", f"{postgres_url}?options=-c%20search_path%3D{schema}")
    yield schema
    with closing(psycopg2.connect(postgres_url)) as conn:
        conn.autocommit = True
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.postgres
def test_the_commands_work_on_postgresql(run, postgres_schema, create_user) -> None:
    before = run("migrate", "--check")
    init = run("init")
    created = create_user("julie.bernard", "--rpps", "10003412870")
    duplicate = create_user("JULIE.BERNARD")
    token = run("token", "create", "--login", "julie.bernard")
    after = run("migrate", "--check")

    assert before.exit_code == 1 and "kernel : 0001_initial" in before.stdout
    assert init.exit_code == 0, init.output
    assert "Base de données : postgresql://" in init.stdout
    assert created.exit_code == 0, created.output
    assert duplicate.exit_code == 1 and "déjà utilisé" in duplicate.stderr
    assert token.exit_code == 0 and token.stdout.startswith("rls_")
    assert after.exit_code == 0


BAD_PLUGIN = '''from pathlib import Path

from kernel import MigrationSet, hookimpl


@hookimpl
def register_migrations():
    return [MigrationSet("cli_bad", Path(__file__).parent / "cli_bad_migrations")]
'''
BOOM_MIGRATION = "def up(migrator, db):\n    raise RuntimeError('colonne impossible')\n"


@pytest.fixture
def plugin_with_a_failing_migration(install_plugins, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugins({"bad": "relais_cli_bad_plugin"},
                    {"relais_cli_bad_plugin.py": BAD_PLUGIN, "cli_bad_migrations/0001_boom.py": BOOM_MIGRATION})
    monkeypatch.setenv("RELAIS_PLUGINS", "bad")


def test_a_plugin_whose_migration_fails_is_reported_and_the_kernel_still_migrates(
        run, plugin_with_a_failing_migration, create_user) -> None:
    init = run("init")
    check = run("migrate", "--check")
    created = create_user("julie.bernard")  # accounts need the kernel's tables only

    assert init.exit_code == 1
    assert "kernel : 0001_initial" in init.stdout
    assert "cli_bad" not in init.stdout
    assert "l'extension « bad » est écartée" in init.stderr and "colonne impossible" in init.stderr
    assert check.exit_code == 1 and "cli_bad : 0001_boom" in check.stdout
    assert created.exit_code == 0, created.output
