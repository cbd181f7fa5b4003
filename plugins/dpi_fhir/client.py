"""POSTing FHIR JSON to an endpoint with the standard library (urllib + ssl): bearer token or client certificate.

No HTTP library is added for one POST per push; urllib gives TLS with a client certificate and timeouts.
"""
from __future__ import annotations

import json
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from kernel import SoftwareUnreachable, SoftwareUntrusted

FHIR_JSON = "application/fhir+json"


class Unreachable(SoftwareUnreachable):
    """No answer (refused, reset, closed, timed out) or an answer saying to come back (408, 429, 5xx)."""


class Untrusted(SoftwareUntrusted):
    """The endpoint's certificate is not the one expected: no retry will fix it, the deployer must."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    location: str

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def post(url: str, resource_json: str, *, timeout: float, token: str = "", ca_file: str = "", cert_file: str = "",
         key_file: str = "", headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, data=resource_json.encode("utf-8"), method="POST", headers={
        "Content-Type": f"{FHIR_JSON}; charset=utf-8", "Accept": FHIR_JSON, **(headers or {})})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    context = None
    if url.startswith("https://"):
        context = ssl.create_default_context(cafile=ca_file or None)
        if cert_file:
            context.load_cert_chain(cert_file, key_file or None)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return Answer(response.status, response.read(), response.headers.get("Location", ""))
    except urllib.error.HTTPError as exc:
        answer = Answer(exc.code, exc.read() or b"", exc.headers.get("Location", "") if exc.headers else "")
        if exc.code in (408, 429) or exc.code >= 500:
            raise Unreachable(f"{url}: HTTP {exc.code}") from exc
        return answer
    except (urllib.error.URLError, socket.timeout, ConnectionError, ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise Untrusted(f"{url}: {reason.verify_message or reason}") from exc
        raise Unreachable(f"{url}: {type(reason).__name__}: {reason}") from exc
