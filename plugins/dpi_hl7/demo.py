"""In the demo only: the test software (listener.py) on a loopback port, so « Envoyer vers mon logiciel »
reaches a software and the user sees « Intégré ». Started by ``relais demo`` as a service."""
from __future__ import annotations

import logging

from flask import current_app

from kernel import current_relais

from .instances import PLUGIN
from .listener import LoopbackSoftware
from .push import DEMO_SOFTWARE

log = logging.getLogger(__name__)


class DemoSoftware:
    name = DEMO_SOFTWARE

    def __init__(self) -> None:
        self.software: LoopbackSoftware | None = None

    def start(self) -> None:
        port = int(current_relais().plugin_settings(PLUGIN).get("demo_port", 0))
        self.software = LoopbackSoftware().start("127.0.0.1", port)
        current_app.extensions[DEMO_SOFTWARE] = self.software
        log.info("dpi_hl7: demo software listening on 127.0.0.1:%s (MLLP)", self.software.port)

    def stop(self) -> None:
        if self.software is not None:
            self.software.stop()
            self.software = None
