"""In the demo only: the test endpoint (listener.py) on a loopback port, standing for the regional record, so
a document pushed there in the demo shows « Intégré ». Started by ``relais demo`` as a service."""
from __future__ import annotations

import logging

from flask import current_app

from kernel import current_relais

from .instances import PLUGIN
from .listener import LoopbackEndpoint
from .push import DEMO_ENDPOINT

log = logging.getLogger(__name__)


class DemoEndpoint:
    name = DEMO_ENDPOINT

    def __init__(self) -> None:
        self.endpoint: LoopbackEndpoint | None = None

    def start(self) -> None:
        port = int(current_relais().plugin_settings(PLUGIN).get("demo_port", 0))
        self.endpoint = LoopbackEndpoint(token="demo").start("127.0.0.1", port)
        current_app.extensions[DEMO_ENDPOINT] = self.endpoint
        log.info("dpi_fhir: demo endpoint listening on %s", self.endpoint.base_url)

    def stop(self) -> None:
        if self.endpoint is not None:
            self.endpoint.stop()
            self.endpoint = None
