"""A small FHIR endpoint on loopback: validates what it receives with fhir.resources (R4B models) and answers
201 or an OperationOutcome, as a software or a regional record would.

It serves the tests (an endpoint that accepts, refuses, stalls, closes mid-request, or stores then loses its
answer) and the demo (demo.py). It keeps each DocumentReference once, by its identifier: a conditional
create (``If-None-Exist`` or a transaction entry's ``ifNoneExist``) for an identifier it already holds
answers 200 with the stored one, as FHIR servers do.
"""
from __future__ import annotations

import json
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from .resources import operation_outcome

ACCEPT, REFUSE, STALL, CLOSE_MID_REQUEST, LOSE_ANSWER = "accept", "refuse", "stall", "close_mid_request", "lose_answer"
UNAVAILABLE = "unavailable"
INS_SYSTEMS = ("urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.10", "urn:oid:1.2.250.1.213.1.4.11")


@dataclass(frozen=True)
class StoredDocument:
    id: str
    identifier: str
    patient: str        # "system|value"
    content: bytes
    resource: dict[str, Any]


@dataclass
class LoopbackEndpoint:
    """``mode``: accept, refuse (422 OperationOutcome with ``reason``), stall (never answers),
    close_mid_request (closes before reading the body), lose_answer (stores, closes before answering),
    unavailable (503 with an OperationOutcome: under maintenance);
    ``failures=n`` fails only the first n requests. ``token``: the bearer token it requires ("" for none)."""

    mode: str = ACCEPT
    reason: str = "Patient inconnu du dossier."
    failures: int = 0
    token: str = ""
    documents: dict[str, StoredDocument] = field(default_factory=dict)
    binaries: dict[str, bytes] = field(default_factory=dict)
    requests_seen: int = 0
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: threading.Event = field(default_factory=threading.Event)

    scheme: str = "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/fhir"

    def start(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> "LoopbackEndpoint":
        """Listen on ``host:port`` (0: any free port); with ``tls`` (a server context), HTTPS."""
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                endpoint._serve(self)

            def log_message(self, *args: Any) -> None:  # quiet: tests and the demo print enough
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="dpi_fhir-test-endpoint", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _mode_now(self) -> str:
        with self._lock:
            self.requests_seen += 1
            if self.failures and self.requests_seen > self.failures:
                return ACCEPT
            return self.mode

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        mode = self._mode_now()
        if mode == CLOSE_MID_REQUEST:
            http.close_connection = True
            http.connection.close()
            return
        body = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        if mode == STALL:
            self._stopped.wait(60)
            return
        if self.token and http.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(http, 401, operation_outcome("security", "Jeton d'accès absent ou invalide."))
        if mode == REFUSE:
            return self._answer(http, 422, operation_outcome("business-rule", self.reason))
        if mode == UNAVAILABLE:
            return self._answer(http, 503, operation_outcome("transient", "Maintenance en cours."))
        path = http.path.rstrip("/")
        try:
            if path.endswith("/DocumentReference"):
                status, resource = self._create(DocumentReference.model_validate_json(body),
                                                http.headers.get("If-None-Exist", ""), binary=None)
            elif path.endswith("/fhir"):
                status, resource = self._transaction(Bundle.model_validate_json(body))
            else:
                return self._answer(http, 404, operation_outcome("not-supported", f"{path} n'existe pas ici."))
        except _Refused as refused:
            return self._answer(http, 422, operation_outcome("invalid", str(refused)))
        except ValueError as exc:  # pydantic's ValidationError is one: the resource is not valid FHIR R4
            return self._answer(http, 400, operation_outcome("structure", f"Ressource FHIR invalide : {exc}"[:500]))
        if mode == LOSE_ANSWER:
            http.close_connection = True
            http.connection.close()
            return
        self._answer(http, status, resource, location=f"DocumentReference/{resource['id']}" if status in (200, 201)
                     and resource.get("resourceType") == "DocumentReference" else "")

    def _create(self, reference: DocumentReference, if_none_exist: str, binary: bytes | None) -> tuple[int, dict]:
        identifier = reference.masterIdentifier.value if reference.masterIdentifier else ""
        subject = reference.subject.identifier if reference.subject and reference.subject.identifier else None
        if subject is None or subject.system not in INS_SYSTEMS:
            raise _Refused("Le patient doit être identifié par son INS (système urn:oid:1.2.250.1.213.1.4.8).")
        attachment = reference.content[0].attachment
        content = attachment.data if attachment.data else binary  # the models decode base64 themselves
        if content is None:
            raise _Refused("Le document n'a pas de contenu.")
        with self._lock:
            if if_none_exist and identifier in self.documents:
                return 200, self.documents[identifier].resource
            stored = reference.model_dump(mode="json", exclude_none=True)
            stored["id"] = uuid.uuid4().hex
            self.documents[identifier] = StoredDocument(stored["id"], identifier, f"{subject.system}|{subject.value}",
                                                        content, stored)
            return 201, stored

    def _transaction(self, bundle: Bundle) -> tuple[int, dict]:
        if bundle.type != "transaction":
            raise _Refused("Seuls les Bundle de type transaction sont acceptés.")
        binaries = {e.fullUrl: Binary.model_validate(e.resource.model_dump(mode="json")) for e in bundle.entry or []
                    if e.resource and e.resource.__resource_type__ == "Binary"}
        references = [e for e in bundle.entry or [] if e.resource and e.resource.__resource_type__ == "DocumentReference"]
        if len(references) != 1:
            raise _Refused("La transaction doit contenir une DocumentReference.")
        entry = references[0]
        reference = DocumentReference.model_validate(entry.resource.model_dump(mode="json"))
        url = reference.content[0].attachment.url
        if url not in binaries:
            raise _Refused("La DocumentReference désigne un Binary absent de la transaction.")
        status, stored = self._create(reference, entry.request.ifNoneExist or "", binaries[url].data)
        return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": [
            {"response": {"status": "201 Created"}},
            {"response": {"status": f"{status} {'Created' if status == 201 else 'OK'}",
                          "location": f"DocumentReference/{stored['id']}"}}]}

    def _answer(self, http: BaseHTTPRequestHandler, status: int, resource: Any, location: str = "") -> None:
        data = resource if isinstance(resource, dict) else resource.model_dump(mode="json", exclude_none=True)
        body = json.dumps(data).encode("utf-8")
        http.send_response(status)
        http.send_header("Content-Type", "application/fhir+json")
        http.send_header("Content-Length", str(len(body)))
        if location:
            http.send_header("Location", f"{self.base_url}/{location}")
        http.end_headers()
        http.wfile.write(body)


class _Refused(Exception):
    """A valid resource the endpoint will not store; the message is its diagnostics (French)."""
