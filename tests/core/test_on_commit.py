"""Actions publish on commit: events and job wake-ups held until the transaction commits, dropped on rollback.

Every test runs on SQLite and PostgreSQL (the ``app`` fixture's backends), with a plugin that declares its
own event type and records what its ``on_event`` hears, beside a socket subscription of the bus.
"""
from __future__ import annotations

import logging
import threading
import time

import pytest

from kernel import SendContext, hookimpl
from kernel.db import database, on_commit, write_transaction
from kernel.event_types import EventType
from kernel.models import Job
from kernel.services.events import Event, publish_on_commit
from kernel.services.jobs import JobType
from support.chat_channel import ChatChannel

PING = EventType("test_commit.ping", "A test event.", fields={"n": "a number"})
QUICK_JOB = "test_commit.quick"


class Recorder:
    """Declares ``test_commit.ping``, hears every event, runs one quick job."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, int]] = []
        self.jobs_run: list[int] = []
        self.job_ran = threading.Event()

    @hookimpl
    def register_event_types(self) -> list[EventType]:
        return [PING]

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.heard.append((event.type, event.data.get("n")))

    @hookimpl
    def register_jobs(self) -> list[JobType]:
        return [JobType(QUICK_JOB, self._run)]

    def _run(self, payload: dict) -> None:
        self.jobs_run.append(payload["n"])
        self.job_ran.set()


class Boom(Exception):
    pass


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def live_app(make_app, backend, recorder):
    app = make_app(backend, plugins=[("test_chat", ChatChannel()), ("recorder", recorder)])
    with app.app_context():
        yield app


@pytest.fixture
def socket(live_app):
    bus = live_app.extensions["relais"].events
    sub = bus.subscribe(1)
    yield sub
    bus.unsubscribe(sub)


def ping(n: int) -> Event:
    return Event(PING.name, None, (1,), {"n": n})


def received(sub) -> list[int]:
    out = []
    while (event := sub.get(timeout=0.01)) is not None:
        out.append(event.data["n"])
    return out


def test_an_event_published_in_a_transaction_that_rolls_back_is_never_delivered(live_app, socket, recorder):
    with pytest.raises(Boom):
        with write_transaction():
            publish_on_commit(ping(1))
            raise Boom
    assert received(socket) == [] and recorder.heard == []
    # Nor later, with the next transaction of the same thread.
    with write_transaction():
        publish_on_commit(ping(2))
    assert received(socket) == [2] and recorder.heard == [(PING.name, 2)]


def test_an_event_published_in_a_transaction_that_commits_is_delivered_once_after_the_commit(
        live_app, socket, recorder):
    with write_transaction():
        publish_on_commit(ping(1))
        assert received(socket) == [] and recorder.heard == []  # not before the commit
    assert received(socket) == [1]
    assert recorder.heard == [(PING.name, 1)]
    assert received(socket) == [] and recorder.heard == [(PING.name, 1)]


def test_outside_a_transaction_an_event_goes_at_once(live_app, socket, recorder):
    publish_on_commit(ping(1), ping(2))
    assert received(socket) == [1, 2] and recorder.heard == [(PING.name, 1), (PING.name, 2)]


def test_a_rolled_back_savepoint_drops_its_own_events_only(live_app, socket, recorder):
    with write_transaction():
        publish_on_commit(ping(1))
        with pytest.raises(Boom):
            with write_transaction():  # nested: a savepoint
                publish_on_commit(ping(2))
                with write_transaction():  # released into the savepoint, rolled back with it
                    publish_on_commit(ping(3))
                raise Boom
        with write_transaction():
            publish_on_commit(ping(4))
        assert received(socket) == []  # a released savepoint is no commit
        publish_on_commit(ping(5))
    assert received(socket) == [1, 4, 5]
    assert [n for _, n in recorder.heard] == [1, 4, 5]


def test_peewee_atomic_blocks_are_tracked_too(live_app, socket):
    with database.atomic():
        publish_on_commit(ping(1))
        with pytest.raises(Boom):
            with database.atomic():
                publish_on_commit(ping(2))
                raise Boom
        assert received(socket) == []
    assert received(socket) == [1]


def test_a_commit_inside_the_block_releases_what_was_held_and_a_rollback_drops_it(live_app, socket):
    with database.atomic() as transaction:
        publish_on_commit(ping(1))
        transaction.commit()
        assert received(socket) == [1]
        publish_on_commit(ping(2))
        transaction.rollback()
    assert received(socket) == []


def test_a_commit_inside_the_block_runs_what_was_held_before_the_next_transaction_begins(live_app, recorder):
    # On PostgreSQL an event's pg_notify and live_event row are written by the action: begun first, the
    # next transaction would take them in, and its rollback would lose them.
    relais = live_app.extensions["relais"]
    in_transaction: list[bool] = []

    def write() -> None:
        in_transaction.append(database.in_transaction())
        relais.jobs.enqueue(QUICK_JOB, {"n": 1})

    with write_transaction() as transaction:
        on_commit(write)
        transaction.commit()
        assert in_transaction == [False]
        relais.jobs.enqueue(QUICK_JOB, {"n": 2})
        transaction.rollback()
    assert [job.payload["n"] for job in Job.select().where(Job.name == QUICK_JOB)] == [1]


def test_a_nested_transaction_commits_or_rolls_back_everything_it_holds(live_app, socket):
    # peewee's transaction() inside another: no frame of its own, but its commit() and rollback() act
    # on the whole database transaction, hence on everything held so far.
    with write_transaction():
        publish_on_commit(ping(1))
        with database.transaction() as nested:
            publish_on_commit(ping(2))
            nested.rollback()
        publish_on_commit(ping(3))
        with database.transaction() as nested:
            nested.commit()
            assert received(socket) == [3]
        publish_on_commit(ping(4))
    assert received(socket) == [4]


def test_peewee_sessions_hold_and_release_like_blocks(live_app, socket):
    database.session_start()
    publish_on_commit(ping(1))
    assert received(socket) == []
    assert database.session_commit()
    assert received(socket) == [1]
    database.session_start()
    publish_on_commit(ping(2))
    assert database.session_rollback()
    with write_transaction():  # the sessions left nothing behind that would hold this one
        publish_on_commit(ping(3))
    assert received(socket) == [3]


def test_a_transaction_that_ended_untracked_does_not_swallow_the_next_ones(live_app, socket, caplog):
    database.transaction().__enter__()
    publish_on_commit(ping(1))
    database.pop_transaction().commit(begin=False)  # peewee's own object: our frame is never told
    with caplog.at_level(logging.WARNING, logger="kernel.db"):
        with write_transaction():
            publish_on_commit(ping(2))
    assert received(socket) == [2]
    assert "dropping 1 action(s) held by a transaction that ended untracked" in caplog.text


def test_in_a_transaction_it_cannot_track_an_action_runs_at_once_with_a_warning(live_app, socket, caplog):
    database.connect(reuse_if_open=True)  # peewee forgets a manual_commit() entered before connecting
    with caplog.at_level(logging.WARNING, logger="kernel.db"):
        with database.manual_commit():
            database.begin()
            publish_on_commit(ping(1))
            assert received(socket) == [1]
            database.rollback()
        database.begin()  # a bare BEGIN: only the driver knows
        publish_on_commit(ping(2))
        assert received(socket) == [2]
        database.commit()
        publish_on_commit(ping(3))  # no transaction: no warning
    assert received(socket) == [3]
    assert caplog.text.count("on_commit asked in a transaction Relais does not track") == 2


def test_deliver_may_still_pass_the_position_of_0_1_which_is_ignored(live_app, socket):
    context = SendContext(live_app.extensions["relais"], "test_chat", None, None, is_new_exchange=False)
    with write_transaction():
        context.publish(PING.name, 1, {"n": 1}, [1])
        with pytest.warns(DeprecationWarning, match=r"position=\.\.\.\) is ignored since 0\.2"):
            context.publish(PING.name, 1, {"n": 2}, [1], position=0)
    assert received(socket) == [1, 2]  # in the order published


def test_actions_run_in_the_order_they_were_asked(live_app, socket):
    order: list[str] = []
    with write_transaction():
        on_commit(lambda: order.append("a"))
        publish_on_commit(ping(1))
        on_commit(lambda: order.append("b"))
        assert order == []
    assert order == ["a", "b"] and received(socket) == [1]


def test_a_failing_action_does_not_stop_the_others_and_fails_the_test(live_app, socket):
    def fail() -> None:
        raise Boom

    with pytest.raises(Boom):  # in tests the failure is raised once every action ran
        with write_transaction():
            on_commit(fail)
            publish_on_commit(ping(1))
    assert received(socket) == [1]


def test_another_threads_transaction_holds_nothing_of_this_one(live_app, socket):
    inside, done = threading.Event(), threading.Event()

    def hold_a_transaction() -> None:
        with live_app.app_context(), database.atomic():
            publish_on_commit(ping(1))
            inside.set()
            done.wait(10)

    worker = threading.Thread(target=hold_a_transaction)
    worker.start()
    try:
        assert inside.wait(10)
        publish_on_commit(ping(2))  # this thread has no transaction open
        assert received(socket) == [2]
    finally:
        done.set()
        worker.join(10)
    assert received(socket) == [1]


def test_two_apps_in_one_process_hold_their_own_events(live_app, socket, make_app, backend):
    other = make_app(backend, name="other", plugins=[("recorder", Recorder())])
    other_sub = other.extensions["relais"].events.subscribe(1)
    with write_transaction():
        publish_on_commit(ping(1))
        with other.app_context():
            publish_on_commit(ping(2))  # no transaction open on the other app's database
            assert received(other_sub) == [2]
        assert received(socket) == []
    assert received(socket) == [1] and received(other_sub) == []


def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(live_app, recorder):
    relais = live_app.extensions["relais"]
    with pytest.raises(Boom):
        with write_transaction():
            relais.jobs.enqueue(QUICK_JOB, {"n": 1})
            raise Boom
    assert Job.select().where(Job.name == QUICK_JOB).count() == 0
    assert relais.jobs.run_pending() == 0 and recorder.jobs_run == []


def test_a_committed_job_wakes_the_runner_instead_of_waiting_for_its_poll(make_app, backend, recorder):
    # A poll every hour: only the wake-up on commit can run the job within seconds.
    app = make_app(backend, plugins=[("recorder", recorder)], jobs_poll_seconds=3600)
    relais = app.extensions["relais"]
    relais.jobs.start()
    try:
        with app.app_context():
            with write_transaction():
                relais.jobs.enqueue(QUICK_JOB, {"n": 7})
                time.sleep(0.3)
                assert recorder.jobs_run == []  # not before the commit: the row is not visible yet
        assert recorder.job_ran.wait(10), "the job did not run after its commit"
        assert recorder.jobs_run == [7]
    finally:
        relais.jobs.shutdown()
