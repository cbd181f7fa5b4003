"""Health probes for load balancers and orchestrators: ``/healthz`` (the process answers) and ``/readyz`` (it can
serve: its database answers and its schema is current, and it is not stopping).

Both are public and say nothing about any account or data: a probe carries no credentials. ``/healthz`` never
touches the database, so a database outage does not get every node restarted by its supervisor; ``/readyz``
does, so a node that cannot serve is taken out of rotation instead (503 and a JSON reason).

The reason stays generic: a public probe does not tell the world which migrations a node lacks nor which
driver error its database raised. The details go to the server's log (WARNING) and to the operator's tools
(``relais migrate --check`` lists the pending migrations).
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, current_app, jsonify

from .migrate import pending

log = logging.getLogger(__name__)
health_blueprint = Blueprint("health", __name__)

# Set when this process was asked to stop (kernel/serving/worker.py, kernel/server.py): the load balancer then
# stops sending new requests here while the sockets move to other nodes.
stopping = threading.Event()


def _no_cache(response: Any, status: int = 200) -> Any:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@health_blueprint.get("/healthz")
def healthz() -> Any:
    return _no_cache(jsonify(status="ok"))


@health_blueprint.get("/readyz")
def readyz() -> Any:
    relais = current_app.extensions["relais"]
    if stopping.is_set():
        return _no_cache(jsonify(status="stopping", reason="Arrêt en cours : ce nœud ne prend plus de requêtes."),
                         503)
    try:
        if current_app.extensions.get("relais_schema_current"):
            relais.database.execute_sql("SELECT 1")  # the code does not change under a running process
            waiting = {}
        else:
            waiting = pending(relais.database, relais.migration_sets())
            current_app.extensions["relais_schema_current"] = not any(waiting.values())
    except Exception as exc:  # unreachable, refused, wrong password...: the reason is for the operator
        log.warning("readiness: database unreachable: %s", exc)
        return _no_cache(jsonify(status="unavailable", reason="Base de données injoignable."), 503)
    late = sorted(f"{namespace}:{name}" for namespace, names in waiting.items() for name in names)
    if late:
        _log_pending(late)
        return _no_cache(jsonify(status="outdated", reason="Migrations en attente."), 503)
    return _no_cache(jsonify(status="ready"))


def _log_pending(late: list[str]) -> None:
    """Name the pending migrations in the log, once per set (a balancer probes every few seconds)."""
    if current_app.extensions.get("relais_pending_logged") != late:
        current_app.extensions["relais_pending_logged"] = late
        log.warning("readiness: %d pending migration(s), run `relais migrate`: %s", len(late), ", ".join(late))
