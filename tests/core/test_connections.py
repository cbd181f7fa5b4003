"""Database connections are pooled and every request gives its connection back."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from support.factories import bearer, make_account


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_requests_on_many_threads_return_their_connections(make_app, backend):
    app = make_app(backend)
    with app.app_context():
        alice = make_account("alice")
        headers = bearer(alice)
    database = app.extensions["relais"].database

    def ask(_: int) -> int:
        return app.test_client().get("/api/v1/exchanges", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(ask, range(120)))
    assert statuses == [200] * 120
    # Nothing is held once the requests are over, and connections were reused, not opened per request.
    assert database._in_use == {}
    assert 1 <= len(database._connections) <= 7
