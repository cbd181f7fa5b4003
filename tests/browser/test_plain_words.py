"""Issue #15 item 8: words and numbers a doctor understands (the upload limit stated, and checked before
the upload starts, naming the file)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.chat_channel import ChatChannel
from support.factories import make_account

pytestmark = pytest.mark.browser


def test_the_upload_limit_is_stated_and_a_too_large_file_is_named_before_any_upload(make_site, new_page, sign_in,
                                                                                   artifacts):
    site = make_site(plugins=[("chat", ChatChannel())], attachment_max_bytes=1024 * 1024)
    with site.app.app_context():
        make_account("alice", "Alice", "Dupuis")
    page = new_page()
    uploads = []
    page.on("request", lambda r: uploads.append(r) if r.url.endswith("/api/v1/attachments") else None)
    sign_in(page, site, "alice", "/envoyer/test_chat")
    field = page.locator("[data-field=attachments]")
    expect(field.locator(".hint")).to_contain_text("1 Mo au plus par fichier")
    field.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "scanner.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * (1536 * 1024)},
        {"name": "compte rendu.txt", "mimeType": "text/plain", "buffer": "Compte rendu".encode()}])
    expect(field.locator(".field-error")).to_have_text("« scanner.pdf » dépasse la taille maximale de 1 Mo.")
    expect(field.locator(".attachment-item[data-id]")).to_have_text([re.compile("compte rendu.txt")])
    page.screenshot(path=artifacts / "plain-01-taille-maximale.png")
    assert len(uploads) == 1  # the small file only: the large one never left the browser

    # Only too large files: nothing is sent at all.
    field.locator("[data-attachments-input]").set_input_files(files=[
        {"name": "IRM.dcm", "mimeType": "application/dicom", "buffer": b"0" * (2 * 1024 * 1024)}])
    expect(field.locator(".field-error")).to_have_text("« IRM.dcm » dépasse la taille maximale de 1 Mo.")
    expect(field.locator(".attachment-item")).to_have_count(1)
    assert len(uploads) == 1
