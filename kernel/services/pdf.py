"""The PDF renderer: HTML to PDF with pdfkit and wkhtmltopdf, the one way every plugin makes PDFs."""
from __future__ import annotations

import shutil
from typing import Any

import pdfkit

from .page_numbers import number_pages


class PdfUnavailable(RuntimeError):
    """wkhtmltopdf cannot be run; the message tells the deployer what to install."""


class PdfRenderer:
    def __init__(self, binary: str = "") -> None:
        self.binary = binary or shutil.which("wkhtmltopdf") or ""

    def render(self, html: str, *, title: str = "", options: dict[str, Any] | None = None,
               page_numbers: bool = False) -> bytes:
        """HTML (self-contained: images inlined as data URIs) to PDF; ``page_numbers`` stamps "Page n sur N"."""
        if not self.binary or not shutil.which(self.binary):
            raise PdfUnavailable(
                "Le générateur de PDF (wkhtmltopdf) est introuvable : installez le paquet « wkhtmltopdf » "
                "ou indiquez son chemin dans le réglage RELAIS_WKHTMLTOPDF.")
        config = pdfkit.configuration(wkhtmltopdf=self.binary)
        opts: dict[str, Any] = {
            "encoding": "UTF-8", "page-size": "A4", "margin-top": "15mm", "margin-bottom": "15mm",
            "margin-left": "15mm", "margin-right": "15mm", "quiet": "",
            # Pages must not reach out to the network: everything is inlined by the caller.
            "disable-external-links": "", "disable-javascript": "",
        }
        if title:
            opts["title"] = title
        opts.update(options or {})
        try:
            pdf = pdfkit.from_string(html, False, configuration=config, options=opts)
        except OSError as exc:
            raise PdfUnavailable(f"wkhtmltopdf a échoué : {exc}") from exc
        return number_pages(pdf) if page_numbers else pdf
