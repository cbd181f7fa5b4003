"""The access line never carries a one-time password link's secret: its prefix and « … » only."""
from __future__ import annotations

import logging

from werkzeug.test import Client
from werkzeug.wrappers import Response

from kernel.serving.access import AccessLog

SECRET = "Zx81secretQuiOuvreLeCompte_0123456789"


def _hello(environ, start_response):
    return Response("ok")(environ, start_response)


def test_the_password_link_secret_is_not_logged(caplog):
    client = Client(AccessLog(_hello))
    with caplog.at_level(logging.INFO, logger="relais.access"):
        client.get(f"/mot-de-passe/{SECRET}")
        client.get("/patients")
    lines = [r.getMessage() for r in caplog.records if r.name == "relais.access"]
    assert len(lines) == 2
    assert SECRET not in lines[0] and SECRET[4:] not in lines[0]
    assert f"GET /mot-de-passe/{SECRET[:4]}… " in lines[0]
    assert "GET /patients " in lines[1]
