"""The administration's lists cost a fixed number of queries, however many rows a page shows."""
from __future__ import annotations

from kernel.testing import make_structure, sign_in
from support.factories import make_account
from support.query_counter import count_queries


def _queries(app, client, url: str) -> int:
    client.get(url)  # the credential's own stamp (last used) is written at most once a minute: out of the count
    with count_queries(app) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_account_and_structure_lists_do_not_grow_with_their_rows(sqlite_app):
    app = sqlite_app
    admin = sign_in(app, make_account("admin", is_admin=True))
    for n in range(3):
        make_account(f"pro{n}", addresses=(f"pro{n}@cabinet.mssante.fr",))
        make_structure(f"Structure {n}")
    few = {url: _queries(app, client, url) for client in (admin.api, admin.browser)
           for url in (("/api/v1/admin/accounts", "/api/v1/admin/structures") if client is admin.api
                       else ("/admin/comptes", "/admin/structures"))}
    for n in range(3, 20):
        make_account(f"pro{n}", addresses=(f"pro{n}@cabinet.mssante.fr",))
        make_structure(f"Structure {n}")
    for url, count in few.items():
        client = admin.api if url.startswith("/api") else admin.browser
        assert _queries(app, client, url) == count, url
