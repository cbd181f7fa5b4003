"""The job runner: persisted jobs claimed once, retried with backoff, run by APScheduler.

A job row is written in the same transaction as the data it acts on (``enqueue``), so a crash can
never lose a send that was stored, nor run one that was rolled back; once that transaction commits
(kernel.db.on_commit), the runner is woken so the job starts at once rather than at the next poll.
Any number of runners (threads, processes, machines) may poll the same table: a job is claimed by a
conditional UPDATE that only one of them can win, and a runner that dies mid-job loses its lease
after ``lease_seconds``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import peewee as pw
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ..db import on_commit, utcnow
from ..models.job import DONE, FAILED, PENDING, RUNNING, Job

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class JobType:
    """A kind of job. ``every`` (seconds) or ``cron`` (APScheduler cron fields) make it recurring.

    Handlers get the payload inside an app context; they may run more than once (at-least-once),
    so they must be idempotent.
    """

    name: str
    handler: Handler
    every: float | None = None
    cron: dict[str, Any] = field(default_factory=dict)
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    # Called with the payload and the last error when the job failed for good (its retries ran out), so
    # what it was working on does not stay half-done without anyone knowing.
    on_exhausted: Callable[[dict[str, Any], str], None] | None = None


class UnknownJobType(Exception):
    pass


class JobRunner:
    def __init__(self, app: Any, job_types: list[JobType], poll_seconds: float = 1.0,
                 lease_seconds: int = 300) -> None:
        self.app = app
        self.types = {t.name: t for t in job_types}
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._scheduler: BackgroundScheduler | None = None
        self._tick_lock = threading.Lock()
        # A wake-up is pending (a tick asked for, or the tick under way must go round again): the next
        # commits need not ask for another; the tick clears it as it starts looking for jobs.
        self._woken = threading.Event()
        self._waking = threading.Lock()

    # --- producing -------------------------------------------------------------------------
    def enqueue(self, name: str, payload: dict[str, Any] | None = None, *, delay: float = 0,
                dedupe_key: str | None = None) -> Job | None:
        """Persist a job (in the caller's transaction). Returns None if ``dedupe_key`` already exists."""
        job_type = self.types.get(name)
        if job_type is None:
            raise UnknownJobType(f"no job type {name!r} is registered")
        fields = dict(name=name, payload=payload or {}, max_attempts=job_type.max_attempts,
                      run_at=utcnow() + dt.timedelta(seconds=delay), dedupe_key=dedupe_key)
        if dedupe_key is None:
            job = Job.create(**fields)
        else:
            inserted = Job.insert(**fields).on_conflict_ignore().execute()
            job = Job.get_or_none(Job.dedupe_key == dedupe_key) if inserted else None
        if job is not None and delay <= 0:
            on_commit(self.wake)  # the row is visible to the runner only once committed
        return job

    def wake(self) -> None:
        """Run due jobs now rather than at the next poll (when the runner is started: ``relais serve``)."""
        scheduler = self._scheduler
        if scheduler is None:
            return  # not started (tests, one-off commands): run_pending runs them
        with self._waking:
            if self._woken.is_set():
                return  # a tick is due to look anyway: a burst of commits makes one wake-up, not one each
            self._woken.set()
        try:
            scheduler.add_job(self._tick, misfire_grace_time=None)  # once, as soon as a worker thread is free
        except Exception:  # shutting down: the next start polls anyway
            log.debug("job runner not woken", exc_info=True)

    # --- consuming -------------------------------------------------------------------------
    def run_pending(self, limit: int = 100) -> int:
        """Claim and run due jobs one by one; returns how many ran. Safe to call from several runners."""
        ran = 0
        with self.app.app_context():
            self._reclaim_expired_leases()
            while ran < limit:
                job = self._claim_next()
                if job is None:
                    break
                self._run(job)
                ran += 1
        return ran

    def _reclaim_expired_leases(self) -> None:
        expired = utcnow() - dt.timedelta(seconds=self.lease_seconds)
        (Job.update(status=PENDING, locked_by=None, locked_at=None)
            .where((Job.status == RUNNING) & (Job.locked_at < expired)).execute())

    def _claim_next(self) -> Job | None:
        if not self.types:
            return None
        now = utcnow()
        while True:
            candidate = (Job.select(Job.id)
                         .where((Job.status == PENDING) & (Job.run_at <= now) & Job.name.in_(list(self.types)))
                         .order_by(Job.run_at, Job.id).first())
            if candidate is None:
                return None
            won = (Job.update(status=RUNNING, locked_by=self.worker_id, locked_at=now,
                              attempts=Job.attempts + 1)
                   .where((Job.id == candidate.id) & (Job.status == PENDING)).execute())
            if won:
                return Job.get_by_id(candidate.id)
            # Another runner took it between our SELECT and UPDATE: look again.

    def _run(self, job: Job) -> None:
        job_type = self.types[job.name]
        try:
            job_type.handler(job.payload)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("job %s #%s attempt %s failed: %s", job.name, job.id, job.attempts, reason)
            exhausted = job.attempts >= job.max_attempts
            if exhausted:
                update = dict(status=FAILED, finished_at=utcnow())
            else:
                delay = min(job_type.backoff_seconds * 2 ** (job.attempts - 1), 6 * 3600)
                update = dict(status=PENDING, run_at=utcnow() + dt.timedelta(seconds=delay))
            still_ours = (Job.update(last_error=reason, locked_by=None, locked_at=None, **update)
                          .where((Job.id == job.id) & (Job.locked_by == self.worker_id)).execute())
            # Given up only if this runner still held the job: after a lost lease another runner owns it.
            if exhausted and still_ours and job_type.on_exhausted is not None:
                try:
                    job_type.on_exhausted(job.payload, reason)
                except Exception:
                    log.exception("job %s #%s: its give-up handler failed too", job.name, job.id)
            return
        (Job.update(status=DONE, finished_at=utcnow(), locked_by=None, last_error=None)
            .where((Job.id == job.id) & (Job.locked_by == self.worker_id)).execute())

    # --- scheduling ------------------------------------------------------------------------
    def start(self) -> None:
        """Start polling and the recurring jobs in background threads (``relais serve``/``demo``)."""
        if self._scheduler is not None:
            return
        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        scheduler.add_job(self._tick, IntervalTrigger(seconds=self.poll_seconds), id="relais-jobs-poll")
        for job_type in self.types.values():
            trigger = None
            if job_type.every:
                trigger = IntervalTrigger(seconds=job_type.every)
            elif job_type.cron:
                trigger = CronTrigger(timezone="UTC", **job_type.cron)
            if trigger is not None:
                scheduler.add_job(self._enqueue_recurring, trigger, args=[job_type.name],
                                  id=f"relais-recurring-{job_type.name}")
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None

    def _tick(self) -> None:
        while True:
            if not self._tick_lock.acquire(blocking=False):
                return  # the tick under way sees _woken once it is done, and goes round again
            try:
                self._woken.clear()
                self.run_pending()
            except Exception:
                log.exception("job runner tick failed")
            finally:
                self._tick_lock.release()
            if not self._woken.is_set():
                return

    def _enqueue_recurring(self, name: str) -> None:
        # One row per time slot whatever the number of instances: the dedupe key is the slot.
        job_type = self.types[name]
        now = utcnow()
        if job_type.every:
            slot = int(now.timestamp() // job_type.every)
        else:
            slot = now.strftime("%Y%m%dT%H%M")
        try:
            with self.app.app_context():
                self.enqueue(name, {}, dedupe_key=f"recurring:{name}@{slot}")
        except pw.PeeweeException:
            log.exception("could not enqueue recurring job %s", name)
