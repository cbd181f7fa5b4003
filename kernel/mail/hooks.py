"""The kernel's mail hooks (registered by the app factory beside kernel/core_hooks.py): jobs and receiver."""
from __future__ import annotations

from ..hookspecs import hookimpl
from ..services.jobs import JobType
from .imap import POLL_JOB, poll_imap
from .outbox import SEND_JOB
from .receiver import MailReceiver
from .send_job import give_up, send_outgoing


@hookimpl
def register_jobs() -> list[JobType]:
    # Network failures are retried by the send job itself (mail_retry_seconds, mail_max_attempts);
    # the runner's own retries only cover an unexpected error (a database hiccup); when they run out, the
    # message ends as "échec" with a French reason instead of staying "en attente" forever.
    return [JobType(SEND_JOB, send_outgoing, max_attempts=5, backoff_seconds=30.0, on_exhausted=give_up),
            JobType(POLL_JOB, poll_imap, every=60, max_attempts=1)]


@hookimpl
def register_services() -> list[MailReceiver]:
    return [MailReceiver()]

