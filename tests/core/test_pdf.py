"""The PDF renderer: real wkhtmltopdf, French text intact, a clear French error when it is missing."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kernel.services.pdf import PdfRenderer, PdfUnavailable


def test_renders_french_html_to_a_real_pdf(tmp_path):
    pdf = PdfRenderer().render("<html><head><meta charset='utf-8'></head><body><h1>Synthèse de l'échange</h1>"
                               "<p>Patiente : Cécilia REPAP TEST, née le 27/03/1901</p></body></html>",
                               title="Synthèse")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Synthèse de l'échange" in text and "Cécilia REPAP TEST" in text


def test_missing_binary_says_what_to_install():
    with pytest.raises(PdfUnavailable, match="installez le paquet « wkhtmltopdf »"):
        PdfRenderer("/nonexistent/wkhtmltopdf").render("<p>x</p>")


def test_page_numbers_are_stamped_on_every_page(tmp_path):
    long = "".join(f"<p>Message {n} : la plaie évolue bien.</p>" for n in range(200))
    pdf = PdfRenderer().render(f"<html><head><meta charset='utf-8'></head><body>{long}</body></html>",
                               page_numbers=True)
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} sur {len(pages)}" in text
    assert "Message 199 : la plaie évolue bien." in pages[-1]
