"""A real process running the job runner is killed (SIGKILL) mid-queue while the relay stalls; after a
restart every message reaches the receiving SMTP server exactly once. Loopback only."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from kernel.mail.compose import parse
from kernel.mail.models import OutgoingMail, OutgoingRecipient
from kernel.models import AuditEvent
from mail.mail_helpers import StallingHandler, mail_app, mail_settings, publish_address, smtp_sink
from support.factories import bearer, make_account

ROOT = Path(__file__).resolve().parents[2]
# `relais serve` as far as mail goes: the app and its job runner (APScheduler), until the outbox is empty.
CHILD = """
import json, sys, time
from kernel import create_app
from kernel.mail.models import OutgoingMail
from plugins.mssante_mail import hooks
app = create_app(json.loads(sys.argv[1]), plugins=[("mssante_mail", hooks)])
jobs = app.extensions["relais"].jobs
jobs.start()
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    time.sleep(0.2)
    with app.app_context():
        if not OutgoingMail.select().where(OutgoingMail.status != "done").exists():
            break
jobs.shutdown()
"""



def _start(config: dict[str, Any], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = log.open("ab")
    return subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(config)], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)


def test_sigkill_mid_queue_then_restart_delivers_each_message_once(make_app, tmp_path):
    handler = StallingHandler(stall_on=2, then="451 4.4.2 Connexion perdue")  # the sender is gone meanwhile
    with smtp_sink(handler=handler) as (_, port):
        settings = {"mail_relay_port": port, "jobs_lease_seconds": 1, "jobs_poll_seconds": 0.2,
                    "mail_timeout_seconds": 1.0}
        app = mail_app(make_app, "sqlite", "a.mssante.fr", name="killed", **settings)
        config = {"data_dir": str(tmp_path / "killed"), "plugins": [], "log_level": "WARNING",
                  **mail_settings("a.mssante.fr", **settings)}
        with app.app_context():
            julie = make_account("julie", addresses=("julie@a.mssante.fr",))
            publish_address("thomas@b.mssante.fr")
            for n in range(3):
                r = app.test_client().post("/api/v1/channels/mssante_mail/exchanges", headers=bearer(julie), json={
                    "acting_as": julie.identity_id, "recipients": ["thomas@b.mssante.fr"], "subject": f"Mail {n}",
                    "body": f"Corps {n}"})
                assert r.status_code == 201, r.json
        log = tmp_path / "child.log"
        child = _start(config, log)
        try:
            assert handler.stalled.wait(60), log.read_text()
            os.kill(child.pid, signal.SIGKILL)  # mid-queue: one sent, one in the middle of DATA, one waiting
            child.wait(10)
        finally:
            handler.go_on.set()
            if child.poll() is None:
                child.kill()
        assert child.returncode == -signal.SIGKILL and len(handler.messages) == 1
        with app.app_context():
            assert sorted(m.status for m in OutgoingMail.select()) == ["done", "queued", "sending"]

        restarted = _start(config, log)
        try:
            assert restarted.wait(90) == 0, log.read_text()
        finally:
            if restarted.poll() is None:
                restarted.kill()
        ids = [parse(m.data)["Message-ID"] for m in handler.messages]
        subjects = sorted(str(parse(m.data)["Subject"]) for m in handler.messages)
        assert subjects == ["Mail 0", "Mail 1", "Mail 2"] and len(set(ids)) == 3  # each once, none lost
        with app.app_context():
            assert {r.status for r in OutgoingRecipient.select()} == {"sent"}
            resumed = [e for e in AuditEvent.select().where(AuditEvent.action == "mail.send.attempt")
                       if e.request["resumed_after_interruption"]]
            assert len(resumed) == 1 and resumed[0].request["attempt"] == 1
