"""The ``relais`` command's logging: the process is the command's, so the command configures it (not the app)."""
from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` (the ``log_level`` setting). A process whose logging is already set up
    (a test runner calling the command in-process) keeps its handlers."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    # APScheduler logs every poll of the job table at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
