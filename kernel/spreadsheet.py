"""CSV files a French spreadsheet opens as they are: UTF-8 with a byte order mark (accents intact), « ; »
between columns (the French list separator), and no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator, Sequence

BOM = "\ufeff"
# A cell starting so is a formula to Excel or LibreOffice (CSV injection): a name typed by someone must not run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell's text, a leading apostrophe before anything a spreadsheet would take for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file as text chunks (the BOM and header first), for a streamed answer: one chunk per row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield BOM + out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([neutralise(cell) for cell in row])
        yield out.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join(csv_lines(header, rows)).encode("utf-8")
