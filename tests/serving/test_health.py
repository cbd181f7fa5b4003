"""/healthz and /readyz (kernel/health.py): liveness without the database, readiness with it."""
from __future__ import annotations

import logging

from kernel import create_app
from kernel.health import stopping


def test_healthz_answers_without_a_database_and_readyz_says_why_not_ready(tmp_path) -> None:
    # Nothing listens on port 1: every query fails. The process is alive all the same.
    app = create_app({"data_dir": str(tmp_path), "plugins": [],
                      "database_url": "postgresql://relais@127.0.0.1:1/relais"}, migrate=False)
    client = app.test_client()

    live = client.get("/healthz")
    ready = client.get("/readyz")

    assert live.status_code == 200 and live.json == {"status": "ok"}
    assert ready.status_code == 503
    assert ready.json == {"status": "unavailable", "reason": "Base de données injoignable."}
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_keeps_the_pending_migrations_for_the_log_then_says_ready_once_migrated(tmp_path, caplog) -> None:
    app = create_app({"data_dir": str(tmp_path), "plugins": []}, migrate=False)
    client = app.test_client()

    with caplog.at_level(logging.WARNING, logger="kernel.health"):
        waiting = client.get("/readyz")
        client.get("/readyz")  # probed again: the log is not repeated
    create_app({"data_dir": str(tmp_path), "plugins": []}, migrate=True)  # what `relais migrate` does
    ready = client.get("/readyz")

    # The public answer says the schema is late, not which migrations it lacks.
    assert waiting.status_code == 503
    assert waiting.json == {"status": "outdated", "reason": "Migrations en attente."}
    assert "kernel:" not in waiting.get_data(as_text=True)
    # The operator finds them in the server's log.
    warnings = [r for r in caplog.records if r.name == "kernel.health" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "kernel:0001" in warnings[0].getMessage()
    assert ready.status_code == 200 and ready.json == {"status": "ready"}


def test_a_stopping_node_is_not_ready_but_alive(tmp_path) -> None:
    app = create_app({"data_dir": str(tmp_path), "plugins": []})
    client = app.test_client()
    stopping.set()
    try:
        ready, live = client.get("/readyz"), client.get("/healthz")
    finally:
        stopping.clear()
    assert ready.status_code == 503 and ready.json["status"] == "stopping"
    assert live.status_code == 200
