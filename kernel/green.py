"""Whether this process runs on gevent (a ``relais serve`` worker: threads, sockets and locks are greenlets'),
and work left for when the current greenlet waits.

The threaded server (tests, ``relais serve --threaded``) and the side process are not patched: there,
``when_waiting`` runs nothing and says so, and the caller does the work at once.
"""
from __future__ import annotations

import logging
import sys
from typing import Callable

log = logging.getLogger(__name__)


def is_green() -> bool:
    """Whether gevent patched this process (threads are then greenlets)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def when_waiting(action: Callable[[], None]) -> bool:
    """Under gevent, run ``action`` in a greenlet of its own, which starts once the current greenlet waits for
    something: a request's greenlet waits when its answer is written (or when the socket cannot take it all at
    once) and when it reads the next request. Work started this way runs in the order it was asked for.
    False elsewhere: nothing was started, the caller runs ``action`` itself."""
    if not is_green():
        return False
    import gevent

    gevent.spawn(_logged, action)
    return True


def _logged(action: Callable[[], None]) -> None:
    try:
        action()
    except Exception:  # a greenlet's failure would only reach stderr
        log.exception("work left for when the greenlet waits failed")
