"""The connector's tests use Relais Santé's testing kit (fixtures ``relais_*``, loaded by pytest on its own once
relais-sante is installed): here, every test's ``relais_app`` has this connector and only it."""
import pytest

from relais_exemple_connecteur import hooks


@pytest.fixture
def relais_plugins():
    return [("exemple_depot", hooks)]


@pytest.fixture
def import_folder(tmp_path):
    return tmp_path / "import"


@pytest.fixture
def relais_settings(import_folder):
    return {"plugin_settings": {"exemple_depot": {"dossier": str(import_folder), "libelle": "Logiciel du cabinet"}}}
