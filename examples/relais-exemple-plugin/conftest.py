"""The plugin's tests use Relais Santé's testing kit (fixtures ``relais_*``, loaded by pytest on its own once
relais-sante is installed): here, every test's ``relais_app`` has this plugin and only it."""
import pytest

from relais_exemple_rappel import hooks


@pytest.fixture
def relais_plugins():
    return [("exemple_rappel", hooks)]
