"""A plugin is one folder: its static files served under a versioned prefix, its templates in the shell's
layout; the shell itself is a default plugin found the same way; create_app leaves logging alone."""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from kernel import app as app_module
from kernel.assets import static_version
from support.chat_channel import ChatChannel
from support.factories import PASSWORD, make_account
from support.ui_demo import hooks as ui_demo

UI_DEMO = Path(ui_demo.__file__).parent
WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture
def demo_app(make_app):
    app = make_app("sqlite", plugins=[("test_chat", ChatChannel()), ("ui_demo", ui_demo)])
    with app.app_context():
        make_account("alice")
    return app


def signed_in(app, login="alice"):
    client = app.test_client()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token.group(1)}).status_code == 302
    return client


def version_of(app, plugin):
    return app.extensions["relais_assets"].folders[plugin].version


def test_a_versioned_url_is_served_for_a_year(demo_app):
    version = version_of(demo_app, "ui_demo")
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    r = demo_app.test_client().get(f"/static/ui_demo/{version}/js/rows.js")
    assert r.status_code == 200 and r.data == (UI_DEMO / "static" / "js" / "rows.js").read_bytes()
    assert "javascript" in r.content_type
    assert r.cache_control.max_age == 365 * 24 * 3600 and r.cache_control.public and r.cache_control.immutable
    assert r.headers.get("ETag")
    image = demo_app.test_client().get(f"/static/ui_demo/{version}/img/logo.svg")  # not only code
    assert image.status_code == 200 and image.content_type.startswith("image/svg")


def test_an_outdated_version_redirects_to_the_current_file_and_is_not_kept(demo_app):
    version = version_of(demo_app, "ui_demo")
    r = demo_app.test_client().get("/static/ui_demo/0123456789ab/js/rows.js?x=1")
    assert r.status_code == 302 and r.headers["Location"] == f"/static/ui_demo/{version}/js/rows.js"
    assert r.headers["Cache-Control"] == "no-cache"
    assert demo_app.test_client().get("/static/ui_demo/0123456789ab/js/absent.js").status_code == 404


@pytest.mark.parametrize("path", ["/static/nobody/{v}/js/rows.js", "/static/ui_demo/{v}/js/absent.js",
                                  "/static/ui_demo/{v}/../hooks.py", "/static/ui_demo/{v}/js/../../hooks.py",
                                  "/static/ui_demo/{v}/%2e%2e/hooks.py", "/static/ui_demo/{v}/..%2fhooks.py",
                                  "/static/ui_demo/{v}/js", "/static/kernel/{v}/app.py",
                                  "/static/ui_demo/old/%2e%2e/hooks.py"])
def test_unknown_plugins_missing_files_and_paths_out_of_the_folder_are_404(demo_app, path):
    r = demo_app.test_client().get(path.format(v=version_of(demo_app, "ui_demo")))
    assert r.status_code == 404
    assert b"def register_channels" not in r.data


def test_a_plugins_folder_is_its_package_never_an_import_path_root(tmp_path, monkeypatch):
    import types

    from kernel.assets import plugin_folder

    assert plugin_folder(ui_demo) == UI_DEMO  # a hooks module: its package's folder
    assert plugin_folder(ChatChannel()) == UI_DEMO.parent  # an object: its class's module's folder
    (tmp_path / "static").mkdir()  # site-packages/static, say: nobody's to serve
    lone = types.ModuleType("relais_lone_plugin")
    lone.__file__ = str(tmp_path / "relais_lone_plugin.py")
    assert plugin_folder(lone) is None
    assert plugin_folder(types.ModuleType("built_in_a_session")) is None


