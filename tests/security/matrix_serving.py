"""Matrix section of serving's own routes (kernel/health.py, kernel/metrics.py): the probes are the same for
everyone and carry no data of anyone's; /metrics is decided by the asker's network (``metrics_allowed_from``,
loopback by default, where the matrix's requests come from), never by an account: that it refuses other
networks, whoever asks, is tested in tests/serving/test_metrics.py."""
from __future__ import annotations

from security.matrix_cells import public

# A bearer token is checked wherever it is sent: the deactivated account's token is refused (401) there too.
_PUBLIC = public(200, deactivated={"token": 401, "session": 200})

SERVING_ROUTES = {
    "health.healthz": _PUBLIC,
    "health.readyz": _PUBLIC,
    "metrics.metrics": _PUBLIC,
}
