"""Streaming reader of the national files: a .txt, or the .zip that holds it, one line at a time.

The format is ``|``-separated with no quoting at all: a ``"`` inside a field is data, so the lines
are split on ``|`` and nothing else (no csv module). A line whose number of fields differs from
the header's (a ``|`` inside a value shifts the columns) is rejected with its number and reason.
Lines are decoded as UTF-8 (a BOM is tolerated); a line that is not valid UTF-8 is read as Latin-1
and counted, so the summary can say so. In a zip, the national files are told from the rest (a
readme, another PS_LibreAcces file) by their header, not by their name: the rest is listed, not read.
"""
from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .columns import Layout, kind_of, layout_of

BOM = b"\xef\xbb\xbf"
READ_BUFFER = 1 << 20


class ImportFileError(Exception):
    """A file cannot be imported at all; the message is a French sentence for the user."""


@dataclass(frozen=True)
class Source:
    """One file to import: a plain file, or a member of a zip archive."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def report_path(self) -> Path:
        """Rejected lines are listed next to the data: ``<file>_rejets.txt``."""
        return self.path.with_name(f"{Path(self.name).stem}_rejets.txt")


@dataclass
class Sources:
    """What a path given on the command line holds: the files to import, and archive members left aside."""

    files: list[Source]
    ignored: list[str] = field(default_factory=list)  # members whose header is not a national file's


def sources_of(path_text: str) -> Sources:
    path = Path(path_text).expanduser()
    if not path.exists():
        raise ImportFileError(f"le fichier « {path_text} » n'existe pas.")
    if path.is_dir():
        raise ImportFileError(f"« {path_text} » est un dossier : donnez le chemin d'un fichier .txt ou .zip.")
    if not zipfile.is_zipfile(path):
        return Sources([Source(path)])
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        texts = [m for m in members if m.lower().endswith(".txt")]
        if not texts:
            raise ImportFileError(f"l'archive « {path_text} » ne contient aucun fichier .txt.")
        # Only the header tells a national file from a readme; each member's first line is enough.
        files = [Source(path, m) for m in texts if _is_national_file(Source(path, m))]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFileError(f"l'archive « {path_text} » est illisible ({exc}).") from exc
    if not files:
        raise ImportFileError(f"l'archive « {path_text} » ne contient ni extraction des BAL MSSanté "
                              "(Extraction_Correspondance_MSSante_*.txt) ni fichier "
                              "PS_LibreAcces_Personne_activite_*.txt (fichiers lus : "
                              f"{', '.join(Path(m).name for m in texts)}).")
    chosen = {s.member for s in files}
    return Sources(files, [Path(m).name for m in members if m not in chosen])


def _is_national_file(source: Source) -> bool:
    with open_binary(source) as stream:
        first = stream.readline()
    if first.startswith(BOM):
        first = first[len(BOM):]
    return kind_of(first.rstrip(b"\r\n").decode("utf-8", "replace").split("|")) is not None


@contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    if source.member is None:
        with open(source.path, "rb", buffering=READ_BUFFER) as stream:
            yield stream
        return
    # Read from the archive as a stream: nothing is extracted, to disk or to memory.
    with zipfile.ZipFile(source.path) as archive, archive.open(source.member) as member:
        yield io.BufferedReader(member, READ_BUFFER)  # type: ignore[arg-type]


@dataclass
class LineReader:
    """Reads one source: its layout from the header, then ``(line number, fields)`` of each good line.

    ``reject(line number, reason, fields)`` hears of each line of the wrong width, with its fields as
    split: the MSSanté import still finds the mailbox of such a line, so as not to retire it."""

    source: Source
    reject: Callable[[int, str, list[str]], None]
    latin1_lines: int = 0
    lines_read: int = 0
    layout: Layout | None = field(default=None, init=False)

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.latin1_lines += 1
            return raw.decode("latin-1")

    def read_layout(self) -> Layout:
        with open_binary(self.source) as stream:
            first = stream.readline()
        return self._layout(first)

    def _layout(self, first: bytes) -> Layout:
        if not first.strip():
            raise ImportFileError(f"le fichier « {self.source.name} » est vide (pas même une ligne d'en-tête).")
        if first.startswith(BOM):
            first = first[len(BOM):]
        return layout_of(self._decode(first.rstrip(b"\r\n")).split("|"))

    def lines(self) -> Iterator[tuple[int, list[str]]]:
        """The data lines; a read error (truncated archive, bad checksum) propagates: the read is incomplete."""
        with open_binary(self.source) as stream:
            self.layout = layout = self._layout(stream.readline())
            width = layout.width
            number = 1
            for raw in stream:
                number += 1
                line = self._decode(raw).rstrip("\r\n")
                if not line.strip():
                    continue
                self.lines_read += 1
                fields = line.split("|")
                if len(fields) == width + 1 and not fields[-1]:
                    fields.pop()  # a trailing separator, as PS_LibreAcces lines have
                if len(fields) != width:
                    self.reject(number, f"{len(fields)} champs au lieu de {width} (un « | » dans une valeur "
                                        "décale les colonnes) : ligne ignorée", fields)
                    continue
                yield number, fields
