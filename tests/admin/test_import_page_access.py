"""The accounts CSV import: the page and the API agree that it is the administrators' business (the API
refuses a directory manager, kernel/models/roles.py may_manage_accounts); the page is neither offered nor
opened to a directory manager, who still creates accounts one by one."""
from __future__ import annotations

from kernel.testing import sign_in
from support.factories import make_account


def _manager(app):
    account = make_account("gestion", "Gaston", "Gestion")
    account.directory_manager = True
    account.save()
    return sign_in(app, account)


def test_a_directory_manager_neither_sees_nor_opens_the_import_page(app):
    manager = _manager(app)

    listing = manager.browser.get("/admin/comptes")
    page = manager.browser.get("/admin/comptes/import")

    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert 'id="new-account"' in html            # one by one: yes
    assert 'id="import-accounts"' not in html     # in bulk: not offered...
    assert page.status_code == 403                # ...nor opened by its address
    api = manager.api.post("/api/v1/admin/accounts/import", data="identifiant;prénom;nom\n".encode(),
                           content_type="text/csv")
    assert api.status_code == 403                 # the API says the same


def test_an_administrator_sees_and_opens_it(app):
    admin = sign_in(app, make_account("admin", "Ada", "Admin", is_admin=True))

    listing = admin.browser.get("/admin/comptes")
    page = admin.browser.get("/admin/comptes/import")

    assert 'id="import-accounts"' in listing.get_data(as_text=True)
    assert page.status_code == 200 and 'id="import-form"' in page.get_data(as_text=True)
