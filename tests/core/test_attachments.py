"""The attachment store: size limits, empty files, sniffed types, safe names, content addressing."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from kernel.models import Attachment
from kernel.services.attachments import sanitize_filename
from support.factories import bearer, make_account

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def _upload(client, headers, content: bytes, name: str):
    return client.post("/api/v1/attachments", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


@pytest.fixture
def small_app(make_app):
    app = make_app("sqlite", attachment_max_bytes=1024)
    with app.app_context():
        yield app


def test_oversized_and_empty_files_are_refused_and_nothing_kept(small_app):
    client = small_app.test_client()
    headers = bearer(make_account("alice"))
    root = Path(small_app.extensions["relais"].config["attachments_dir"])
    r = _upload(client, headers, b"x" * 1025, "scanner.pdf")
    assert r.status_code == 413
    assert r.json == {"errors": {"file": ["scanner.pdf : Le fichier dépasse la taille maximale de 1 Ko."]}}
    r = _upload(client, headers, b"", "vide.txt")
    assert r.status_code == 422 and r.json == {"errors": {"file": ["vide.txt : Le fichier est vide."]}}
    r = client.post("/api/v1/attachments", headers=headers, data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "file" in r.json["errors"]
    assert Attachment.select().count() == 0
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_type_comes_from_content_and_same_bytes_are_stored_once(small_app):
    client = small_app.test_client()
    headers = bearer(make_account("alice"))
    first = _upload(client, headers, PNG, "radio.pdf").json["attachment"]
    second = _upload(client, headers, PNG, "copie.png").json["attachment"]
    assert first["content_type"] == second["content_type"] == "image/png"
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    store = small_app.extensions["relais"].attachments
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert files == [store.path_for(first["sha256"])]
    # Outside every static folder the web server serves (the plugins', the shell's).
    served = [folder.static for folder in small_app.extensions["relais_assets"].folders.values()]
    assert served and not any(files[0].resolve().is_relative_to(folder.resolve()) for folder in served)


def test_several_files_in_one_upload(small_app):
    client = small_app.test_client()
    r = client.post("/api/v1/attachments", headers=bearer(make_account("alice")), content_type="multipart/form-data",
                    data={"file": [(io.BytesIO(b"un"), "a.txt"), (io.BytesIO(b"deux"), "b.txt")]})
    assert r.status_code == 201 and [a["filename"] for a in r.json["attachments"]] == ["a.txt", "b.txt"]


@pytest.mark.parametrize("raw, safe", [
    ("Compte-rendu opératoire.pdf", "Compte-rendu opératoire.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\dr\\Ordonnance.pdf", "Ordonnance.pdf"),
    ("photo\x00<script>.jpg", "photo_script_.jpg"),
    ("...", "piece-jointe"),
    ("", "piece-jointe"),
    (None, "piece-jointe"),
    ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
])
def test_file_names_are_sanitised_but_keep_accents(raw, safe):
    assert sanitize_filename(raw) == safe


def test_download_headers_keep_the_name_and_block_active_content(small_app):
    client = small_app.test_client()
    headers = bearer(make_account("alice"))
    att = _upload(client, headers, b"<html><script>alert(1)</script></html>", "page.html").json["attachment"]
    r = client.get(att["url"], headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    photo = _upload(client, headers, PNG, "Plaie J3.png").json["attachment"]
    r = client.get(photo["url"], headers=headers)
    assert r.headers["Content-Disposition"].startswith("inline") and r.mimetype == "image/png"
