"""Waking the side process's job runner from the workers: a job enqueued by a request must start at once, not at
the next poll, although the runner lives in another process (kernel/serving/arbiter.py says why).

A datagram socket pair, made by the arbiter before anything forks: the workers inherit one end, the side process
is given the other. A wake-up is one byte; when the side process is busy and its buffer full, the byte is
dropped, which is harmless: a wake-up is pending already, and the runner polls anyway (``jobs_poll_seconds``).
"""
from __future__ import annotations

import logging
import socket
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)


def channel() -> tuple[socket.socket, socket.socket]:
    """(the workers' end, the side process's end)."""
    send, receive = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    send.setblocking(False)
    return send, receive


def waker(send: socket.socket) -> Callable[[], None]:
    """What a worker's JobRunner calls instead of waking a runner of its own (it has none started)."""

    def wake() -> None:
        try:
            send.send(b"!")
        except (BlockingIOError, InterruptedError):
            pass  # a wake-up is pending already
        except OSError as exc:  # the side process is gone: its successor polls anyway
            log.debug("job wake-up not sent: %s", exc)

    return wake


def listen(receive: socket.socket, jobs: Any, should_stop: Callable[[], bool]) -> threading.Thread:
    """In the side process: wake ``jobs`` for every byte received, until ``should_stop()``."""
    receive.settimeout(0.5)

    def loop() -> None:
        while not should_stop():
            try:
                receive.recv(64)
            except socket.timeout:
                continue
            except OSError:
                return
            jobs.wake()

    thread = threading.Thread(target=loop, name="relais-jobs-wake", daemon=True)
    thread.start()
    return thread
