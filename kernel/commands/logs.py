"""The ``relais`` command's logging: the process is the command's, so the command configures it (not the app)."""
from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` (the ``log_level`` setting). A process whose logging is already set up
    (a test runner calling the command in-process) keeps its handlers."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    floor = logging.getLogger().level
    # APScheduler logs every poll of the job table at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, floor))
    # werkzeug sets its logger to INFO when nobody did, which let its lines through at any log_level: it
    # follows the setting like every other logger. (Its per-request line is gone: kernel/server.py.)
    logging.getLogger("werkzeug").setLevel(floor)
