"""The attachment store: content-addressed files outside any web root, type sniffed from content."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

import magic

from ..models import Account, Attachment
from ..plain_text import strip_bidi

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
CHUNK = 1024 * 1024


class AttachmentRejected(ValueError):
    """The upload cannot be stored; ``message`` is a French sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sanitize_filename(name: str | None) -> str:
    """Keep the name a professional gave (accents included) but nothing a file system or header abuses."""
    name = strip_bidi(unicodedata.normalize("NFC", name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers on Windows send full paths
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "piece-jointe"


class AttachmentStore:
    def __init__(self, root: str | Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, stream: BinaryIO, filename: str | None, uploaded_by: Account | None) -> Attachment:
        """Stream the upload to disk, hashing and measuring it; reject empty or oversized files."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise AttachmentRejected(
                            f"Le fichier dépasse la taille maximale de {_human(self.max_bytes)}.")
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    tmp.write(chunk)
            if size == 0:
                raise AttachmentRejected("Le fichier est vide.")
            sha = digest.hexdigest()
            final = self.path_for(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)  # same content, same name: a second upload costs no space
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        content_type = magic.from_buffer(head, mime=True) or "application/octet-stream"
        return Attachment.create(sha256=sha, size=size, content_type=content_type,
                                 filename=sanitize_filename(filename), uploaded_by=uploaded_by)

    def open(self, attachment: Attachment) -> BinaryIO:
        return open(self.path_for(attachment.sha256), "rb")


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size / 1024:.0f} Ko"
