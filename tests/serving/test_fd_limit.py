"""A node whose open-file limit is below what one worker is told to hold says so when it starts (each socket is a
descriptor, and the limit is per process): the fix is a higher hard limit or more workers."""
from __future__ import annotations

import logging
import resource

import pytest

pytest.importorskip("gevent")
from kernel.serving import arbiter  # noqa: E402


@pytest.mark.parametrize("soft, warned", [(20_000, True), (40_000, False), (resource.RLIM_INFINITY, False)])
def test_the_limit_is_checked_against_the_sockets_a_worker_takes(monkeypatch, caplog, soft, warned):
    monkeypatch.setattr(arbiter.resource, "getrlimit", lambda which: (soft, soft))
    with caplog.at_level(logging.WARNING, logger=arbiter.__name__):
        arbiter.check_fd_limit(20_000)
    assert any("--workers" in r.getMessage() for r in caplog.records) is warned
