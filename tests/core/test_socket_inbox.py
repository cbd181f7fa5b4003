"""A live socket's inbox, which simple-websocket's reading thread fills while the socket loop empties it:
nothing a client sends is lost between the two."""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable

import pytest

from kernel import live_socket
from kernel.live_socket import Inbox

TOTAL = 200_000


def _race(drain: Callable[[Inbox], list[Any]]) -> list[Any]:
    """What ``drain`` takes out of an inbox another thread fills with 0..TOTAL-1, as fast as it can."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows if there is one
    try:
        inbox, taken, done = Inbox(), [], threading.Event()

        def reading_thread() -> None:  # what simple-websocket's reader does with each frame
            for n in range(TOTAL):
                inbox.append(n)
            done.set()

        thread = threading.Thread(target=reading_thread)
        thread.start()
        while not done.is_set() or inbox:
            taken.extend(drain(inbox))
        thread.join()
        return taken
    finally:
        sys.setswitchinterval(previous)


@pytest.fixture(autouse=True)
def no_flood_limit(monkeypatch):
    monkeypatch.setattr(live_socket, "INBOX_LIMIT", 10**9)  # counting, not flood control, is tested here


def test_draining_while_the_reading_thread_appends_loses_nothing():
    assert _race(lambda inbox: list(inbox.drain())) == list(range(TOTAL))  # each once, in order


def test_the_race_is_real_copying_then_clearing_loses_messages():
    # The former ``list(inbox); inbox.clear()``: shows the race above is exercised, not assumed away. The reading
    # thread is let in between the copy and the clear (as a thread switch there does, now and then, on its own:
    # left to chance, some runs on a busy machine lost nothing and the test failed).
    def copy_then_clear(inbox: Inbox) -> list[Any]:
        received = list(inbox)
        time.sleep(0.0001)
        inbox.clear()
        return received

    assert len(_race(copy_then_clear)) < TOTAL
