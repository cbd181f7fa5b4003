"""Headers every answer carries so a browser holds the pages to what they are: no inline or foreign
script (Content-Security-Policy with the page's nonce), never framed, never sniffed, no referrer sent
elsewhere, HTTPS only once seen over TLS (HSTS), and nothing of a signed-in user's kept in caches."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request


# A page's own scripts are files of this site, or the one inline import map that carries the nonce.
# Styles: files only (the mail bodies' style attributes are removed before display). Images: this site
# only, so a received mail cannot load a tracking pixel. connect-src 'self' covers the same-origin websocket.
_POLICY = ("default-src 'self'; script-src 'self'{nonce}; style-src 'self'; img-src 'self' data: blob:; "
           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
# Anything else (JSON, files) opened as a document runs nothing and loads nothing.
NOTHING_RUNS = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"
# Where kernel.assets.csp_nonce keeps the nonce it gave this request's page (absent: no inline script).
_NONCE = "relais.csp_nonce"


def content_security_policy(nonce: str | None) -> str:
    return _POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def init_security_headers(app: Flask, behind_tls: bool) -> None:
    @app.after_request
    def _secure(response: Any) -> Any:
        headers = response.headers
        # A view may set a stricter policy of its own (attachments are served sandboxed). A PDF gets none:
        # Chromium's PDF viewer, embedded in the document, would be blocked by it.
        if "Content-Security-Policy" not in headers and response.mimetype != "application/pdf":
            headers["Content-Security-Policy"] = (content_security_policy(request.environ.get(_NONCE))
                                                  if response.mimetype == "text/html" else NOTHING_RUNS)
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP 2
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if behind_tls or request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if g.get("account") is not None and "Cache-Control" not in headers:
            # Health data on a shared workstation: nothing a signed-in user saw stays in the browser's cache.
            headers["Cache-Control"] = "no-store"
        return response
