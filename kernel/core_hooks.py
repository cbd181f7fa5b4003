"""The kernel's own hook implementations: housekeeping jobs every platform needs."""
from __future__ import annotations

import datetime as dt

from .auth.sessions import purge_sessions
from .db import utcnow
from .hookspecs import hookimpl
from .models import LiveEvent, LoginAttempt
from .relais import current_relais
from .services.attachments import purge_unattached
from .services.jobs import JobType
from .services.retention import purge_expired


def purge_audit(payload: dict) -> None:
    relais = current_relais()
    relais.audit.purge(relais.config["audit_retention_days"])


def purge_login_attempts(payload: dict) -> None:
    window = current_relais().config["login_lockout_minutes"]
    LoginAttempt.delete().where(LoginAttempt.at < utcnow() - dt.timedelta(minutes=window * 4)).execute()


def purge_browser_sessions(payload: dict) -> None:
    purge_sessions()


def purge_unattached_uploads(payload: dict) -> None:
    # Files uploaded for a message never sent: gone after a day, with their bytes unless another row shares them.
    purge_unattached(current_relais().attachments)


def purge_live_events(payload: dict) -> None:
    # Large live events wait here only for the other instances to read them, within a second or two.
    LiveEvent.delete().where(LiveEvent.created_at < utcnow() - dt.timedelta(minutes=10)).execute()


def purge_expired_exchanges(payload: dict) -> None:
    # Exchanges past their channel's retention period (setting retention_days), files included; audited.
    purge_expired()


@hookimpl
def register_jobs() -> list[JobType]:
    return [
        JobType("kernel.purge_audit", purge_audit, cron={"hour": 3, "minute": 17}, max_attempts=3),
        JobType("kernel.purge_login_attempts", purge_login_attempts, every=3600, max_attempts=1),
        JobType("kernel.purge_live_events", purge_live_events, every=600, max_attempts=1),
        JobType("kernel.purge_unattached_uploads", purge_unattached_uploads, every=3600, max_attempts=1),
        JobType("kernel.purge_browser_sessions", purge_browser_sessions, cron={"hour": 3, "minute": 41},
                max_attempts=3),
        JobType("kernel.purge_expired_exchanges", purge_expired_exchanges, cron={"hour": 3, "minute": 29},
                max_attempts=3),
    ]
