"""Keeping Python's full garbage collections short in a worker holding thousands of sockets.

Each open socket is about 125 objects the collector tracks (simple-websocket's, wsproto's, gevent's, the
request's). CPython's full (generation 2) collection walks every one of them, and under traffic it runs every
few tens of seconds: at 10,000 sockets in a worker a pause of 0.4 to 1.2 s, measured (gc.callbacks), during
which the worker delivers nothing: that pause was the fan-out's p99.

So every ``FREEZE_SECONDS`` the worker moves everything alive to the collector's permanent generation
(``gc.freeze()``, O(1)): sockets opened since are frozen within seconds, and a full collection then walks only
what was made since the last freeze (19 ms at 10,000 sockets, where 436 ms without). What is frozen is still
freed when its last reference goes; only a reference cycle among frozen objects is not: a closed socket leaves
about 10 objects in cycles (flask-sock's class made per socket; kernel/ws.py lets go of the rest, 70 before).
So every ``THAW_SECONDS`` everything is thawed and collected once (the one long pause, once per period), then
frozen again.
"""
from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)
FREEZE_SECONDS = 10.0
THAW_SECONDS = 600.0


class Settler:
    def __init__(self, now: float) -> None:
        self.next_freeze = now + FREEZE_SECONDS
        self.next_thaw = now + THAW_SECONDS

    def tick(self, now: float) -> None:
        if now >= self.next_thaw:
            self.next_thaw = now + THAW_SECONDS
            began = time.perf_counter()
            gc.unfreeze()
            found = gc.collect()
            log.debug("garbage collector: %d objects collected after the thaw in %.0f ms", found,
                      (time.perf_counter() - began) * 1000)
            self.next_freeze = now  # what survived is frozen again at once
        if now >= self.next_freeze:
            self.next_freeze = now + FREEZE_SECONDS
            gc.freeze()


def run_forever() -> None:
    """The worker's greenlet (kernel/serving/worker.py)."""
    import gevent

    settler = Settler(time.monotonic())
    while True:
        gevent.sleep(1.0)
        try:
            settler.tick(time.monotonic())
        except Exception:  # never the end of the worker's loop
            log.exception("garbage collector settling failed")
