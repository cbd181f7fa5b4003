"""A plugin is one folder: its ``static/`` files served under a versioned prefix, its ``templates/`` found by Jinja.

A plugin's folder is the directory of the module that defines it (its hooks module, or the module of its
plugin object's class). Its static files are served at ``/static/<plugin>/<version>/<path>``, where the
version is a hash of the whole folder's content: a new release changes every URL at once, so browsers may
keep each file for a year, and relative imports between a plugin's ES modules stay inside one version.
The folder is read once, when the app is built: its version and the list of its files, by which every
page's URLs are made without touching the disk. In debug mode (files edited while the app runs) browsers
are told to check each file again, and a file added since is still found.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from flask import Flask, abort, current_app, redirect, request, send_from_directory, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.security import safe_join

log = logging.getLogger(__name__)
ENDPOINT = "static"  # the request hooks already spare static files a session lookup under this name
YEAR = 365 * 24 * 3600
# Browser code imports the shell's modules as "relais/api.js": the import map points that prefix at the
# shell's versioned js folder, the very URLs the shell's own modules load each other by, so a module is
# never loaded twice (a module's identity is its URL).
IMPORT_PREFIX = "relais/"


@dataclass(frozen=True)
class PluginFolder:
    name: str
    path: Path
    version: str  # content hash of static/; "" when the plugin has no static folder
    files: frozenset[str] = frozenset()  # static/'s files and folders ("js/", with a slash), read with version

    @property
    def static(self) -> Path:
        return self.path / "static"

    @property
    def templates(self) -> Path:
        return self.path / "templates"


def plugin_folder(plugin: object) -> Path | None:
    """The folder a plugin lives in, or None: a plugin object built in an interactive session, or a lone
    module at the root of an import path (its directory is site-packages, whose static/ is nobody's)."""
    module = plugin if isinstance(plugin, types.ModuleType) else sys.modules.get(type(plugin).__module__)
    path = getattr(module, "__file__", None)
    if not path or not (hasattr(module, "__path__") or "." in module.__name__):
        return None
    return Path(path).resolve().parent


def read_static(folder: Path) -> tuple[str, frozenset[str]]:
    """A short hash of every file under ``folder`` (names and contents), and the files and folders there."""
    digest = hashlib.sha256()
    found: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes())
        found.add(name)
        found.update(parent.as_posix() + "/" for parent in Path(name).parents)  # "js/", ..., "./"
    return digest.hexdigest()[:12], frozenset(found)


def static_version(folder: Path) -> str:
    """A short hash of every file under ``folder`` (names and contents): it changes whenever one does."""
    return read_static(folder)[0]


class PluginAssets:
    """The folders of one app's plugins (``app.extensions["relais_assets"]``)."""

    def __init__(self, folders: Iterable[PluginFolder], shell: str) -> None:
        self.folders = {f.name: f for f in folders}
        self.shell = shell

    @classmethod
    def of(cls, plugins: Iterable[tuple[str, object]], shell: str) -> "PluginAssets":
        folders = []
        for name, plugin in plugins:
            path = plugin_folder(plugin)
            if path is None:
                continue
            version, files = read_static(path / "static") if (path / "static").is_dir() else ("", frozenset())
            folders.append(PluginFolder(name, path, version, files))
        return cls(folders, shell)

    def template_folders(self) -> list[Path]:
        """Plugins' template folders, the shell's last: a plugin may override a shell template."""
        ordered = sorted(self.folders.values(), key=lambda f: (f.name == self.shell, f.name))
        return [f.templates for f in ordered if f.templates.is_dir()]

    def url(self, plugin: str, path: str) -> str | None:
        """The versioned URL of ``path`` in ``plugin``'s static folder; None when no such file exists.

        A path ending in "/" names a folder (an import map prefix).
        """
        folder = self.folders.get(plugin)
        if folder is None or not folder.version or not self._has(folder, path):
            return None
        return url_for(ENDPOINT, plugin=plugin, version=folder.version, filename=path)

    @staticmethod
    def _has(folder: PluginFolder, path: str) -> bool:
        if path in folder.files:
            return True
        if not current_app.debug:
            return False
        target = safe_join(str(folder.static), path.rstrip("/") or ".")  # a file added while developing
        return target is not None and (Path(target).is_dir() if path.endswith("/") else Path(target).is_file())

    def import_map(self) -> str:
        """The page's import map (JSON): ``relais/`` is the shell's js folder."""
        prefix = self.url(self.shell, "js/")
        return json.dumps({"imports": {IMPORT_PREFIX: prefix} if prefix else {}})

    def serve(self, plugin: str, version: str, filename: str) -> Any:
        folder = self.folders.get(plugin)
        if folder is None or not folder.version:
            abort(404)
        if version != folder.version:
            # An old page (or a guess): the current file, by its own URL, so its relative imports resolve
            # within the current version; the redirect itself is never cached.
            if filename.endswith("/") or not self._has(folder, filename):
                abort(404)
            response = redirect(url_for(ENDPOINT, plugin=plugin, version=folder.version, filename=filename))
            response.headers["Cache-Control"] = "no-cache"
            return response
        if current_app.debug:  # the file may change under the same version: the browser checks (ETag) each time
            response = send_from_directory(folder.static, filename, max_age=0)
            response.cache_control.no_cache = True
            return response
        response = send_from_directory(folder.static, filename, max_age=YEAR)  # unsafe paths: 404
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response


def csp_nonce() -> str:
    """A random value per request for the page's own scripts (a Content-Security-Policy may require it).

    Kept in the request's environ, not in ``g``: an app context can outlive one request (tests)."""
    return request.environ.setdefault("relais.csp_nonce", secrets.token_urlsafe(16))


def init_assets(app: Flask, assets: PluginAssets) -> None:
    """Serve every plugin's static folder and put every plugin's templates in Jinja's search path."""
    app.extensions["relais_assets"] = assets
    app.add_url_rule("/static/<plugin>/<version>/<path:filename>", endpoint=ENDPOINT, view_func=assets.serve)
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(p)) for p in assets.template_folders()])
    app.add_template_global(lambda plugin, path: assets.url(plugin, path) or "", "static_url")
    app.add_template_global(assets.import_map, "import_map")
    app.add_template_global(csp_nonce, "csp_nonce")
