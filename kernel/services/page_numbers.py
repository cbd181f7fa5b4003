"""Stamp "Page n sur N" at the foot of every page of a PDF.

Debian's wkhtmltopdf is built against an unpatched Qt and ignores its own --footer options, so page
numbers are added afterwards with pypdf: a few PDF operators per page in Helvetica, one of the
standard PDF fonts every reader has, so nothing needs embedding.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

FONT = NameObject("/RelaisPageFont")


def number_pages(pdf: bytes, label: str = "Page {n} sur {total}", size: float = 8.0,
                 bottom_mm: float = 7.0) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    total = len(writer.pages)
    for index, page in enumerate(writer.pages, start=1):
        text = label.format(n=index, total=total)
        # Helvetica letters and digits average about half an em: close enough to centre a short label.
        x = float(page.mediabox.width) / 2 - len(text) * size * 0.25
        y = bottom_mm * 72 / 25.4
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject())
        resources.setdefault(NameObject("/Font"), DictionaryObject())[FONT] = font
        contents = page.get_contents()
        original = contents.get_data() if contents is not None else b""
        stamped = ContentStream(None, writer)
        # The page's own drawing is wrapped in q/Q so a transformation it leaves cannot move the label.
        stamped.set_data(b"q\n" + original + b"\nQ\n" + (
            f"q BT {FONT} {size} Tf 0.4 0.4 0.4 rg {x:.2f} {y:.2f} Td ({text}) Tj ET Q".encode("latin-1")))
        page.replace_contents(stamped)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
