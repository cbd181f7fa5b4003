"""Taking a Playwright page offline for good before the next step."""
from __future__ import annotations

from typing import Any


def go_offline(page: Any) -> None:
    """``context.set_offline(True)``, then wait until a request the app's service worker lets through fails too:
    those reach the network on the worker's own path, which Chromium cuts a moment after the page's."""
    page.context.set_offline(True)
    for _ in range(100):
        if page.evaluate("() => fetch('/healthz', { method: 'HEAD' }).then(() => false, () => true)"):
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page still reaches the server 5 s after going offline")