def test_the_version_follows_the_folders_content(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    first = static_version(tmp_path)
    assert static_version(tmp_path) == first
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    second = static_version(tmp_path)
    (tmp_path / "js" / "a.js").rename(tmp_path / "js" / "b.js")
    assert len({first, second, static_version(tmp_path)}) == 3  # contents and names both count


def test_urls_come_from_the_folder_read_once_at_startup_not_from_the_disk(demo_app, monkeypatch):
    import os

    assets = demo_app.extensions["relais_assets"]
    version = version_of(demo_app, "ui_demo")

    def no_disk(*args, **kwargs):
        raise AssertionError("a page's URLs must not touch the disk")

    with demo_app.test_request_context("/"), monkeypatch.context() as patch:  # undone before pytest reports
        for name in ("is_file", "is_dir", "exists", "stat"):
            patch.setattr(Path, name, no_disk)
        patch.setattr(os, "stat", no_disk)
        assert assets.url("ui_demo", "js/rows.js") == f"/static/ui_demo/{version}/js/rows.js"
        assert assets.url("ui_demo", "js/") == f"/static/ui_demo/{version}/js/"  # a folder (import map prefix)
        assert assets.url("ui_demo", "js/absent.js") is None
        assert assets.url("ui_demo", "js") is None and assets.url("ui_demo", "js/rows.js/") is None
        assert assets.url("ui_demo", "../hooks.py") is None and assets.url("nobody", "js/rows.js") is None


@pytest.fixture
def growing_plugin(tmp_path):
    """A plugin package in a temporary folder, whose static files a test may change while the app runs."""
    import types

    package = tmp_path / "growing_plugin"
    (package / "static" / "js").mkdir(parents=True)
    (package / "static" / "js" / "first.js").write_text("export const first = 1;\n")
    module = types.ModuleType("growing_plugin.hooks")
    module.__file__ = str(package / "hooks.py")
    return package, module


def test_in_debug_files_are_checked_again_and_new_ones_found(make_app, growing_plugin):
    package, plugin = growing_plugin
    app = make_app("sqlite", plugins=[("growing", plugin)])
    assets, version = app.extensions["relais_assets"], version_of(app, "growing")
    (package / "static" / "js" / "second.js").write_text("export const second = 2;\n")
    with app.test_request_context("/"):
        assert assets.url("growing", "js/second.js") is None  # in production: the folder as it was at startup
    cached = app.test_client().get(f"/static/growing/{version}/js/first.js")
    assert cached.cache_control.immutable and cached.cache_control.max_age == 365 * 24 * 3600

    app.debug = True  # a developer editing files: no year-long cache, a file added since is found
    with app.test_request_context("/"):
        assert assets.url("growing", "js/second.js") == f"/static/growing/{version}/js/second.js"
        assert assets.url("growing", "js/third.js") is None
    r = app.test_client().get(f"/static/growing/{version}/js/first.js")
    assert r.status_code == 200 and r.cache_control.no_cache and not r.cache_control.immutable
    assert not r.cache_control.max_age and not r.cache_control.public
    (package / "static" / "js" / "first.js").write_text("export const first = 10;\n")
    assert app.test_client().get(f"/static/growing/{version}/js/first.js").data == b"export const first = 10;\n"
    moved = app.test_client().get("/static/growing/0123456789ab/js/second.js")
    assert moved.status_code == 302 and moved.headers["Location"] == f"/static/growing/{version}/js/second.js"


def test_a_plugin_page_in_the_shell_layout_with_its_files(demo_app):
    client = signed_in(demo_app)
    r = client.get("/ui_demo/page")
    page = r.get_data(as_text=True)
    version = version_of(demo_app, "ui_demo")
    assert r.status_code == 200 and "<h1>Page de démo</h1>" in page  # templates/ui_demo/page.html
    assert "Se déconnecter" in page and 'class="send-panel"' in page  # base.html's layout and context
    assert f'src="/static/ui_demo/{version}/img/logo.svg"' in page  # static_url() in its own template
    assert f'src="/static/ui_demo/{version}/js/page.js"' in page  # page_assets for its page's name
    assert f'href="/static/ui_demo/{version}/css/ui_demo.css"' in page
    # Signed out: the shell's login page, and back.
    r = demo_app.test_client().get("/ui_demo/page")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/ui_demo/page"
    assert demo_app.test_client().get("/ui_demo/page", headers={"Accept": "application/json"}).status_code == 401


def test_the_import_map_points_at_the_shells_versioned_modules_with_a_nonce(demo_app):
    client = signed_in(demo_app)
    page = client.get("/").get_data(as_text=True)
    shell = version_of(demo_app, "shell")
    found = re.search(r'<script type="importmap" nonce="([^"]+)">(.*?)</script>', page, re.S)
    assert json.loads(found.group(2)) == {"imports": {"relais/": f"/static/shell/{shell}/js/"}}
    # The shell's own modules load each other relatively from that same folder: one URL per module.
    assert f'src="/static/shell/{shell}/js/inbox.js"' in page
    nonces = set(re.findall(r'<script[^>]* nonce="([^"]+)"', page))
    assert nonces == {found.group(1)} and len(found.group(1)) >= 16
    assert found.group(1) not in client.get("/").get_data(as_text=True)  # a new one for each page


def test_the_shell_is_a_default_plugin_found_like_any_other(demo_app):
    relais = demo_app.extensions["relais"]
    assert {s.name: s.status for s in relais.report.plugins}["shell"] == "loaded"
    assert relais.contributions["shell"].plugin.__name__ == "web.hooks"
    assert demo_app.extensions["relais_assets"].folders["shell"].path == WEB
    assert demo_app.static_folder is None  # nothing served from anywhere but the plugins' folders


def test_a_default_plugin_that_cannot_be_imported_is_reported(make_app, monkeypatch):
    monkeypatch.setattr(app_module, "DEFAULT_PLUGINS", (*app_module.DEFAULT_PLUGINS, ("absent", "web.nothing_here")))
    app = make_app("sqlite")
    status = {s.name: s for s in app.extensions["relais"].report.plugins}["absent"]
    assert status.status == "failed" and "ModuleNotFoundError" in status.error
    assert app.test_client().get("/login").status_code == 200  # the app runs without it


def test_create_app_leaves_the_process_logging_alone(make_app, monkeypatch):
    root, scheduler = logging.getLogger(), logging.getLogger("apscheduler")
    monkeypatch.setattr(scheduler, "level", logging.NOTSET)  # as in a fresh process (a CLI test may have set it)
    before = (root.level, list(root.handlers), scheduler.level)
    make_app("sqlite", log_level="DEBUG")
    assert (root.level, list(root.handlers), scheduler.level) == before


def test_the_command_configures_logging_for_its_process(monkeypatch):
    from kernel.commands.logs import configure_logging

    root, scheduler = logging.getLogger(), logging.getLogger("apscheduler")
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    monkeypatch.setattr(scheduler, "level", logging.NOTSET)
    configure_logging("info")
    assert root.level == logging.INFO and len(root.handlers) == 1
    assert scheduler.level == logging.WARNING  # its polling is noise at INFO
