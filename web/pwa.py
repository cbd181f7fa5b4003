"""The platform as an installable app: its web app manifest, its service worker and the page it shows offline.

All three are served at the root of the site, so the worker's scope is the whole site (``/``) without a
``Service-Worker-Allowed`` header. None of them depends on who is signed in: the browser fetches a
manifest without cookies, and the worker only ever keeps what every visitor gets alike (the shell's
versioned static files and the offline page), never an API answer nor a page (patients' data).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from kernel import current_relais

from .branding import platform_name

pwa = Blueprint("pwa", __name__)

SHELL = "shell"
# The shell's colours (css/base.css): the app window's title bar is the top bar's navy, its splash the page's.
THEME_COLOR = "#12304e"
BACKGROUND_COLOR = "#f3f5f7"
ICONS = (("app/icon-192.png", "192x192", "image/png", "any"),
         ("app/icon-512.png", "512x512", "image/png", "any"),
         ("app/icon-maskable-192.png", "192x192", "image/png", "maskable"),
         ("app/icon-maskable-512.png", "512x512", "image/png", "maskable"),
         ("app/icon.svg", "any", "image/svg+xml", "any"))
# Kept by the worker when it installs: what a page of the shell needs before its first API answer.
PRECACHED_FOLDERS = ("css/", "js/", "app/")
WORKER_SOURCE = "app/service-worker.js"  # served at /service-worker.js, never as a static file of a page
OFFLINE_PATH = "/hors-ligne"
# The worker's own Content-Security-Policy (a script's policy binds the worker it starts), stricter than the
# kernel's page policy (kernel/security_headers.py), which leaves a view's own policy in place: it runs no other
# script and loads nothing but this site's files, to keep the static ones and forward what it does not answer.
SERVICE_WORKER_POLICY = "default-src 'none'; connect-src 'self'; frame-ancestors 'none'"


@pwa.app_context_processor
def _notification_setting() -> dict[str, Any]:
    # base.html tells js/notifications.js whether a notification may show a message's words (setting
    # notification_preview; off by default: a locked screen must not show health data).
    return {"notification_preview": bool(current_relais().config.get("notification_preview"))}


def _assets() -> Any:
    return current_app.extensions["relais_assets"]


def _static(path: str) -> str:
    return _assets().url(SHELL, path) or ""


def manifest_data() -> dict[str, Any]:
    name = platform_name()
    return {
        "name": name,
        "short_name": name if len(name) <= 12 else name.split()[0],
        "description": "Messagerie sécurisée et conversations entre professionnels de santé.",
        "lang": "fr",
        "dir": "ltr",
        "id": "/",
        "start_url": url_for("shell.inbox"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [{"src": _static(path), "sizes": sizes, "type": kind, "purpose": purpose}
                  for path, sizes, kind, purpose in ICONS],
        "shortcuts": [
            {"name": "Boîte de réception", "url": url_for("shell.inbox")},
            {"name": "Mes patients", "url": url_for("shell.patients")},
        ],
    }


def precached() -> list[str]:
    """The shell's static files the worker keeps at install (their URLs carry the shell's version)."""
    folder = _assets().folders[SHELL]
    files = sorted(f for f in folder.files if not f.endswith("/") and f.startswith(PRECACHED_FOLDERS)
                   and f != WORKER_SOURCE)
    return [_static(f) for f in files] + [_static("favicon.svg"), OFFLINE_PATH]


def release() -> str:
    """One name for every plugin's static files as they are now: a plugin's new files (not only the shell's)
    make a new worker, whose activation drops the files kept for the previous release."""
    versions = sorted(f"{f.name}:{f.version}" for f in _assets().folders.values() if f.version)
    return hashlib.sha256("|".join(versions).encode()).hexdigest()[:12]


@pwa.get("/manifest.webmanifest")
def manifest() -> Any:
    body = json.dumps(manifest_data(), ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"  # the platform's name may change with its settings
    return response


@pwa.get("/service-worker.js")
def service_worker() -> Any:
    folder = _assets().folders[SHELL]
    sample = url_for("static", plugin="p", version="v", filename="f")
    config = {"version": release(), "offline": OFFLINE_PATH, "precached": precached(),
              "staticPrefix": sample[:-len("p/v/f")],
              # While developing, a file changes under the same version: ask the server first.
              "networkFirst": bool(current_app.debug)}
    # The worker's code is a static file (linted, read like any other); its settings come first, as data.
    code = (folder.static / WORKER_SOURCE).read_text(encoding="utf-8")
    script = f"const CONFIG = {json.dumps(config, ensure_ascii=False)};\n{code}"
    response = current_app.response_class(script, mimetype="text/javascript")
    # The browser checks for a new worker at each visit; a new release (new static version) changes the script.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = SERVICE_WORKER_POLICY
    return response


@pwa.get(OFFLINE_PATH)
def offline() -> Any:
    """What the worker shows for a page asked while the network is gone: the same for everyone, no data."""
    response = current_app.response_class(render_template("offline.html", name=platform_name()),
                                          mimetype="text/html")
    # Stored by the worker, not the browser's HTTP cache: the page carries no one's data.
    response.headers["Cache-Control"] = "no-cache"
    return response
