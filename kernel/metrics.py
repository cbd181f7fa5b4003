"""Prometheus metrics (``GET /metrics``): live sockets, sends, deliveries and their latency, the job queue and the
mail outbox.

Counters live in the process that counts them. Under gunicorn with several workers each worker is a process of
its own, so ``relais serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before anything imports prometheus_client
(kernel/serving/arbiter.py): every process then writes its values to files there, and a scrape, whichever worker
answers it, adds them all up (prometheus_client's multiprocess mode). Without it (the threaded server, tests),
each app has a registry of its own: several apps in one test process never mix their counts.

The queue and outbox figures are not counted but asked of the database at scrape time: they are the same for
every worker and every node, and a counter kept beside them could only drift.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
from typing import Any, Iterable, Iterator

import peewee as pw
from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from .db import utcnow

log = logging.getLogger(__name__)
MESSAGE_CREATED = "message.created"
# Fan-out latency: from the message's row to its frame leaving a socket; most under 100 ms (#16's target).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """One app's metric objects (``relais.metrics``)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.sockets_open = Gauge("relais_sockets_open", "Live sockets open now.", registry=self.registry,
                                  multiprocess_mode="livesum")
        self.sends = Counter("relais_messages_sent", "Messages posted (message.created events published).",
                             registry=self.registry)
        self.deliveries = Counter("relais_deliveries", "Live events written to a socket.", registry=self.registry)
        self.delivery_latency = Histogram("relais_delivery_latency_seconds",
                                          "From a message's creation to its frame leaving a socket.",
                                          buckets=LATENCY_BUCKETS, registry=self.registry)

    def count_event(self, event: Any) -> None:
        """The event bus's publisher side: once per event whatever the number of nodes (kernel/app.py)."""
        if event.type == MESSAGE_CREATED:
            self.sends.inc()

    def delivered(self, event: Any) -> None:
        """A socket wrote ``event`` (kernel/live_socket.py)."""
        self.deliveries.inc()
        if event.type != MESSAGE_CREATED:
            return
        created = event.data.get("created_at") if isinstance(event.data, dict) else None
        if not isinstance(created, str):
            return
        try:
            at = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.timezone.utc)
        self.delivery_latency.observe(max(0.0, (dt.datetime.now(dt.timezone.utc) - at).total_seconds()))

    def exposition(self) -> bytes:
        """The text a scrape reads: this process's (or every worker's) counters, then the database's figures."""
        scrape = CollectorRegistry()
        if multiprocess():
            MultiProcessCollector(scrape)
        else:
            scrape.register(_Forward(self.registry))
        scrape.register(DatabaseCollector())
        return generate_latest(scrape)


class _Forward:
    """A registry's metrics, collected again inside another registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def describe(self) -> list:
        return []

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()


class DatabaseCollector:
    """The job queue and the mail outbox by status, asked of the database when a scrape comes."""

    def describe(self) -> list:
        return []  # registering must not query: collect() runs only for a scrape, in its request

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .mail.models import OutgoingMail
        from .models.job import PENDING, Job

        jobs = GaugeMetricFamily("relais_jobs", "Persisted jobs by status (pending ones are the queue).",
                                 labels=["status"])
        for status, count in _by_status(Job):
            jobs.add_metric([status], count)
        due = Job.select().where((Job.status == PENDING) & (Job.run_at <= utcnow())).count()
        queue = GaugeMetricFamily("relais_job_queue_depth", "Jobs due now and not yet taken by a runner.")
        queue.add_metric([], due)
        outbox = GaugeMetricFamily("relais_mail_outbox", "Outgoing MSSanté mails by status.", labels=["status"])
        for status, count in _by_status(OutgoingMail):
            outbox.add_metric([status], count)
        yield from (jobs, queue, outbox)


def _by_status(model: Any) -> list[tuple[str, int]]:
    query = model.select(model.status, pw.fn.COUNT(model.id).alias("n")).group_by(model.status).tuples()
    return [(str(status), int(n)) for status, n in query]


def allowed(address: str | None, networks: Iterable[str]) -> bool:
    """Whether ``address`` (the request's, as ProxyFix left it) is in one of ``networks``."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            log.warning("metrics_allowed_from: %r is no network", network)
    return False


metrics_blueprint = Blueprint("metrics", __name__)


@metrics_blueprint.get("/metrics")
def metrics() -> Response:
    relais = current_app.extensions["relais"]
    if not allowed(request.remote_addr, relais.config["metrics_allowed_from"]):
        abort(404)  # as if there were none: the page says nothing to whom may not read it
    return Response(relais.metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)
