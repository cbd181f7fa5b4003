"""One import run over one national file: stream it in batches, then retire, link and index.

Memory stays bounded whatever the file size: lines are read one by one, written by batches of
``BATCH`` in their own transaction, and rejected lines go straight to the report file. A read that
fails part-way (truncated archive, bad checksum, interruption) keeps what its batches wrote but
retires nothing: only a complete read proves an address is not published any more.
"""
from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

import peewee as pw

from ..db import database, utcnow, write_transaction
from ..models.directory import FROM_ANNUAIRE, PERSON_ENTRY, DirectoryEntry, DirectoryImport
from . import index, mssante, ps
from .columns import MSSANTE, Layout
from .reader import LineReader, Source
from .sync import sync_all_identities

BATCH = 5000
SQLITE_CACHE_KIB = 64 * 1024
Progress = Callable[[int], None]


@dataclass
class RejectReport:
    """Rejected lines, written as they come to ``<file>_rejets.txt`` next to the data."""

    source: Source
    path: Path | None = None
    count: int = 0
    _out: TextIO | None = field(default=None, repr=False)

    def __call__(self, line_number: int, reason: str) -> None:
        self.count += 1
        if self._out is None:
            self._out = self._open()
            self._out.write(f"Lignes rejetées à l'import de {self.source.name} ({utcnow():%d/%m/%Y %H:%M} UTC)\n")
        self._out.write(f"ligne {line_number} : {reason}\n")

    def _open(self) -> TextIO:
        try:
            self.path = self.source.report_path
            return open(self.path, "w", encoding="utf-8")
        except OSError:  # the data's folder is read-only: the temporary folder will do
            self.path = Path(tempfile.gettempdir()) / self.source.report_path.name
            return open(self.path, "w", encoding="utf-8")

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


@dataclass
class ImportOutcome:
    source: Source
    layout: Layout
    run: DirectoryImport
    latin1_lines: int
    report: Path | None
    seconds: float
    professionals: int = 0
    services: int = 0


def read_layout(source: Source) -> Layout:
    """The file's layout from its header (raises HeaderError / ImportFileError with a French reason)."""
    return LineReader(source, reject=lambda n, r: None).read_layout()


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """SQLite's default page cache (2 MB) makes every index update of a large import a disk read."""
    db = database.obj
    if not isinstance(db, pw.SqliteDatabase):
        yield
        return
    before = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


def import_source(source: Source, progress: Progress | None = None, batch_size: int = BATCH) -> ImportOutcome:
    with _large_page_cache():
        return _import(source, progress, batch_size)


def _import(source: Source, progress: Progress | None, batch_size: int) -> ImportOutcome:
    started = time.monotonic()
    report = RejectReport(source)
    reader = LineReader(source, reject=report)
    layout = read_layout(source)
    with write_transaction():
        run = DirectoryImport.create(kind=layout.kind, file_name=source.name[:255])
        if layout.kind == MSSANTE and not DirectoryEntry.select().where(DirectoryEntry.source == FROM_ANNUAIRE).exists():
            # A first import ends with a full renumbering, which rebuilds the rank indexes anyway:
            # maintaining them line by line until then would only slow the import down.
            index.drop_rank_indexes()
    writer: Any = mssante.MssanteWriter(run) if layout.kind == MSSANTE else ps.PsWriter(run)
    parse = mssante.parse if layout.kind == MSSANTE else ps.parse
    try:
        batch: list[dict[str, Any]] = []
        for number, fields in reader.lines():
            row = parse(layout, fields)
            if isinstance(row, str):
                report(number, row)
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _write(writer, batch)
                batch = []
                if progress:
                    progress(reader.lines_read)
        _write(writer, batch)
        if progress:
            progress(reader.lines_read)
        with write_transaction():
            if layout.kind == MSSANTE:
                writer.counts.retired = mssante.retire_unseen(run)
                sync_all_identities()  # link new national entries to accounts, before placing them
            index.refresh()
            _finish(run, "done", reader, writer, report)
    except BaseException as exc:  # interrupted too: say so in the run, retire nothing
        writer.counts.retired = 0  # a retirement, if any, was in the transaction that failed
        with write_transaction():
            index.ensure_rank_indexes()
            _finish(run, "failed", reader, writer, report, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        report.close()
    outcome = ImportOutcome(source=source, layout=reader.layout or layout, run=run, latin1_lines=reader.latin1_lines,
                            report=report.path, seconds=time.monotonic() - started)
    E = DirectoryEntry
    for kind, count in (E.select(E.kind, pw.fn.COUNT(E.id)).where(E.sort_rank.is_null(False))
                        .group_by(E.kind).tuples()):
        if kind == PERSON_ENTRY:
            outcome.professionals = count
        else:
            outcome.services = count
    return outcome


def _write(writer: Any, batch: list[dict[str, Any]]) -> None:
    if batch:
        with write_transaction():
            writer.write(batch)


def _finish(run: DirectoryImport, status: str, reader: LineReader, writer: Any, report: RejectReport,
            error: str = "") -> None:
    counts = writer.counts
    run.status, run.error, run.finished_at = status, error, utcnow()
    run.lines_read, run.rejected = reader.lines_read, report.count
    run.created, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
    run.retired, run.ignored = counts.retired, counts.ignored
    run.encoding = "latin-1" if reader.latin1_lines else "utf-8"
    run.report_path = str(report.path or "")[:500]
    run.save()
