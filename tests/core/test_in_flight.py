"""A threaded server's stop waits for the requests still being answered (kernel/in_flight.py): the database a
test's teardown closes next, or the process's exit, never goes from under a running query (with SQLite, closing a
connection under a query crashed the whole test process)."""
from __future__ import annotations

import threading
import time
import urllib.request

from kernel.in_flight import InFlight
from kernel.models import Account
from kernel.testing.live import LiveServer


def test_stop_waits_for_a_request_still_being_answered_then_the_database_can_close(make_app) -> None:
    app = make_app("sqlite")
    entered = threading.Event()

    @app.get("/_slow")
    def slow():
        entered.set()
        time.sleep(0.6)
        return {"accounts": Account.select().count()}  # a query after the client's stop was asked

    server = LiveServer(app)
    url = server.start()
    answers: list = []
    client = threading.Thread(target=lambda: answers.append(urllib.request.urlopen(url + "/_slow", timeout=10).read()))
    client.start()
    assert entered.wait(5)
    began = time.monotonic()
    server.stop()
    waited = time.monotonic() - began
    app.extensions["relais"].database.close_all()  # what the test apps' teardown does next
    client.join(5)
    assert answers == [b'{"accounts":0}\n'] and waited >= 0.4


def test_the_count_follows_the_response_until_it_is_closed() -> None:
    calls: list[str] = []

    def app(environ, start_response):
        start_response("200 OK", [])
        calls.append("called")
        return [b"a", b"b"]

    tracked = InFlight(app)
    response = tracked({}, lambda *a: None)
    assert tracked.count == 1 and not tracked.wait(0.05)
    assert b"".join(response) == b"ab"
    response.close()
    assert tracked.count == 0 and tracked.wait(0)


def test_a_request_that_fails_is_not_counted_forever() -> None:
    def app(environ, start_response):
        raise RuntimeError("boom")

    tracked = InFlight(app)
    try:
        tracked({}, lambda *a: None)
    except RuntimeError:
        pass
    assert tracked.count == 0
