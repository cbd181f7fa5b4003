"""The job runner: persisted in the sender's transaction, claimed once, retried, never lost by a restart."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from kernel import JobType, create_app, hookimpl
from kernel.db import utcnow, write_transaction
from kernel.models import Job


class Recorder:
    """A plugin with a job that records its payloads and fails while told to."""

    def __init__(self) -> None:
        self.done: list[dict] = []
        self.failures_left = 0
        self.lock = threading.Lock()

    def handle(self, payload: dict) -> None:
        with self.lock:
            if self.failures_left:
                self.failures_left -= 1
                raise ConnectionError("relais injoignable")
            self.done.append(payload)

    @hookimpl
    def register_jobs(self):
        return [JobType("test.record", self.handle, max_attempts=3, backoff_seconds=60),
                JobType("test.tick", self.handle, every=3600)]


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def job_app(make_app, backend, recorder):
    app = make_app(backend, plugins=[("recorder", recorder)])
    with app.app_context():
        yield app


def _jobs(app):
    return app.extensions["relais"].jobs


def test_job_written_with_a_rolled_back_transaction_never_exists(job_app):
    with pytest.raises(RuntimeError):
        with write_transaction():
            _jobs(job_app).enqueue("test.record", {"n": 1})
            raise RuntimeError("the send failed after the job was written")
    assert Job.select().count() == 0


def test_a_restart_loses_no_job(job_app, recorder, backend):
    with write_transaction():
        _jobs(job_app).enqueue("test.record", {"n": 1})
    config = job_app.extensions["relais"].config
    # A new process: same database, same job types, nothing in memory.
    restarted = create_app(config, plugins=[("recorder", recorder)])
    assert restarted.extensions["relais"].jobs.run_pending() == 1
    assert recorder.done == [{"n": 1}]
    with restarted.app_context():
        assert Job.get().status == "done"
        restarted.extensions["relais"].database.close()


def test_failures_are_retried_with_backoff_then_marked_failed(job_app, recorder):
    jobs = _jobs(job_app)
    recorder.failures_left = 1
    job = jobs.enqueue("test.record", {"n": 2})
    assert jobs.run_pending() == 1
    job = Job.get_by_id(job.id)
    assert (job.status, job.attempts, job.last_error) == ("pending", 1, "ConnectionError: relais injoignable")
    assert job.run_at > utcnow() + dt.timedelta(seconds=50)
    assert jobs.run_pending() == 0  # not due yet
    Job.update(run_at=utcnow()).execute()
    assert jobs.run_pending() == 1
    assert Job.get_by_id(job.id).status == "done" and recorder.done == [{"n": 2}]

    recorder.failures_left = 10
    doomed = jobs.enqueue("test.record", {"n": 3})
    for _ in range(3):
        Job.update(run_at=utcnow()).where(Job.id == doomed.id).execute()
        jobs.run_pending()
    doomed = Job.get_by_id(doomed.id)
    assert (doomed.status, doomed.attempts) == ("failed", 3)


def test_each_job_runs_once_with_concurrent_runners(make_app, backend, recorder):
    first = make_app(backend, plugins=[("recorder", recorder)], name="one")
    config = first.extensions["relais"].config
    second = create_app(config, plugins=[("recorder", recorder)])
    with first.app_context():
        for n in range(40):
            first.extensions["relais"].jobs.enqueue("test.record", {"n": n})
    runners = [threading.Thread(target=a.extensions["relais"].jobs.run_pending) for a in (first, second, first)]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    assert sorted(p["n"] for p in recorder.done) == list(range(40))
    second.extensions["relais"].database.close()


def test_a_dead_runners_lease_expires(job_app, recorder):
    job = _jobs(job_app).enqueue("test.record", {"n": 4})
    Job.update(status="running", locked_by="dead-host:1", locked_at=utcnow() - dt.timedelta(hours=1)).execute()
    assert _jobs(job_app).run_pending() == 1
    assert Job.get_by_id(job.id).status == "done"


def test_jobs_of_a_disabled_plugin_wait_for_it(job_app, make_app, backend):
    _jobs(job_app).enqueue("test.record", {"n": 5})
    without = create_app(job_app.extensions["relais"].config, plugins=[])
    assert without.extensions["relais"].jobs.run_pending() == 0
    with job_app.app_context():
        assert Job.get().status == "pending"
    without.extensions["relais"].database.close()


def test_unknown_job_type_is_refused(job_app):
    from kernel.services.jobs import UnknownJobType

    with pytest.raises(UnknownJobType):
        _jobs(job_app).enqueue("nobody.handles.this", {})


def test_recurring_job_is_enqueued_once_per_slot(job_app):
    jobs = _jobs(job_app)
    jobs._enqueue_recurring("test.tick")
    jobs._enqueue_recurring("test.tick")
    assert Job.select().where(Job.name == "test.tick").count() == 1


def test_scheduler_runs_jobs_in_the_background(job_app, recorder):
    jobs = _jobs(job_app)
    jobs.poll_seconds = 0.1
    jobs.enqueue("test.record", {"n": 6})
    job_app.extensions["relais"].database.close()
    jobs.start()
    try:
        deadline = time.monotonic() + 10
        while not recorder.done and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        jobs.shutdown()
    assert recorder.done == [{"n": 6}]


class GivingUp:
    """A job that fails for good, and whose give-up handler records what it was told."""

    def __init__(self, lose_the_lease: bool) -> None:
        self.lose_the_lease = lose_the_lease
        self.given_up: list[tuple[dict, str]] = []

    def handle(self, payload: dict) -> None:
        if self.lose_the_lease:  # another runner took the job over while this attempt was running
            Job.update(locked_by="another-runner").where(Job.name == "test.fragile").execute()
        raise ConnectionError("relais injoignable")

    @hookimpl
    def register_jobs(self):
        return [JobType("test.fragile", self.handle, max_attempts=1,
                        on_exhausted=lambda payload, error: self.given_up.append((payload, error)))]


@pytest.mark.parametrize("lose_the_lease", [False, True])
def test_the_give_up_handler_runs_once_and_only_for_the_runner_holding_the_job(make_app, lose_the_lease):
    plugin = GivingUp(lose_the_lease)
    app = make_app(plugins=[("fragile", plugin)])
    with app.app_context():
        _jobs(app).enqueue("test.fragile", {"mail": 7})
        _jobs(app).run_pending()
        if lose_the_lease:
            assert plugin.given_up == []  # the other runner decides; this one must not fail the mail
        else:
            assert plugin.given_up == [({"mail": 7}, "ConnectionError: relais injoignable")]
            assert Job.get().status == "failed"


class Blocking:
    """A job whose first run waits until the test lets it go, so wake-ups arrive while a tick runs."""

    def __init__(self) -> None:
        self.started, self.go = threading.Event(), threading.Event()
        self.done: list[int] = []

    def handle(self, payload: dict) -> None:
        if not self.done:
            self.started.set()
            assert self.go.wait(10)
        self.done.append(payload["n"])

    @hookimpl
    def register_jobs(self):
        return [JobType("test.blocking", self.handle)]


def test_a_burst_of_committed_jobs_wakes_the_runner_once(make_app, backend, monkeypatch):
    blocking = Blocking()
    app = make_app(backend, plugins=[("blocking", blocking)], jobs_poll_seconds=3600)
    jobs = _jobs(app)
    jobs.start()
    try:
        wake_ups: list[object] = []
        add_job = jobs._scheduler.add_job
        monkeypatch.setattr(jobs._scheduler, "add_job", lambda *a, **kw: wake_ups.append(a) or add_job(*a, **kw))
        with app.app_context():
            jobs.enqueue("test.blocking", {"n": 0})
            assert blocking.started.wait(10)  # the tick it woke is running
            for n in range(1, 21):
                jobs.enqueue("test.blocking", {"n": n})
        # One wake-up for the first job, one for the burst: the running tick goes round again for it.
        assert len(wake_ups) == 2
        blocking.go.set()
        deadline = time.monotonic() + 10
        while len(blocking.done) < 21 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(blocking.done) == list(range(21))
    finally:
        blocking.go.set()
        jobs.shutdown()
