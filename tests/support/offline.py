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


def wait_for_worker(page: Any) -> None:
    """Until the app's service worker controls ``page``: it installs after the first page, and claims the pages
    open then; one that did not (its install failed on a loaded machine) is loaded again, as a user would."""
    for _ in range(3):
        if page.evaluate("""() => navigator.serviceWorker.controller !== null || new Promise((resolve) => {
            navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true });
            setTimeout(() => resolve(false), 5000);
        })"""):
            return
        page.reload()
    raise AssertionError("the app's service worker never controlled the page")
