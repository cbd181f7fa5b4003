"""The logging settings are obeyed by both servers: at WARNING not one line per request (werkzeug wrote one
whatever the setting); with ``access_log`` at INFO, one line per request through the process's logging format,
without the query string (a search would write patients' names into the logs)."""
from __future__ import annotations

import re

import pytest

from serving.conftest import Node, get, seed

ACCESS = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO relais\.access: 127\.0\.0\.1 "GET /healthz HTTP/1\.1" 200 '
                    r"\d+\.\d ms$")


@pytest.mark.parametrize("server", [[], ["--threaded"]], ids=["gunicorn", "threaded"])
def test_access_lines_follow_the_settings(node_env, nodes, server: list[str]) -> None:
    seed(accounts=2)  # migrated once, before two nodes start on the folder
    quiet = Node({**node_env, "RELAIS_LOG_LEVEL": "WARNING"}, *server)
    logged = Node({**node_env, "RELAIS_LOG_LEVEL": "INFO", "RELAIS_ACCESS_LOG": "true"}, *server)
    nodes.extend([quiet, logged])
    for node in (quiet, logged):
        node.wait_ready()
        for _ in range(3):
            assert get(node.url + "/healthz?nom=DUPONT")[0] == 200
        assert node.stop() == 0, node.stderr

    assert "healthz" not in quiet.stderr and "GET" not in quiet.stderr, quiet.stderr
    lines = [line for line in logged.stderr.splitlines() if "relais.access" in line]
    assert len([line for line in lines if ACCESS.match(line)]) == 3, logged.stderr
    assert "DUPONT" not in logged.stderr
