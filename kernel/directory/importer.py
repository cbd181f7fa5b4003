"""One import run over one national file: stream it in batches, then retire, link and index.

Memory stays bounded whatever the file size: lines are read one by one, written by batches of
``BATCH`` in their own transaction, and rejected lines go straight to the report file. A read that
fails part-way (truncated archive, bad checksum, interruption) keeps what its batches wrote but
retires nothing: only a complete read proves an address is not published any more. Nor does a run
that would retire more than a share of the published addresses (``retire_limit``): a header-only or
regional file read in full looks like a national extraction, and the operator must confirm it.
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
RETIRE_LIMIT = 0.10  # share of the active national addresses one run may retire unless forced
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


@dataclass(frozen=True)
class RetirementHeld:
    """A retirement not done because it was too large: the figures the operator decides on."""

    unseen: int  # active national addresses the file does not list
    active: int  # active national addresses, this run's new ones included
    limit: float  # the share allowed, 0.10 for 10 %


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
    kept: int = 0  # addresses not retired because their line was rejected
    held: RetirementHeld | None = None


def read_layout(source: Source) -> Layout:
    """The file's layout from its header (raises HeaderError / ImportFileError with a French reason)."""
    return LineReader(source, reject=lambda *line: None).read_layout()


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


def import_source(source: Source, progress: Progress | None = None, batch_size: int = BATCH,
                  retire_limit: float = RETIRE_LIMIT, force_retire: bool = False) -> ImportOutcome:
    """Import one file. An MSSanté extraction retires the addresses it does not list, unless that is more
    than ``retire_limit`` of the active ones and ``force_retire`` is not set (``outcome.held`` says so)."""
    with _large_page_cache():
        return _import(source, progress, batch_size, retire_limit, force_retire)


def _import(source: Source, progress: Progress | None, batch_size: int, retire_limit: float,
            force_retire: bool) -> ImportOutcome:
    started = time.monotonic()
    report = RejectReport(source)
    layout = read_layout(source)
    kept: set[str] = set()  # addresses named by rejected lines of the current batch

    def reject(number: int, reason: str, fields: list[str] | None = None) -> None:
        report(number, reason)
        if layout.kind == MSSANTE and fields:
            kept.update(mssante.rejected_line_addresses(reader.layout or layout, fields))
            if len(kept) >= batch_size:  # a file of rejected lines must not grow memory either
                _write(writer, [], kept)
    reader = LineReader(source, reject=reject)
    with write_transaction():
        run = DirectoryImport.create(kind=layout.kind, file_name=source.name[:255])
        if layout.kind == MSSANTE and not DirectoryEntry.select().where(DirectoryEntry.source == FROM_ANNUAIRE).exists():
            # A first import ends with a full renumbering, which rebuilds the rank indexes anyway:
            # maintaining them line by line until then would only slow the import down.
            index.drop_rank_indexes()
    writer: Any = mssante.MssanteWriter(run) if layout.kind == MSSANTE else ps.PsWriter(run)
    parse = mssante.parse if layout.kind == MSSANTE else ps.parse
    held = None
    try:
        batch: list[dict[str, Any]] = []
        for number, fields in reader.lines():
            row = parse(layout, fields)
            if isinstance(row, str):
                reject(number, row, fields)
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                _write(writer, batch, kept)
                batch = []
                if progress:
                    progress(reader.lines_read)
        _write(writer, batch, kept)
        if progress:
            progress(reader.lines_read)
        with write_transaction():
            if layout.kind == MSSANTE:
                held = _retire(run, writer, retire_limit, force_retire)
                sync_all_identities()  # link new national entries to accounts, before placing them
            index.refresh()
            _finish(run, "done", reader, writer, report, error=_held_note(held))
    except BaseException as exc:  # interrupted too: say so in the run, retire nothing
        writer.counts.retired = 0  # a retirement, if any, was in the transaction that failed
        with write_transaction():
            index.ensure_rank_indexes()
            _finish(run, "failed", reader, writer, report, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        report.close()
    outcome = ImportOutcome(source=source, layout=reader.layout or layout, run=run, latin1_lines=reader.latin1_lines,
                            report=report.path, seconds=time.monotonic() - started, kept=writer.counts.kept,
                            held=held)
    E = DirectoryEntry
    for kind, count in (E.select(E.kind, pw.fn.COUNT(E.id)).where(E.sort_rank.is_null(False))
                        .group_by(E.kind).tuples()):
        if kind == PERSON_ENTRY:
            outcome.professionals = count
        else:
            outcome.services = count
    return outcome


def _write(writer: Any, batch: list[dict[str, Any]], kept: set[str]) -> None:
    if batch or kept:
        with write_transaction():
            if batch:
                writer.write(batch)
            if kept:  # after the batch: an address also on a good line is counted there, not here
                writer.counts.kept += mssante.keep_addresses(writer.run, kept)
        kept.clear()


def _retire(run: DirectoryImport, writer: Any, retire_limit: float, force_retire: bool) -> RetirementHeld | None:
    unseen, active = mssante.retirement_share(run)
    if unseen and not force_retire and unseen > retire_limit * active:
        return RetirementHeld(unseen=unseen, active=active, limit=retire_limit)
    writer.counts.retired = mssante.retire_unseen(run)
    return None


def _held_note(held: RetirementHeld | None) -> str:
    """Kept on the run (status "done"), so that the history says why nothing was retired."""
    if held is None:
        return ""
    return (f"retrait suspendu : {held.unseen} adresses sur {held.active} auraient été retirées, "
            f"au-delà du seuil de {percent(held.limit)}")


def percent(share: float) -> str:
    """``0.1`` -> ``"10 %"``, ``0.125`` -> ``"12,5 %"`` (French typography)."""
    return f"{round(share * 100, 1):g} %".replace(".", ",")


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
