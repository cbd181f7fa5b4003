"""Under gevent (a ``relais serve`` worker), a request's live events are written into this node's sockets once its
greenlet waits, which is when its answer is written: the sender's answer no longer waits for the members'
sockets. They still go once each, in commit order; the plugins' listeners still hear them at the commit, in the
request. Without gevent, everything at the commit as before."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kernel.green import is_green, when_waiting

SCRIPT = r'''
from gevent import monkey; monkey.patch_all(os=False, signal=False, subprocess=False)
import json, sys
import gevent
from flask import has_request_context
from kernel import create_app
from kernel.auth.tokens import create_token
from kernel.db import write_transaction
from kernel.services.events import Event, publish_on_commit
from kernel.testing import make_account

app = create_app({"data_dir": sys.argv[1], "plugins": ["conversation"]})
relais = app.extensions["relais"]
heard = []  # (event type, in the request that published it) as the plugins' listeners see them
relais.events._listeners = lambda event: heard.append((event.type, has_request_context()))
with app.app_context():
    with write_transaction():
        alice, bob = make_account("alice"), make_account("bob", "Bob", "Durand")
    token = create_token(alice, "test")[1]
    exchange, _ = relais.sender.start_exchange("conversation", alice, {
        "acting_as": alice.identity_id, "subject": "Avis", "members": [bob.identity_id]})
    relais.database.close()
gevent.sleep(0)  # the conversation's own events leave
heard.clear()
bobs_socket = relais.events.subscribe(bob.id)
client = app.test_client()
result = {}

def request():
    answers = [client.post(f"/api/v1/exchanges/{exchange.id}/messages", json={"body": body},
                           headers={"Authorization": f"Bearer {token}"}).status_code for body in ("Un", "Deux")]
    # Both answers are whole in the client's hands, and this greenlet has not waited yet.
    # (Read without the subscription's lock: a gevent lock may let other greenlets run.)
    result["answers"], result["before_waiting"] = answers, [len(bobs_socket._events), len(heard)]
    gevent.sleep(0.05)  # waits, as a request's greenlet does for the next request
    result["after_waiting"] = [(e.type, e.data.get("body")) for e in bobs_socket.take()]
    result["heard"] = list(heard)
    with app.app_context():  # outside a request and a transaction: also once this greenlet waits
        publish_on_commit(Event("rights.changed", None, (bob.id,), {"reason": "test"}))
    result["outside_request"] = [len(heard), int(bobs_socket.rights_changed)]
    gevent.sleep(0.05)
    result["outside_request_after_waiting"] = int(bobs_socket.rights_changed)

gevent.spawn(request).join()
print(json.dumps(result))
'''


def test_a_requests_events_leave_once_its_answer_is_written_in_commit_order(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["answers"] == [201, 201]
    assert result["before_waiting"] == [0, 2]  # nothing on Bob's socket before the answers; the listeners heard
    assert result["after_waiting"] == [["message.created", "Un"], ["message.created", "Deux"]]  # once, in order
    assert result["heard"] == [["message.created", True], ["message.created", True]]  # in their requests
    assert result["outside_request"] == [3, 0]  # the listeners at once; the socket once this greenlet waits
    assert result["outside_request_after_waiting"] == 1


def test_without_gevent_nothing_waits() -> None:
    ran: list[str] = []
    assert not is_green()
    assert when_waiting(lambda: ran.append("now")) is False  # the caller runs it itself
    assert ran == []


FAILING = r'''
from gevent import monkey; monkey.patch_all(os=False, signal=False, subprocess=False)
import gevent, json
from kernel.green import when_waiting

ran = []
def fails():
    raise RuntimeError("listener broke")
when_waiting(fails)
when_waiting(lambda: ran.append("next"))
gevent.sleep(0.01)
print(json.dumps(ran))
'''


def test_a_failure_is_logged_and_what_follows_still_runs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", FAILING], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["next"]
    assert "work left for when the greenlet waits failed" in done.stderr and "listener broke" in done.stderr
