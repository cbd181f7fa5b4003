"""The administration's tests: an administrator and a directory manager signed in (API tests), and the browser
fixtures (a live site, fresh pages, sign-in) for the browser tests."""
import pytest

from browser.conftest import artifacts, make_site, new_page, sign_in, site  # noqa: F401  (pytest fixtures)
from kernel import testing
from support.factories import make_account


@pytest.fixture
def admin(app):
    return testing.sign_in(app, make_account("admin", "Ada", "Admin", is_admin=True))


@pytest.fixture
def manager(app):
    account = make_account("gestion", "Gaston", "Gestion")
    account.directory_manager = True
    account.save()
    return testing.sign_in(app, account)
